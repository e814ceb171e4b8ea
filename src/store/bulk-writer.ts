/**
 * Bulk updates in a few statements per thousand items instead of several
 * per item. The current rows and latest versions of every named record are
 * read in batches, the items are applied in memory in request order (each
 * appending its version to the record's hash chain), and then the versions
 * are inserted and the final rows upserted or deleted in multi-row
 * statements. The caller runs this inside one transaction that holds the
 * records' locks, so no other writer can change them in between.
 */
import { sql, type Kysely } from "kysely";

import { ApiError, apiErrors } from "../errors.ts";
import { canonicalFromDate } from "../model/datetime.ts";
import { properties, type AuditRecord } from "../model/entity.ts";
import { generateId } from "../model/ids.ts";
import { mergeChanges, withDefaults } from "../model/serialize.ts";
import { buildVersion, etagOf, type ChangeKind } from "./history.ts";
import { checkPrecondition } from "./preconditions.ts";
import type { BulkOperation, BulkOutcome, WriteContext } from "./store.ts";
import {
  recordFromRow,
  recordsTable,
  rowFromRecord,
  versionsTable,
  type Database,
  type RecordRow,
  type VersionRow,
} from "./table.ts";

/** Rows per multi-row statement; 14 columns stay under every bind limit. */
const chunkSize = 1000;

/** What the bulk knows of one record while it applies items. */
interface RecordState {
  /** The stored row before this bulk, if any. */
  readonly original: RecordRow | undefined;
  record: AuditRecord | undefined;
  /** The ETag, or undefined once an earlier item of this bulk changed it. */
  etag: string | undefined;
  lastVersion: number;
  lastHash: string | null;
}

type VersionFields = Omit<VersionRow, "seq">;

/** Reserves ascending sequence numbers for new version rows. */
export type ReserveSequence = (
  trx: Kysely<Database>,
  count: number,
) => Promise<number[]>;

/**
 * Applies operations in order. In atomic mode nothing is written when an
 * item fails, and the outcomes end at that item.
 */
export async function writeBulk(
  trx: Kysely<Database>,
  operations: readonly BulkOperation[],
  options: { readonly continueOnError: boolean } & WriteContext,
  reserve: ReserveSequence,
): Promise<BulkOutcome[]> {
  const states = await loadStates(trx, operations);
  const versions: VersionFields[] = [];
  /** Per outcome, the index of its version in `versions`. */
  const versionIndex: number[] = [];
  const outcomes: BulkOutcome[] = [];
  const changedAt = canonicalFromDate(new Date());

  for (const operation of operations) {
    const id = operation.id ?? generateId(options.receivedAt.getTime());
    const state = states.get(id) ?? newState();
    states.set(id, state);
    const outcome = applyInMemory(id, state, operation, options);
    if (outcome.kind === "failed") {
      outcomes.push(outcome);
      versionIndex.push(-1);
      if (!options.continueOnError) return outcomes;
      continue;
    }
    versions.push(nextVersion(id, state, outcome.kind, options, changedAt));
    versionIndex.push(versions.length - 1);
    outcomes.push(outcome);
  }

  const seqs = await reserve(trx, versions.length);
  await insertVersions(trx, versions, seqs);
  await writeFinalRows(trx, states, versions, seqs);
  return outcomes.map((outcome, index) => {
    if (outcome.kind !== "created" && outcome.kind !== "updated")
      return outcome;
    const etag = etagOf(seqs[versionIndex[index] as number] as number);
    return {
      kind: outcome.kind,
      stored: { record: outcome.stored.record, etag },
    };
  });
}

function newState(): RecordState {
  return {
    original: undefined,
    record: undefined,
    etag: undefined,
    lastVersion: 0,
    lastHash: null,
  };
}

/** Applies one operation to the in-memory state of its record. */
function applyInMemory(
  id: string,
  state: RecordState,
  operation: BulkOperation,
  context: WriteContext,
): BulkOutcome {
  try {
    const current =
      state.record === undefined ? undefined : { etag: state.etag };
    checkPrecondition(id, current, operation.ifMatch);
  } catch (error) {
    if (error instanceof ApiError) return { kind: "failed", error };
    throw error;
  }
  if (operation.kind === "delete") {
    if (state.record === undefined) {
      return { kind: "failed", error: apiErrors.recordNotFound(id) };
    }
    state.record = undefined;
    return { kind: "deleted", id };
  }
  const created = state.record === undefined;
  state.record = created
    ? withDefaults(operation.changes, id, context.receivedAt)
    : mergeChanges(state.record as AuditRecord, operation.changes);
  // The ETag is set after the write; no client can know it earlier.
  return {
    kind: created ? "created" : "updated",
    stored: { record: state.record, etag: "" },
  };
}

function nextVersion(
  id: string,
  state: RecordState,
  kind: ChangeKind,
  context: WriteContext,
  changedAt: string,
): VersionFields {
  const last =
    state.lastHash === null
      ? undefined
      : { version: state.lastVersion, hash: state.lastHash };
  const version = buildVersion(
    {
      recordId: id,
      changeKind: kind,
      record: state.record ?? null,
      actor: context.actor,
      changedAt,
    },
    last,
  );
  state.lastVersion = version.version;
  state.lastHash = version.hash;
  state.etag = undefined;
  return version;
}

