/**
 * Schema creation and migration for the PostgreSQL store. Several service
 * instances may start at once, so migrations run under a session advisory
 * lock and each one in its own transaction; `raa_schema_version` records
 * how far the database has come.
 */
import type { PoolClient } from "pg";

import { properties, type Property } from "../../model/entity.ts";
import {
  indexedProperties,
  recordsTable,
  stateByTimeIndex,
  versionsTable,
} from "../table.ts";

/** Key of the advisory lock that serializes migrations across instances. */
const migrationLockKey = 727_401_311;

const columnTypes: Record<Property["kind"], string> = {
  string: "text",
  enum: "integer",
  // NOTE: timestamptz keeps only microseconds, and Graph sends 7 fraction
  // digits, so the instant is stored as fixed-width UTC text instead.
  dateTimeOffset: "text",
  keyValueCollection: "jsonb",
};

function columnDefinition(property: Property): string {
  const name = `"${property.name}"`;
  if (property.name === "id") return `${name} text NOT NULL PRIMARY KEY`;
  const nullability = property.nullable ? "" : " NOT NULL";
  // Byte order ("C") makes text comparison case-sensitive like OData's.
  const collation = columnTypes[property.kind] === "text" ? ' COLLATE "C"' : "";
  return `${name} ${columnTypes[property.kind]}${collation}${nullability}`;
}

const migrations: readonly string[] = [
  // 1: records, their versions and the indexes clients filter and sort on.
  [
    `CREATE TABLE ${recordsTable} (
      ${properties.map(columnDefinition).join(",\n      ")},
      "changeSeq" bigint NOT NULL
    )`,
    ...indexedProperties.map(
      (name) =>
        `CREATE INDEX ${recordsTable}_${name} ON ${recordsTable} ("${name}", "id")`,
    ),
    `CREATE TABLE ${versionsTable} (
      "seq" bigserial PRIMARY KEY,
      "recordId" text COLLATE "C" NOT NULL,
      "version" integer NOT NULL,
      "changeKind" text NOT NULL,
      "snapshot" text,
      "actorSubject" text,
      "actorAppId" text,
      "actorUserPrincipalName" text,
      "requestId" text,
      "changedAt" text NOT NULL,
      "previousHash" text,
      "hash" text NOT NULL,
      "txid" xid8 NOT NULL DEFAULT pg_current_xact_id(),
      UNIQUE ("recordId", "version")
    )`,
    `CREATE INDEX ${versionsTable}_txid ON ${versionsTable} ("txid")`,
  ].join(";\n"),
  // 2: the index of the most common list, a state's newest records.
  stateByTimeIndex,
];

export const latestSchemaVersion = migrations.length;

/**
 * Brings the schema to the latest version. A database written by newer
 * code is rejected rather than used with the wrong schema.
 */
export async function migratePostgres(client: PoolClient): Promise<void> {
  await client.query("SELECT pg_advisory_lock($1)", [migrationLockKey]);
  try {
    await client.query(
      "CREATE TABLE IF NOT EXISTS raa_schema_version (version integer NOT NULL)",
    );
    const result = await client.query<{ version: number }>(
      "SELECT max(version) AS version FROM raa_schema_version",
    );
    const current = result.rows[0]?.version ?? 0;
    if (current > latestSchemaVersion) {
      throw new Error(
        `the database schema is version ${current}, newer than the version ` +
          `${latestSchemaVersion} this release understands; upgrade ` +
          `remote-action-audits or use another database`,
      );
    }
    for (let version = current; version < latestSchemaVersion; version++) {
      await client.query("BEGIN");
      try {
        await client.query(migrations[version] as string);
        await client.query("INSERT INTO raa_schema_version VALUES ($1)", [
          version + 1,
        ]);
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK");
        throw error;
      }
    }
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [migrationLockKey]);
  }
}
