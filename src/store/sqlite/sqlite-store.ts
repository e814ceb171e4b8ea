/**
 * The embedded store: one SQLite file through better-sqlite3 and Kysely.
 * WAL mode with `synchronous=FULL` makes every committed write durable
 * before the response is sent, so an answered write survives `kill -9`.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";

import Sqlite from "better-sqlite3";
import { Kysely, SqliteDialect, sql } from "kysely";

import { BoundedMap } from "../../bounded-map.ts";
import {
  registerFunctions,
  sqliteExpressions,
} from "../../sql/dialect/sqlite/expression-dialect.ts";
import { compileGetById, SqlStore, type StoreDialect } from "../sql-store.ts";
import { versionsTable, type Database, type RecordRow } from "../table.ts";
import { migrateSqlite } from "./sqlite-migrations.ts";

/** Prepared statements kept per SQL text; Kysely prepares on every query. */
const statementCacheSize = 256;

/** Opens (and creates or migrates) the SQLite store at a file path. */
export async function openSqliteStore(
  file: string,
  options: { readonly mustExist?: boolean } = {},
): Promise<SqlStore> {
  const mustExist = options.mustExist === true;
  if (file !== ":memory:" && !mustExist) {
    mkdirSync(dirname(file), { recursive: true });
  }
  const connection = new Sqlite(file, { fileMustExist: mustExist });
  connection.pragma("journal_mode = WAL");
  connection.pragma("synchronous = FULL");
  connection.pragma("busy_timeout = 5000");
  migrateSqlite(connection);
  registerFunctions(connection);
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({ database: cachingDatabase(connection) }),
  });
  if (file === ":memory:") return new SqlStore(db, sqliteDialect);
  return new SqlStore(db, withReader(sqliteDialect, file, db));
}

/**
 * Adds a read-only connection for reads by id, so that they neither wait
 * behind a write transaction on the main connection nor read one still open.
 */
function withReader(
  dialect: StoreDialect,
  file: string,
  db: Kysely<Database>,
): StoreDialect {
  const reader = new Sqlite(file, { readonly: true, fileMustExist: true });
  reader.pragma("busy_timeout = 5000");
  const query = compileGetById(db);
  const statement = reader.prepare<[string], RecordRow>(query.sql);
  return {
    ...dialect,
    readById: (id) => statement.get(id),
    async close() {
      reader.close();
      await dialect.close();
    },
  };
}

/**
 * On SQLite one connection runs every statement and transactions never
 * overlap, so sequence numbers are assigned in commit order and the highest
 * one is a complete change-stream position.
 */
export const sqliteDialect: StoreDialect = {
  name: "sqlite",
  expressions: sqliteExpressions,
  explicitNullOrder: false,
  positionPattern: /^\d{1,15}$/,

  async currentPosition(db) {
    const row = await db
      .selectFrom(versionsTable)
      .select(sql<number>`coalesce(max(seq), 0)`.as("seq"))
      .executeTakeFirstOrThrow();
    return String(row.seq);
  },

  async changedIds(db, since, upTo, afterId, limit) {
    let select = db
      .selectFrom(versionsTable)
      .select("recordId")
      .distinct()
      .where("seq", ">", Number(since))
      .where("seq", "<=", Number(upTo));
    if (afterId !== undefined) select = select.where("recordId", ">", afterId);
    const rows = await select.orderBy("recordId").limit(limit).execute();
    return rows.map((row) => row.recordId);
  },

  // One connection already runs one transaction at a time.
  async lockRecords() {},

  // AUTOINCREMENT keeps the highest seq ever used in sqlite_sequence, and
  // rows inserted with explicit higher values move it on.
  async reserveSequence(trx, count) {
    const result = await sql<{ seq: number }>`
      select coalesce(max(seq), 0) as seq from sqlite_sequence
      where name = ${versionsTable}`.execute(trx);
    const base = Number(result.rows[0]?.seq ?? 0);
    return Array.from({ length: count }, (_, index) => base + index + 1);
  },

  transaction(db, work) {
    return db.transaction().execute(work);
  },

  async close() {},
};

/**
 * Wraps a connection so that `prepare` reuses statements by SQL text,
 * oldest dropped first once the cache is full.
 */
function cachingDatabase(connection: Sqlite.Database) {
  const statements = new BoundedMap<string, Sqlite.Statement>(
    statementCacheSize,
  );
  return {
    close: () => connection.close(),
    prepare(text: string): Sqlite.Statement {
      let statement = statements.get(text);
      if (statement === undefined) {
        statement = connection.prepare(text);
        statements.set(text, statement);
      }
      return statement;
    },
  };
}
