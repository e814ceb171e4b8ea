/**
 * The records table as the stores see it: its name, the row shape and the
 * conversion between rows and records. Columns have the property names.
 */
import {
  properties,
  type AuditRecord,
  type KeyValuePair,
} from "../model/entity.ts";
import type { Generated } from "kysely";

import type { Version } from "./history.ts";

export const recordsTable = "remote_action_audits";
export const versionsTable = "remote_action_audit_versions";

/**
 * A row as the driver returns it. `deviceActionDetails` is JSON text on
 * SQLite and an already parsed array on PostgreSQL (jsonb).
 */
export type RecordRow = Omit<AuditRecord, "deviceActionDetails"> & {
  deviceActionDetails: string | readonly KeyValuePair[];
  /** Sequence number of the record's latest version; the ETag's value. */
  changeSeq: number;
};

/** A version row; `seq` is generated on insert. */
export type VersionRow = Omit<Version, "seq"> & { seq: Generated<number> };

export interface Database {
  [recordsTable]: RecordRow;
  [versionsTable]: VersionRow;
}

/** Builds a record from a row, reading JSON text when the driver gives it. */
export function recordFromRow(row: RecordRow): AuditRecord {
  const record: Record<string, unknown> = {};
  for (const name of plainColumns) {
    record[name] = row[name];
  }
  const details = row.deviceActionDetails;
  record.deviceActionDetails =
    typeof details === "string"
      ? (JSON.parse(details) as KeyValuePair[])
      : details;
  return record as unknown as AuditRecord;
}

/**
 * Columns copied as they are. Assigning each field once keeps the record's
 * shape stable, which list pages of many records profit from.
 */
const plainColumns = properties
  .filter((property) => property.kind !== "keyValueCollection")
  .map((property) => property.name as keyof RecordRow);

/** Builds the row written for a record, with the details as JSON text. */
export function rowFromRecord(
  record: AuditRecord,
  changeSeq: number,
): RecordRow {
  return {
    ...record,
    deviceActionDetails: JSON.stringify(record.deviceActionDetails),
    changeSeq,
  };
}

/** Properties that get an index, because clients filter and sort on them. */
export const indexedProperties = [
  "requestDateTime",
  "actionState",
  "action",
  "managedDeviceId",
  "initiatedByUserPrincipalName",
] as const;

/**
 * Serves `$filter=actionState eq …&$orderby=requestDateTime desc` from the
 * index alone, so its cost does not grow with the table.
 */
export const stateByTimeIndex =
  `CREATE INDEX ${recordsTable}_actionState_requestDateTime ` +
  `ON ${recordsTable} ("actionState", "requestDateTime", "id")`;