/** Reads the current rows and latest versions of the named records. */
async function loadStates(
  trx: Kysely<Database>,
  operations: readonly BulkOperation[],
): Promise<Map<string, RecordState>> {
  const ids = [
    ...new Set(
      operations.flatMap((op) => (op.id === undefined ? [] : [op.id])),
    ),
  ];
  const states = new Map<string, RecordState>();
  for (const chunk of chunks(ids)) {
    const rows = await trx
      .selectFrom(recordsTable)
      .selectAll()
      .where("id", "in", chunk)
      .execute();
    const seqs = rows.map((row) => Number(row.changeSeq));
    const latest =
      seqs.length === 0
        ? []
        : await trx
            .selectFrom(versionsTable)
            .select(["seq", "version", "hash"])
            .where("seq", "in", seqs)
            .execute();
    const bySeq = new Map(
      latest.map((version) => [Number(version.seq), version]),
    );
    for (const row of rows as RecordRow[]) {
      const version = bySeq.get(Number(row.changeSeq));
      states.set(row.id, {
        original: row,
        record: recordFromRow(row),
        etag: etagOf(Number(row.changeSeq)),
        lastVersion: version?.version ?? 0,
        lastHash: version?.hash ?? null,
      });
    }
    const absent = chunk.filter((id) => !states.has(id));
    if (absent.length > 0) await loadDeletedChains(trx, absent, states);
  }
  return states;
}

/** Finds the chains of records that were deleted, so a re-create continues them. */
async function loadDeletedChains(
  trx: Kysely<Database>,
  ids: readonly string[],
  states: Map<string, RecordState>,
): Promise<void> {
  const result = await sql<{ recordId: string; version: number; hash: string }>`
    select v."recordId", v."version", v."hash"
    from ${sql.table(versionsTable)} v
    join (
      select "recordId", max("version") as "version"
      from ${sql.table(versionsTable)}
      where "recordId" in (${sql.join(ids)})
      group by "recordId"
    ) m on m."recordId" = v."recordId" and m."version" = v."version"`.execute(
    trx,
  );
  for (const row of result.rows) {
    states.set(row.recordId, {
      original: undefined,
      record: undefined,
      etag: undefined,
      lastVersion: Number(row.version),
      lastHash: row.hash,
    });
  }
}

async function insertVersions(
  trx: Kysely<Database>,
  versions: readonly VersionFields[],
  seqs: readonly number[],
): Promise<void> {
  const rows = versions.map((version, index) => ({
    ...version,
    seq: seqs[index] as number,
  }));
  for (const chunk of chunks(rows)) {
    await trx.insertInto(versionsTable).values(chunk).execute();
  }
}

/**
 * Writes the final row of every changed record: deletes for removed ones,
 * and upserts that set only the columns that changed, grouped by column
 * set, so that indexes of unchanged columns are not rewritten.
 */
async function writeFinalRows(
  trx: Kysely<Database>,
  states: ReadonlyMap<string, RecordState>,
  versions: readonly VersionFields[],
  seqs: readonly number[],
): Promise<void> {
  const lastSeq = new Map<string, number>();
  versions.forEach((version, index) =>
    lastSeq.set(version.recordId, seqs[index] as number),
  );

  const deletes: string[] = [];
  const groups = new Map<string, { columns: string[]; rows: RecordRow[] }>();
  for (const [id, seq] of lastSeq) {
    const state = states.get(id) as RecordState;
    if (state.record === undefined) {
      deletes.push(id);
      continue;
    }
    const row = rowFromRecord(state.record, seq);
    const columns = changedColumns(state.original, row);
    const key = columns.join(",");
    const group = groups.get(key) ?? { columns, rows: [] };
    group.rows.push(row);
    groups.set(key, group);
  }

  for (const chunk of chunks(deletes)) {
    await trx.deleteFrom(recordsTable).where("id", "in", chunk).execute();
  }
  for (const { columns, rows } of groups.values()) {
    for (const chunk of chunks(rows)) await upsert(trx, chunk, columns);
  }
}

const columnNames = properties
  .map((property) => property.name)
  .filter((name) => name !== "id");

/** Columns whose stored value differs; every column for a new record. */
function changedColumns(
  original: RecordRow | undefined,
  row: RecordRow,
): string[] {
  if (original === undefined) return columnNames;
  const originalRow = rowFromRecord(recordFromRow(original), 0);
  return columnNames.filter(
    (name) =>
      originalRow[name as keyof RecordRow] !== row[name as keyof RecordRow],
  );
}

async function upsert(
  trx: Kysely<Database>,
  rows: readonly RecordRow[],
  columns: readonly string[],
): Promise<void> {
  await trx
    .insertInto(recordsTable)
    .values(rows)
    .onConflict((conflict) =>
      conflict.column("id").doUpdateSet((eb) => {
        const set: Record<string, unknown> = {
          changeSeq: eb.ref("excluded.changeSeq"),
        };
        for (const name of columns) {
          set[name] = eb.ref(`excluded.${name}` as "excluded.changeSeq");
        }
        return set;
      }),
    )
    .execute();
}

function chunks<T>(items: readonly T[]): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += chunkSize) {
    result.push(items.slice(start, start + chunkSize));
  }
  return result;
}
