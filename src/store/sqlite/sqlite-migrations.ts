/**
 * Schema creation and migration for the SQLite store. Each migration runs
 * once, in order, inside a transaction; `user_version` records how far the
 * file has come.
 */
import type Sqlite from "better-sqlite3";

import { properties, type Property } from "../../model/entity.ts";
import { canonicalFromDate } from "../../model/datetime.ts";
import { buildVersion } from "../history.ts";
import {
  indexedProperties,
  stateByTimeIndex,
  recordFromRow,
  recordsTable,
  versionsTable,
  type RecordRow,
} from "../table.ts";

const columnTypes: Record<Property["kind"], string> = {
  string: "TEXT",
  enum: "INTEGER",
  dateTimeOffset: "TEXT",
  keyValueCollection: "TEXT",
};

function columnDefinition(property: Property): string {
  const name = `"${property.name}"`;
  if (property.name === "id") return `${name} TEXT NOT NULL PRIMARY KEY`;
  const nullability = property.nullable ? "" : " NOT NULL";
  return `${name} ${columnTypes[property.kind]}${nullability}`;
}

const migrations: readonly ((connection: Sqlite.Database) => void)[] = [
  // 1: the records table and its indexes.
  (connection) => {
    const columns = properties.map(columnDefinition).join(",\n  ");
    connection.exec(`CREATE TABLE ${recordsTable} (\n  ${columns}\n)`);
    for (const name of indexedProperties) {
      // The id makes the index cover the keyset tie-breaker of every page.
      connection.exec(
        `CREATE INDEX ${recordsTable}_${name} ` +
          `ON ${recordsTable} ("${name}", "id")`,
      );
    }
  },
  // 2: the version history, and each record's latest change sequence.
  (connection) => {
    connection.exec(`
      CREATE TABLE ${versionsTable} (
        "seq" INTEGER PRIMARY KEY AUTOINCREMENT,
        "recordId" TEXT NOT NULL,
        "version" INTEGER NOT NULL,
        "changeKind" TEXT NOT NULL,
        "snapshot" TEXT,
        "actorSubject" TEXT,
        "actorAppId" TEXT,
        "actorUserPrincipalName" TEXT,
        "requestId" TEXT,
        "changedAt" TEXT NOT NULL,
        "previousHash" TEXT,
        "hash" TEXT NOT NULL,
        UNIQUE ("recordId", "version")
      )`);
    connection.exec(
      `ALTER TABLE ${recordsTable} ADD COLUMN "changeSeq" INTEGER NOT NULL DEFAULT 0`,
    );
    backfillVersions(connection);
  },
  // 3: the index of the most common list, a state's newest records.
  (connection) => {
    connection.exec(stateByTimeIndex);
  },
];

/** Gives records stored before the history existed a first version. */
function backfillVersions(connection: Sqlite.Database): void {
  const rows = connection.prepare(`SELECT * FROM ${recordsTable}`).all();
  const insert = connection.prepare(
    `INSERT INTO ${versionsTable} ("recordId", "version", "changeKind",
      "snapshot", "changedAt", "hash") VALUES (?, 1, 'created', ?, ?, ?)`,
  );
  const setSeq = connection.prepare(
    `UPDATE ${recordsTable} SET "changeSeq" = ? WHERE "id" = ?`,
  );
  const changedAt = canonicalFromDate(new Date());
  for (const row of rows as RecordRow[]) {
    const version = buildVersion(
      {
        recordId: row.id,
        changeKind: "created",
        record: recordFromRow(row),
        actor: {},
        changedAt,
      },
      undefined,
    );
    const result = insert.run(
      row.id,
      version.snapshot,
      changedAt,
      version.hash,
    );
    setSeq.run(result.lastInsertRowid, row.id);
  }
}

/** The schema version this code writes. */
export const latestSchemaVersion = migrations.length;

/**
 * Brings the file's schema to the latest version. A file written by newer
 * code is rejected rather than read with the wrong schema.
 */
export function migrateSqlite(connection: Sqlite.Database): void {
  const current = connection.pragma("user_version", { simple: true }) as number;
  if (current > latestSchemaVersion) {
    throw new Error(
      `the database schema is version ${current}, newer than the version ` +
        `${latestSchemaVersion} this release understands; upgrade ` +
        `remote-action-audits or open another database file`,
    );
  }
  for (let version = current; version < latestSchemaVersion; version++) {
    const migrate = migrations[version] as (c: Sqlite.Database) => void;
    connection.transaction(() => {
      migrate(connection);
      connection.pragma(`user_version = ${version + 1}`);
    })();
  }
}
