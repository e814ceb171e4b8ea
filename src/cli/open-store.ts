/** Opens the store that a `--db` value names: a file or a PostgreSQL URL. */
import { existsSync } from "node:fs";

import type { Logger } from "pino";

import { openPostgresStore } from "../store/postgres/postgres-store.ts";
import type { SqlStore } from "../store/sql-store.ts";
import { openSqliteStore } from "../store/sqlite/sqlite-store.ts";

export interface PostgresSettings {
  readonly poolSize: number;
  readonly statementTimeoutMs: number;
}

export function isPostgresUrl(db: string): boolean {
  return /^postgres(ql)?:\/\//i.test(db);
}

/** Opens a store; `mustExist` refuses to create a missing SQLite file. */
export async function openStore(
  db: string,
  logger: Logger,
  postgres: PostgresSettings,
  options: { readonly mustExist?: boolean } = {},
): Promise<SqlStore> {
  if (isPostgresUrl(db)) {
    return openPostgresStore(db, { ...postgres, maxAttempts: 5, logger });
  }
  if (options.mustExist === true && !existsSync(db)) {
    throw new Error(`no database file at ${db}; check --db or --data-dir`);
  }
  return openSqliteStore(db, options);
}
