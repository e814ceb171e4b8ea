/**
 * The PostgreSQL store, for several service instances on one database.
 * It shares `SqlStore` with SQLite; this file holds the differences: the
 * connection pool, per-record locks, retries of conflicting transactions,
 * and change-stream positions made of transaction snapshots.
 */
import { Kysely, PostgresDialect, sql } from "kysely";
import type pg from "pg";
import type { Logger } from "pino";

import { apiErrors } from "../../errors.ts";
import { postgresExpressions } from "../../sql/dialect/postgres/expression-dialect.ts";
import { SqlStore, type StoreDialect } from "../sql-store.ts";
import { versionsTable, type Database } from "../table.ts";
import { migratePostgres } from "./postgres-migrations.ts";

export interface PostgresOptions {
  /** Connections in the pool. */
  readonly poolSize: number;
  /** Milliseconds after which the server cancels one statement. */
  readonly statementTimeoutMs: number;
  /** Attempts of a transaction that fails on a deadlock or serialization. */
  readonly maxAttempts: number;
  readonly logger: Logger;
}

export const defaultPostgresOptions = {
  poolSize: 10,
  statementTimeoutMs: 30_000,
  maxAttempts: 5,
};

/** SQLSTATEs after which the same transaction may succeed when run again. */
const retryableStates = new Set(["40001", "40P01"]);
const retryAfterSeconds = 1;

/**
 * Connects, migrates and returns the store. Throws with a clear message
 * when the database cannot be reached, so `serve` exits non-zero.
 */
export async function openPostgresStore(
  url: string,
  options: PostgresOptions,
): Promise<SqlStore> {
  // Loaded here, so that a service on SQLite does not pay for loading pg.
  const { default: driver } = await import("pg");
  const pool = new driver.Pool({
    connectionString: url,
    max: options.poolSize,
    statement_timeout: options.statementTimeoutMs,
    connectionTimeoutMillis: 5_000,
  });
  // An idle connection that the server drops emits 'error' on the pool; the
  // pool replaces it, so it is logged and not allowed to end the process.
  pool.on("error", (error) => {
    options.logger.error({ err: error }, "postgres connection lost");
  });
  // A connection in use that breaks emits 'error' on its client; without a
  // listener that would end the process. The query itself fails and the
  // pool discards the client.
  pool.on("connect", (client) => {
    client.on("error", (error) => {
      options.logger.error({ err: error }, "postgres connection broke");
    });
  });

  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    await pool.end();
    throw new Error(
      `cannot connect to PostgreSQL at ${redactUrl(url)}: ${describe(error)}`,
      { cause: error },
    );
  }
  try {
    await migratePostgres(client);
  } finally {
    client.release();
  }

  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return new SqlStore(db, postgresDialect(options));
}

/**
 * Change-stream positions are `pg_current_snapshot()` values. A version
 * row belongs to a round when its transaction is visible in the round's
 * end snapshot and was not visible in its start snapshot. Unlike a
 * sequence number, this stays correct when transactions commit out of
 * sequence order: a transaction still running at the start of a round is
 * invisible in that snapshot, so the round that first sees it committed
 * returns it.
 */
function postgresDialect(options: PostgresOptions): StoreDialect {
  return {
    name: "postgres",
    expressions: postgresExpressions,
    explicitNullOrder: true,
    // pg_snapshot text: xmin:xmax:xip,xip,…
    positionPattern: /^\d{1,20}:\d{1,20}:(\d{1,20}(,\d{1,20})*)?$/,

    async currentPosition(db) {
      const result = await sql<{ snapshot: string }>`
        select pg_current_snapshot()::text as snapshot`.execute(db);
      return (result.rows[0] as { snapshot: string }).snapshot;
    },

    async changedIds(db, since, upTo, afterId, limit) {
      const result = await sql<{ recordId: string }>`
        select distinct "recordId" from ${sql.table(versionsTable)}
        where "txid" >= pg_snapshot_xmin(${since}::pg_snapshot)
          and pg_visible_in_snapshot("txid", ${upTo}::pg_snapshot)
          and not pg_visible_in_snapshot("txid", ${since}::pg_snapshot)
          and (${afterId ?? null}::text is null or "recordId" > ${afterId ?? null})
        order by "recordId"
        limit ${limit}`.execute(db);
      return result.rows.map((row) => row.recordId);
    },

    async lockRecords(trx, ids) {
      if (ids.length === 0) return;
      // One statement takes the locks in array order, which is sorted.
      await sql`
        select pg_advisory_xact_lock(hashtextextended(id, 0))
        from unnest(${[...ids]}::text[]) with ordinality as t(id, position)
        order by position`.execute(trx);
    },

    async reserveSequence(trx, count) {
      if (count === 0) return [];
      const result = await sql<{ seq: string }>`
        select nextval(pg_get_serial_sequence(${versionsTable}, 'seq')) as seq
        from generate_series(1, ${count})`.execute(trx);
      return result.rows.map((row) => Number(row.seq)).sort((a, b) => a - b);
    },

    async transaction(db, work) {
      for (let attempt = 1; ; attempt++) {
        try {
          // Read committed is enough: lockRecords() serializes the writers
          // of a record, and each statement then sees their commits.
          return await db
            .transaction()
            .setIsolationLevel("read committed")
            .execute(work);
        } catch (error) {
          const state = (error as { code?: string }).code ?? "";
          if (!retryableStates.has(state)) throw error;
          if (attempt >= options.maxAttempts) {
            options.logger.error(
              { err: error, attempt },
              "transaction failed after retries",
            );
            throw apiErrors.serviceUnavailable(
              "The database could not complete the write because of " +
                "conflicting transactions. Retry the request.",
              retryAfterSeconds,
            );
          }
          options.logger.warn(
            { err: error, attempt },
            "transaction conflict, retrying",
          );
        }
      }
    },

    // Kysely's destroy() already ends the pool.
    async close() {},
  };
}

/** Hides the password of a connection URL for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(invalid URL)";
  }
}

function describe(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return error.errors.map((e: unknown) => describe(e)).join("; ");
  }
  return error instanceof Error ? error.message : String(error);
}
