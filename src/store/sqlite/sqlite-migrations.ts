/**
 * Schema creation and migration for the SQLite store. Each migration runs
 * once, in order, inside a transaction; `user_version` records how far the
 * file has come.
 */
import type Sqlite from "better-sqlite3";

import { properties, type Property } from "../../model/entity.ts";
import { indexedProperties, recordsTable } from "../table.ts";

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
];

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
