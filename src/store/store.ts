/**
 * The storage interface the HTTP layer talks to. Queries arrive already
 * compiled to SQL expressions, so a store holds no OData grammar.
 */
import type { Expression, SqlBool } from "kysely";

import type { AuditRecord } from "../model/entity.ts";
import type { RecordChanges } from "../model/validate.ts";

/** One `$orderby` key, compiled. `id` is added by the store as the last key. */
export interface SortKey {
  readonly expression: Expression<unknown>;
  readonly descending: boolean;
  /** False when the key can never be null, so no NULLS clause is needed. */
  readonly nullable: boolean;
}

export interface ListQuery {
  /** The compiled `$filter` and `$search`, when given. */
  readonly where?: Expression<SqlBool>;
  readonly orderBy: readonly SortKey[];
  /**
   * Keyset position: the sort key values and then the id of the last row
   * already sent. Rows after it in sort order are returned.
   */
  readonly after?: readonly unknown[];
  readonly offset: number;
  readonly limit: number;
}

export interface ListedRecord {
  readonly record: AuditRecord;
  /** Values of the sort keys and then the id, for a keyset token. */
  readonly keys: readonly unknown[];
}

/** One operation of a bulk request, after validation. */
export type BulkOperation =
  | {
      readonly kind: "upsert";
      readonly id?: string;
      readonly changes: RecordChanges;
    }
  | { readonly kind: "delete"; readonly id: string };

export type BulkOutcome =
  | { readonly kind: "created" | "updated"; readonly record: AuditRecord }
  | { readonly kind: "deleted"; readonly id: string }
  | { readonly kind: "failed"; readonly error: Error };

export interface WriteContext {
  /** The time the request was received, for `requestDateTime` defaults. */
  readonly receivedAt: Date;
}

export interface AuditStore {
  get(id: string): Promise<AuditRecord | undefined>;
  list(query: ListQuery): Promise<ListedRecord[]>;
  count(where?: Expression<SqlBool>): Promise<number>;
  /** Inserts a record; throws the Conflict error when the id exists. */
  create(record: AuditRecord): Promise<AuditRecord>;
  /** Merges changes into a record; undefined when no record has the id. */
  update(id: string, changes: RecordChanges): Promise<AuditRecord | undefined>;
  /** Deletes a record; false when no record has the id. */
  delete(id: string): Promise<boolean>;
  /**
   * Applies bulk operations in one transaction, in order. Atomic mode stops
   * at the first failure and rolls everything back by throwing it; with
   * `continueOnError` failed items are reported and the rest committed.
   */
  applyBulk(
    operations: readonly BulkOperation[],
    options: { readonly continueOnError: boolean } & WriteContext,
  ): Promise<BulkOutcome[]>;
  /** Checks that the store answers, for the readiness endpoint. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
