/**
 * Recomputes every version chain and checks it against the records table.
 * Versions are read in keyset batches ordered by (recordId, version), so
 * memory stays constant however large the history is.
 */
import { sql, type Kysely } from "kysely";

import {
  ChainChecker,
  etagOf,
  snapshotText,
  type ChainBreak,
  type Version,
} from "./history.ts";
import {
  recordFromRow,
  recordsTable,
  versionsTable,
  type Database,
} from "./table.ts";

const batchSize = 1000;

export interface VerifyResult {
  readonly versions: number;
  readonly records: number;
  /** The first break found, or undefined when every chain is intact. */
  readonly broken?: ChainBreak;
}

/** Checks all chains; calls `progress` with the count of versions read. */
export async function verifyHistory(
  db: Kysely<Database>,
  progress: (versions: number) => void = () => {},
): Promise<VerifyResult> {
  const checker = new ChainChecker();
  let versions = 0;
  let records = 0;
  let after: { recordId: string; version: number } | undefined;
  let latest: Version | undefined;

  for (;;) {
    let select = db.selectFrom(versionsTable).selectAll();
    if (after !== undefined) {
      const { recordId, version } = after;
      select = select.where(
        sql<boolean>`("recordId" > ${recordId} or ("recordId" = ${recordId} and "version" > ${version}))`,
      );
    }
    const rows = (await select
      .orderBy("recordId")
      .orderBy("version")
      .limit(batchSize)
      .execute()) as Version[];
    for (const raw of rows) {
      const version = { ...raw, seq: Number(raw.seq) };
      if (latest !== undefined && latest.recordId !== version.recordId) {
        records++;
        const broken = await checkCurrentRow(db, latest);
        if (broken !== undefined) return { versions, records, broken };
      }
      const broken = checker.check(version);
      if (broken !== undefined) return { versions, records, broken };
      latest = version;
      versions++;
    }
    progress(versions);
    const last = rows[rows.length - 1];
    if (last === undefined) break;
    after = { recordId: last.recordId, version: last.version };
  }

  if (latest !== undefined) {
    records++;
    const broken = await checkCurrentRow(db, latest);
    if (broken !== undefined) return { versions, records, broken };
  }
  const orphan = await recordWithoutHistory(db);
  if (orphan !== undefined) {
    return {
      versions,
      records,
      broken: {
        recordId: orphan,
        version: 0,
        reason: "the record has no version history",
      },
    };
  }
  return { versions, records };
}

/**
 * Checks that the stored record equals its latest version: same content and
 * ETag, or no row when the latest version is a deletion.
 */
async function checkCurrentRow(
  db: Kysely<Database>,
  latest: Version,
): Promise<ChainBreak | undefined> {
  const row = await db
    .selectFrom(recordsTable)
    .selectAll()
    .where("id", "=", latest.recordId)
    .executeTakeFirst();
  const at = { recordId: latest.recordId, version: latest.version };
  if (latest.changeKind === "deleted") {
    if (row === undefined) return undefined;
    return {
      ...at,
      reason: "the record exists although its latest version deleted it",
    };
  }
  if (row === undefined) {
    return {
      ...at,
      reason:
        "the record is missing although its latest version is not a deletion",
    };
  }
  if (etagOf(Number(row.changeSeq)) !== etagOf(latest.seq)) {
    return {
      ...at,
      reason: "the record's change sequence is not its latest version's",
    };
  }
  if (snapshotText(recordFromRow(row)) !== latest.snapshot) {
    return {
      ...at,
      reason: "the stored record differs from its latest version's snapshot",
    };
  }
  return undefined;
}

async function recordWithoutHistory(
  db: Kysely<Database>,
): Promise<string | undefined> {
  const row = await db
    .selectFrom(recordsTable)
    .select("id")
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom(versionsTable)
            .select("seq")
            .whereRef(`${versionsTable}.recordId`, "=", `${recordsTable}.id`),
        ),
      ),
    )
    .limit(1)
    .executeTakeFirst();
  return row?.id;
}
