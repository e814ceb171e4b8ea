/** Opens the store that a `--db` value names. */
import { openSqliteStore } from "../store/sqlite/sqlite-store.ts";
import type { SqlStore } from "../store/sql-store.ts";

export async function openStore(db: string): Promise<SqlStore> {
  if (/^postgres(ql)?:\/\//i.test(db)) {
    // TODO: a PostgreSQL store is not implemented yet; only SQLite files work.
    throw new Error(
      "PostgreSQL URLs are not supported yet; give a SQLite file path",
    );
  }
  return openSqliteStore(db);
}
