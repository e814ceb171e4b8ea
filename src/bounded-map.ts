/**
 * A Map that keeps at most `limit` entries, dropping the oldest insertion
 * first, for caches keyed by text that clients choose.
 */
export class BoundedMap<K, V> extends Map<K, V> {
  readonly #limit: number;

  constructor(limit: number) {
    super();
    this.#limit = limit;
  }

  override set(key: K, value: V): this {
    super.set(key, value);
    if (this.size > this.#limit) {
      this.delete(this.keys().next().value as K);
    }
    return this;
  }
}
