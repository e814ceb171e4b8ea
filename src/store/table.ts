/**
 * The records table as the stores see it: its name, the row shape and the
 * conversion between rows and records. Columns have the property names.
 */
import {
  properties,
  type AuditRecord,
  type KeyValuePair,
} from "../model/entity.ts";

export const recordsTable = "remote_action_audits";

/**
 * A row as the driver returns it. `deviceActionDetails` is JSON text on
 * SQLite and an already parsed array on PostgreSQL (jsonb).
 */
export type RecordRow = Omit<AuditRecord, "deviceActionDetails"> & {
  deviceActionDetails: string | readonly KeyValuePair[];
};

export interface Database {
  [recordsTable]: RecordRow;
}

/** Builds a record from a row, reading JSON text when the driver gives it. */
export function recordFromRow(row: RecordRow): AuditRecord {
  const record: Record<string, unknown> = {};
  for (const property of properties) {
    record[property.name] = row[property.name as keyof RecordRow];
  }
  const details = row.deviceActionDetails;
  if (typeof details === "string") {
    record.deviceActionDetails = JSON.parse(details) as KeyValuePair[];
  }
  return record as unknown as AuditRecord;
}

/** Builds the row written for a record, with the details as JSON text. */
export function rowFromRecord(record: AuditRecord): RecordRow {
  return {
    ...record,
    deviceActionDetails: JSON.stringify(record.deviceActionDetails),
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
