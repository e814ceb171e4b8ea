/**
 * Conversion between stored records and Graph JSON, and the create defaults.
 */
import { canonicalFromDate, formatDateTimeOffset } from "./datetime.ts";
import {
  properties,
  qualifiedTypeName,
  type AuditRecord,
  type Property,
} from "./entity.ts";
import { memberByName, outputName, type EnumType } from "./enums.ts";
import type { RecordChanges } from "./validate.ts";

export interface OutputOptions {
  /** Properties to send; undefined sends all of them. */
  readonly select?: readonly string[];
  /** `Prefer: include-unknown-enum-members` was sent. */
  readonly includeUnknownEnumMembers: boolean;
  /** The record's ETag, sent as `@odata.etag` when given. */
  readonly etag?: string;
}

/**
 * Builds the Graph JSON of a record, properties in CSDL order. The key is
 * always sent, also under `$select`, because clients page and update by it.
 */
export function toGraphJson(
  record: AuditRecord,
  options: OutputOptions,
): Record<string, unknown> {
  const json: Record<string, unknown> = {
    "@odata.type": `#${qualifiedTypeName}`,
  };
  if (options.etag !== undefined) json["@odata.etag"] = options.etag;
  const selected = options.select;
  for (const { name, write } of outputWriters) {
    if (selected === undefined || name === "id" || selected.includes(name)) {
      json[name] = write(record, options.includeUnknownEnumMembers);
    }
  }
  return json;
}

type OutputWriter = (
  record: AuditRecord,
  includeUnknownEnumMembers: boolean,
) => unknown;

/**
 * One writer per property in CSDL order, chosen once from its kind: list
 * pages call them for every record.
 */
const outputWriters = properties.map((property) => ({
  name: property.name,
  write: outputWriter(property),
}));

function outputWriter(property: Property): OutputWriter {
  const name = property.name as keyof AuditRecord;
  switch (property.kind) {
    case "enum": {
      const type = property.enumType as EnumType;
      return (record, includeUnknown) =>
        outputName(type, record[name] as number, includeUnknown);
    }
    case "dateTimeOffset":
      return (record) => {
        const value = record[name] as string | null;
        return value === null ? null : formatDateTimeOffset(value);
      };
    case "keyValueCollection":
      return (record) =>
        (record[name] as AuditRecord["deviceActionDetails"]).map((pair) => ({
          key: pair.key,
          value: pair.value,
        }));
    case "string":
      return (record) => record[name];
  }
}

/** Fills the create defaults for every property the body left out. */
export function withDefaults(
  changes: RecordChanges,
  id: string,
  receivedAt: Date,
): AuditRecord {
  const record: Record<string, unknown> = { id };
  for (const property of properties) {
    if (property.name === "id") continue;
    const given = changes[property.name as keyof RecordChanges];
    record[property.name] =
      given !== undefined ? given : defaultValue(property, receivedAt);
  }
  return record as unknown as AuditRecord;
}

function defaultValue(property: Property, receivedAt: Date): unknown {
  const fallback = property.defaultValue;
  switch (fallback.kind) {
    case "null":
      return null;
    case "emptyCollection":
      return [];
    case "requestTime":
      return canonicalFromDate(receivedAt);
    case "member":
      return memberByName(property.enumType as EnumType, fallback.name)?.value;
  }
}

/** Applies merge-semantics changes to a stored record. The id never changes. */
export function mergeChanges(
  record: AuditRecord,
  changes: RecordChanges,
): AuditRecord {
  return { ...record, ...changes, id: record.id };
}
