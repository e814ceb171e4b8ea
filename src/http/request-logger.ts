/**
 * Request loggers that become pino children only when they write a line,
 * because building a child per request showed in profiles of GET by id.
 */
import type { FastifyBaseLogger } from "fastify";
import type { Bindings, ChildLoggerOptions, Level } from "pino";

/** A logger that can tell whether a level would be written. */
interface LevelAwareLogger extends FastifyBaseLogger {
  isLevelEnabled(level: string): boolean;
}

/**
 * Fastify's `childLoggerFactory`: the request's logger. A parent that
 * cannot tell its enabled levels, or child options (such as a route's own
 * level), get an ordinary child.
 */
export function requestLoggerFactory(
  logger: FastifyBaseLogger,
  bindings: Bindings,
  options: ChildLoggerOptions,
): FastifyBaseLogger {
  const parent = logger as Partial<LevelAwareLogger>;
  if (
    typeof parent.isLevelEnabled !== "function" ||
    Object.keys(options).length > 0
  ) {
    return logger.child(bindings, options);
  }
  return deferred(logger as LevelAwareLogger, bindings);
}

class DeferredChild {
  readonly #parent: LevelAwareLogger;
  readonly #bindings: Bindings;
  #child: FastifyBaseLogger | undefined;

  constructor(parent: LevelAwareLogger, bindings: Bindings) {
    this.#parent = parent;
    this.#bindings = bindings;
  }

  get level(): string {
    return this.#child?.level ?? this.#parent.level;
  }

  set level(level: string) {
    this.#materialized().level = level;
  }

  fatal(...args: unknown[]): void {
    this.#write("fatal", args);
  }

  error(...args: unknown[]): void {
    this.#write("error", args);
  }

  warn(...args: unknown[]): void {
    this.#write("warn", args);
  }

  info(...args: unknown[]): void {
    this.#write("info", args);
  }

  debug(...args: unknown[]): void {
    this.#write("debug", args);
  }

  trace(...args: unknown[]): void {
    this.#write("trace", args);
  }

  silent(): void {}

  /** Children merge their bindings and stay deferred. */
  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    if (this.#child !== undefined || Object.keys(options ?? {}).length > 0) {
      return this.#materialized().child(bindings, options);
    }
    return deferred(this.#parent, { ...this.#bindings, ...bindings });
  }

  #write(level: Level, args: unknown[]): void {
    if (this.#child === undefined && !this.#parent.isLevelEnabled(level)) {
      return;
    }
    const write = this.#materialized()[level] as (...args: unknown[]) => void;
    write.apply(this.#child, args);
  }

  #materialized(): FastifyBaseLogger {
    this.#child ??= this.#parent.child(this.#bindings);
    return this.#child;
  }
}

function deferred(
  parent: LevelAwareLogger,
  bindings: Bindings,
): FastifyBaseLogger {
  return new DeferredChild(parent, bindings) as unknown as FastifyBaseLogger;
}
