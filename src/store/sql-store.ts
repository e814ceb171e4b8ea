/**
 * The store over Kysely, shared by SQLite and PostgreSQL. Every write runs
 * in a transaction that also appends the record's next version, so the
 * history can never disagree with the data. Dialect differences live in a
 * `StoreDialect` from `sqlite/` or `postgres/`.
 */
import {
  sql,
  type CompiledQuery,
  type Expression,
  type Kysely,
  type SqlBool,
} from "kysely";

import { ApiError, apiErrors } from "../errors.ts";
import type { ExpressionDialect } from "../sql/expression-dialect.ts";
import { canonicalFromDate } from "../model/datetime.ts";
import type { AuditRecord } from "../model/entity.ts";
import { generateId } from "../model/ids.ts";
import { mergeChanges, withDefaults } from "../model/serialize.ts";
import type { RecordChanges } from "../model/validate.ts";
import {
  buildVersion,
  etagOf,
  type ChangeKind,
  type Version,
} from "./history.ts";
import { writeBulk, type ReserveSequence } from "./bulk-writer.ts";
import { afterCondition } from "./keyset.ts";
import { checkPrecondition } from "./preconditions.ts";
import type {
  AuditStore,
  BulkOperation,
  BulkOutcome,
  ChangePosition,
  DeltaItem,
  DeltaPage,
  DeltaRequest,
  ListQuery,
  ListedRecord,
  Precondition,
  StoredRecord,
  WriteContext,
} from "./store.ts";
import {
  recordFromRow,
  recordsTable,
  rowFromRecord,
  versionsTable,
  type Database,
  type RecordRow,
} from "./table.ts";

/** What differs between the SQL databases a store runs on. */
export interface StoreDialect {
  readonly name: "sqlite" | "postgres";
  /** How OData expressions become SQL on this database. */
  readonly expressions: ExpressionDialect;
  /** The form of a change-stream position, to validate tokens. */
  readonly positionPattern: RegExp;
  /** The change stream position that includes every committed change. */
  currentPosition(db: Kysely<Database>): Promise<ChangePosition>;
  /** Ids of records changed after `since` up to `upTo`, in id order. */
  changedIds(
    db: Kysely<Database>,
    since: ChangePosition,
    upTo: ChangePosition,
    afterId: string | undefined,
    limit: number,
  ): Promise<string[]>;
  /** Runs work in a transaction, retrying where the database asks to. */
  transaction<T>(
    db: Kysely<Database>,
    work: (trx: Kysely<Database>) => Promise<T>,
  ): Promise<T>;
  /**
   * Serializes writes to the given records until the transaction ends, so
   * each record's versions are numbered and chained without gaps. Ids come
   * sorted, so two transactions lock in the same order.
   */
  lockRecords(trx: Kysely<Database>, ids: readonly string[]): Promise<void>;
  /** Reserves ascending sequence numbers for version rows of a bulk write. */
  readonly reserveSequence: ReserveSequence;
  /** Whether ORDER BY needs explicit NULLS FIRST/LAST to sort nulls low. */
  readonly explicitNullOrder: boolean;
  /**
   * Reads one record row by id outside any transaction, faster than a
   * Kysely query. It must return committed data only.
   */
  readonly readById?: (id: string) => RecordRow | undefined;
  close(): Promise<void>;
}

export class SqlStore implements AuditStore {
  readonly #db: Kysely<Database>;
  readonly #dialect: StoreDialect;
  /** True for the view of a store inside `transaction()`. */
  readonly #inTransaction: boolean;
  #getById: CompiledQuery<RecordRow> | undefined;

  constructor(
    db: Kysely<Database>,
    dialect: StoreDialect,
    inTransaction = false,
  ) {
    this.#db = db;
    this.#dialect = dialect;
    this.#inTransaction = inTransaction;
  }

  get expressions(): ExpressionDialect {
    return this.#dialect.expressions;
  }

  /** The Kysely instance, for tests that run queries directly. */
  get db(): Kysely<Database> {
    return this.#db;
  }

