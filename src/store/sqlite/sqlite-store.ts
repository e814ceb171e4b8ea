/**
 * The embedded store: one SQLite file through better-sqlite3 and Kysely.
 * WAL mode with `synchronous=FULL` makes every committed write durable
 * before the response is sent, so an answered write survives `kill -9`.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";

import Sqlite from "better-sqlite3";
import {
  Kysely,
  SqliteDialect,
  sql,
  type Expression,
  type SqlBool,
} from "kysely";

import { apiErrors } from "../../errors.ts";
import type { AuditRecord } from "../../model/entity.ts";
import { generateId } from "../../model/ids.ts";
import { mergeChanges, withDefaults } from "../../model/serialize.ts";
import type { RecordChanges } from "../../model/validate.ts";
import { afterCondition } from "../keyset.ts";
import type {
  AuditStore,
  BulkOperation,
  BulkOutcome,
  ListQuery,
  ListedRecord,
  WriteContext,
} from "../store.ts";
import {
  recordFromRow,
  recordsTable,
  rowFromRecord,
  type Database,
  type RecordRow,
} from "../table.ts";
import { migrateSqlite } from "./sqlite-migrations.ts";

/** Prepared statements kept per SQL text; Kysely prepares on every query. */
const statementCacheSize = 256;

/** Opens (and creates or migrates) the SQLite store at a file path. */
export async function openSqliteStore(file: string): Promise<SqliteStore> {
  if (file !== ":memory:") mkdirSync(dirname(file), { recursive: true });
  const connection = new Sqlite(file);
  connection.pragma("journal_mode = WAL");
  connection.pragma("synchronous = FULL");
  connection.pragma("busy_timeout = 5000");
  migrateSqlite(connection);
  return new SqliteStore(connection);
}

export class SqliteStore implements AuditStore {
  readonly #connection: Sqlite.Database;
  readonly #db: Kysely<Database>;

  constructor(connection: Sqlite.Database) {
    this.#connection = connection;
    this.#db = new Kysely<Database>({
      dialect: new SqliteDialect({ database: cachingDatabase(connection) }),
    });
  }

  /** The Kysely instance, for tests that compile or run queries directly. */
  get db(): Kysely<Database> {
    return this.#db;
  }

  async get(id: string): Promise<AuditRecord | undefined> {
    const row = await this.#db
      .selectFrom(recordsTable)
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirst();
    return row === undefined ? undefined : recordFromRow(row);
  }

  async list(query: ListQuery): Promise<ListedRecord[]> {
    const keys = query.orderBy;
    let select = this.#db.selectFrom(recordsTable).selectAll();
    keys.forEach((key, index) => {
      select = select.select(sql`${key.expression}`.as(`sortKey${index}`));
    });
    if (query.where !== undefined) select = select.where(query.where);
    if (query.after !== undefined) {
      const idKey = {
        expression: sql.ref("id"),
        descending: false,
        nullable: false,
      };
      select = select.where(afterCondition([...keys, idKey], query.after));
    }
    for (const key of keys) {
      select = select.orderBy(
        sql`${key.expression}`,
        key.descending ? "desc" : "asc",
      );
    }
    const rows = (await select
      .orderBy("id")
      .limit(query.limit)
      .offset(query.offset)
      .execute()) as (RecordRow & Record<string, unknown>)[];
    return rows.map((row) => ({
      record: recordFromRow(row),
      keys: [...keys.map((_, index) => row[`sortKey${index}`]), row.id],
    }));
  }

  async count(where?: Expression<SqlBool>): Promise<number> {
    let select = this.#db
      .selectFrom(recordsTable)
      .select((eb) => eb.fn.countAll<number>().as("count"));
    if (where !== undefined) select = select.where(where);
    const row = await select.executeTakeFirstOrThrow();
    return Number(row.count);
  }

  async create(record: AuditRecord): Promise<AuditRecord> {
    const result = await this.#db
      .insertInto(recordsTable)
      .values(rowFromRecord(record))
      .onConflict((conflict) => conflict.column("id").doNothing())
      .executeTakeFirst();
    if (result.numInsertedOrUpdatedRows === 0n) {
      throw apiErrors.duplicateId(record.id);
    }
    return record;
  }

  async update(
    id: string,
    changes: RecordChanges,
  ): Promise<AuditRecord | undefined> {
    return this.#db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom(recordsTable)
        .selectAll()
        .where("id", "=", id)
        .executeTakeFirst();
      if (row === undefined) return undefined;
      const updated = mergeChanges(recordFromRow(row), changes);
      await trx
        .updateTable(recordsTable)
        .set(rowFromRecord(updated))
        .where("id", "=", id)
        .execute();
      return updated;
    });
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.#db
      .deleteFrom(recordsTable)
      .where("id", "=", id)
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async applyBulk(
    operations: readonly BulkOperation[],
    options: { readonly continueOnError: boolean } & WriteContext,
  ): Promise<BulkOutcome[]> {
    const outcomes: BulkOutcome[] = [];
    try {
      await this.#db.transaction().execute(async (trx) => {
        for (const operation of operations) {
          const outcome = await applyOne(trx, operation, options);
          outcomes.push(outcome);
          if (outcome.kind === "failed" && !options.continueOnError) {
            throw new RollbackRequest();
          }
        }
      });
    } catch (error) {
      if (!(error instanceof RollbackRequest)) throw error;
    }
    return outcomes;
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.#db);
  }

  async close(): Promise<void> {
    await this.#db.destroy();
  }
}

/** Thrown inside a bulk transaction to roll it back after a failed item. */
class RollbackRequest extends Error {}

async function applyOne(
  trx: Kysely<Database>,
  operation: BulkOperation,
  context: WriteContext,
): Promise<BulkOutcome> {
  if (operation.kind === "delete") {
    const result = await trx
      .deleteFrom(recordsTable)
      .where("id", "=", operation.id)
      .executeTakeFirst();
    if (result.numDeletedRows === 0n) {
      return { kind: "failed", error: apiErrors.recordNotFound(operation.id) };
    }
    return { kind: "deleted", id: operation.id };
  }

  const id = operation.id ?? generateId(context.receivedAt.getTime());
  const row = await trx
    .selectFrom(recordsTable)
    .selectAll()
    .where("id", "=", id)
    .executeTakeFirst();
  if (row === undefined) {
    const record = withDefaults(operation.changes, id, context.receivedAt);
    await trx.insertInto(recordsTable).values(rowFromRecord(record)).execute();
    return { kind: "created", record };
  }
  const updated = mergeChanges(recordFromRow(row), operation.changes);
  await trx
    .updateTable(recordsTable)
    .set(rowFromRecord(updated))
    .where("id", "=", id)
    .execute();
  return { kind: "updated", record: updated };
}

/**
 * Wraps a connection so that `prepare` reuses statements by SQL text,
 * oldest dropped first once the cache is full.
 */
function cachingDatabase(connection: Sqlite.Database) {
  const statements = new Map<string, Sqlite.Statement>();
  return {
    close: () => connection.close(),
    prepare(text: string): Sqlite.Statement {
      let statement = statements.get(text);
      if (statement === undefined) {
        statement = connection.prepare(text);
        statements.set(text, statement);
        if (statements.size > statementCacheSize) {
          const oldest = statements.keys().next().value as string;
          statements.delete(oldest);
        }
      }
      return statement;
    },
  };
}
