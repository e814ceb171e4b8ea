/** Opens the store that a `--db` value names: a file or a PostgreSQL URL. */
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

export async function openStore(
  db: string,
  logger: Logger,
  postgres: PostgresSettings,
): Promise<SqlStore> {
  if (isPostgresUrl(db)) {
    return openPostgresStore(db, { ...postgres, maxAttempts: 5, logger });
  }
  return openSqliteStore(db);
}