  async get(id: string): Promise<StoredRecord | undefined> {
    const readById = this.#dialect.readById;
    if (readById !== undefined && !this.#inTransaction) {
      const row = readById(id);
      return row === undefined ? undefined : storedFromRow(row);
    }
    // The query is compiled once: building it again for each request was a
    // measurable part of a single-record read.
    this.#getById ??= compileGetById(this.#db);
    const result = await this.#db.executeQuery<RecordRow>({
      ...this.#getById,
      parameters: [id],
    });
    const row = result.rows[0];
    return row === undefined ? undefined : storedFromRow(row);
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
      select = select.orderBy(sql`${key.expression} ${this.#direction(key)}`);
    }
    const rows = (await select
      .orderBy("id")
      .limit(query.limit)
      .offset(query.offset)
      .execute()) as (RecordRow & Record<string, unknown>)[];
    return rows.map((row) => ({
      ...storedFromRow(row),
      keys: [...keys.map((_, index) => row[`sortKey${index}`]), row.id],
    }));
  }

  /** ASC or DESC, with the NULLS clause that sorts null as the lowest value. */
  #direction(key: { descending: boolean; nullable: boolean }) {
    const direction = key.descending ? "desc" : "asc";
    if (!this.#dialect.explicitNullOrder || !key.nullable) {
      return sql.raw(direction);
    }
    return sql.raw(key.descending ? "desc nulls last" : "asc nulls first");
  }

  async count(where?: Expression<SqlBool>): Promise<number> {
    let select = this.#db
      .selectFrom(recordsTable)
      .select((eb) => eb.fn.countAll<number>().as("count"));
    if (where !== undefined) select = select.where(where);
    const row = await select.executeTakeFirstOrThrow();
    return Number(row.count);
  }

  async create(
    record: AuditRecord,
    context: WriteContext,
  ): Promise<StoredRecord> {
    return this.#write(async (trx) => {
      await this.#dialect.lockRecords(trx, [record.id]);
      const existing = await currentRow(trx, record.id);
      if (existing !== undefined) throw apiErrors.duplicateId(record.id);
      return insertRecord(trx, record, context);
    });
  }

  async update(
    id: string,
    changes: RecordChanges,
    context: WriteContext,
    ifMatch?: Precondition,
  ): Promise<StoredRecord | undefined> {
    return this.#write(async (trx) => {
      await this.#dialect.lockRecords(trx, [id]);
      const row = await currentRow(trx, id);
      checkPrecondition(id, currentTag(row), ifMatch);
      if (row === undefined) return undefined;
      return updateRecord(trx, row, changes, context);
    });
  }

  async delete(
    id: string,
    context: WriteContext,
    ifMatch?: Precondition,
  ): Promise<boolean> {
    return this.#write(async (trx) => {
      await this.#dialect.lockRecords(trx, [id]);
      const row = await currentRow(trx, id);
      checkPrecondition(id, currentTag(row), ifMatch);
      if (row === undefined) return false;
      await deleteRecord(trx, id, context);
      return true;
    });
  }

  async applyBulk(
    operations: readonly BulkOperation[],
    options: { readonly continueOnError: boolean } & WriteContext,
  ): Promise<BulkOutcome[]> {
    // NOTE: inside transaction() a failed atomic bulk writes nothing, and its
    // caller fails the request, which rolls the enclosing transaction back.
    return this.#write(async (trx) => {
      await this.#dialect.lockRecords(trx, lockOrder(operations));
      return writeBulk(trx, operations, options, this.#dialect.reserveSequence);
    });
  }

  async transaction<T>(work: (store: AuditStore) => Promise<T>): Promise<T> {
    if (this.#inTransaction) return work(this);
    return this.#dialect.transaction(this.#db, (trx) =>
      work(new SqlStore(trx, this.#dialect, true)),
    );
  }

  async history(
    id: string,
    afterVersion: number,
    limit: number,
  ): Promise<Version[]> {
    const rows = await this.#db
      .selectFrom(versionsTable)
      .selectAll()
      .where("recordId", "=", id)
      .where("version", ">", afterVersion)
      .orderBy("version")
      .limit(limit)
      .execute();
    return rows.map((row) => ({ ...row, seq: Number(row.seq) }) as Version);
  }

  isChangePosition(text: string): boolean {
    return this.#dialect.positionPattern.test(text);
  }

  changePosition(): Promise<ChangePosition> {
    return this.#dialect.currentPosition(this.#db);
  }

  async delta(request: DeltaRequest): Promise<DeltaPage> {
    const upTo =
      request.upTo ?? (await this.#dialect.currentPosition(this.#db));
    if (request.since === undefined) {
      let select = this.#db.selectFrom(recordsTable).selectAll();
      if (request.afterId !== undefined)
        select = select.where("id", ">", request.afterId);
      const rows = await select.orderBy("id").limit(request.limit).execute();
      return {
        upTo,
        items: rows.map((row) => ({ kind: "record", ...storedFromRow(row) })),
      };
    }

    const ids = await this.#dialect.changedIds(
      this.#db,
      request.since,
      upTo,
      request.afterId,
      request.limit,
    );
    const rows =
      ids.length === 0
        ? []
        : await this.#db
            .selectFrom(recordsTable)
            .selectAll()
            .where("id", "in", ids)
            .execute();
    const byId = new Map(rows.map((row) => [row.id, row]));
    const items = ids.map((id): DeltaItem => {
      const row = byId.get(id);
      return row === undefined
        ? { kind: "removed", id }
        : { kind: "record", ...storedFromRow(row) };
    });
    return { upTo, items };
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.#db);
  }

  async close(): Promise<void> {
    await this.#db.destroy();
    await this.#dialect.close();
  }

  #write<T>(work: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
    if (this.#inTransaction) return work(this.#db);
    return this.#dialect.transaction(this.#db, work);
  }
}

/** The distinct ids a bulk request names, sorted for a stable lock order. */
function lockOrder(operations: readonly BulkOperation[]): string[] {
  const ids = new Set<string>();
  for (const operation of operations) {
    if (operation.id !== undefined) ids.add(operation.id);
  }
  return [...ids].sort();
}

/** The ETag of a row for precondition checks; undefined when absent. */
function currentTag(row: RecordRow | undefined) {
  return row === undefined
    ? undefined
    : { etag: etagOf(Number(row.changeSeq)) };
}

/** Compiles the query that reads one record row; its one parameter is the id. */
export function compileGetById(db: Kysely<Database>) {
  return db.selectFrom(recordsTable).selectAll().where("id", "=", "").compile();
}

function storedFromRow(row: RecordRow): StoredRecord {
  return { record: recordFromRow(row), etag: etagOf(Number(row.changeSeq)) };
}

function currentRow(trx: Kysely<Database>, id: string) {
  return trx
    .selectFrom(recordsTable)
    .selectAll()
    .where("id", "=", id)
    .executeTakeFirst();
}

async function insertRecord(
  trx: Kysely<Database>,
  record: AuditRecord,
  context: WriteContext,
): Promise<StoredRecord> {
  const seq = await appendVersion(trx, record.id, "created", record, context);
  await trx
    .insertInto(recordsTable)
    .values(rowFromRecord(record, seq))
    .execute();
  return { record, etag: etagOf(seq) };
}

async function updateRecord(
  trx: Kysely<Database>,
  row: RecordRow,
  changes: RecordChanges,
  context: WriteContext,
): Promise<StoredRecord> {
  const updated = mergeChanges(recordFromRow(row), changes);
  const seq = await appendVersion(trx, row.id, "updated", updated, context);
  await trx
    .updateTable(recordsTable)
    .set(rowFromRecord(updated, seq))
    .where("id", "=", row.id)
    .execute();
  return { record: updated, etag: etagOf(seq) };
}

async function deleteRecord(
  trx: Kysely<Database>,
  id: string,
  context: WriteContext,
) {
  await appendVersion(trx, id, "deleted", null, context);
  await trx.deleteFrom(recordsTable).where("id", "=", id).execute();
}

/** Appends the record's next version and returns its sequence number. */
async function appendVersion(
  trx: Kysely<Database>,
  recordId: string,
  changeKind: ChangeKind,
  record: AuditRecord | null,
  context: WriteContext,
): Promise<number> {
  const last = await trx
    .selectFrom(versionsTable)
    .select(["version", "hash"])
    .where("recordId", "=", recordId)
    .orderBy("version", "desc")
    .limit(1)
    .executeTakeFirst();
  const version = buildVersion(
    {
      recordId,
      changeKind,
      record,
      actor: context.actor,
      changedAt: canonicalFromDate(new Date()),
    },
    last,
  );
  const inserted = await trx
    .insertInto(versionsTable)
    .values(version)
    .returning("seq")
    .executeTakeFirstOrThrow();
  return Number(inserted.seq);
}
