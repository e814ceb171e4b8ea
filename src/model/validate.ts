/**
 * Validation of request bodies against the entity type. Every problem
 * becomes a 400 that names the property, the value and the accepted form.
 */
import { ApiError, apiErrors, quote } from "../errors.ts";
import { dateTimeOffsetForm, parseDateTimeOffset } from "./datetime.ts";
import {
  entityTypeName,
  findProperty,
  findPropertyIgnoringCase,
  keyValuePairTypeName,
  namespace,
  qualifiedTypeName,
  type AuditRecord,
  type KeyValuePair,
  type Property,
} from "./entity.ts";
import { memberByName, type EnumType } from "./enums.ts";

/** The properties a request body sets, already in stored form. */
export type RecordChanges = {
  -readonly [K in keyof AuditRecord]?: AuditRecord[K];
};

const maxIdLength = 128;

/** Tells whether a JSON value is a plain object (not an array or null). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Reads an entity body into the changes it makes. Instance annotations
 * (keys that contain `@`) are not properties: `@odata.type` must name this
 * type and the others are left to the caller.
 */
export function readEntityBody(body: unknown, where = ""): RecordChanges {
  if (!isJsonObject(body)) {
    throw apiErrors.bodyRead(
      `${where}The request body must be a JSON object with the properties ` +
        `of ${quote(qualifiedTypeName)}, not ${describeJson(body)}.`,
    );
  }

  const changes: RecordChanges = {};
  const problems: string[] = [];
  for (const [name, value] of Object.entries(body)) {
    try {
      if (name === "@odata.type") {
        checkTypeAnnotation(value, entityTypeName);
      } else if (!name.includes("@")) {
        const property = findProperty(name);
        if (property === undefined) throw unknownProperty(name);
        Object.assign(changes, { [name]: readValue(property, value) });
      }
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      problems.push(error.message);
    }
  }
  // Every invalid value is named at once, so one round trip fixes them all.
  if (problems.length > 0) throw apiErrors.bodyRead(where + problems.join(" "));
  return changes;
}

/**
 * Checks a client-supplied key: a non-empty string of at most 128
 * characters without control characters.
 */
export function checkClientId(id: unknown, where = ""): string {
  if (typeof id !== "string") {
    throw apiErrors.bodyRead(
      `${where}The property 'id' must be a string, not ${describeJson(id)}.`,
    );
  }
  if (id.length === 0 || id.length > maxIdLength) {
    throw apiErrors.bodyRead(
      `${where}The id ${quote(id)} must have 1 to ${maxIdLength} characters.`,
    );
  }
  checkText("id", id, where);
  if (/[\u0000-\u001f\u007f-\u009f]/.test(id)) {
    throw apiErrors.bodyRead(
      `${where}The id ${quote(id)} contains a control character. ` +
        `Use printable characters only.`,
    );
  }
  return id;
}

const unpairedSurrogate =
  /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Rejects text that cannot be stored faithfully: an unpaired UTF-16
 * surrogate becomes U+FFFD in UTF-8 storage, and PostgreSQL text cannot
 * hold U+0000.
 */
export function checkText(name: string, value: string, where = ""): string {
  if (unpairedSurrogate.test(value)) {
    throw apiErrors.bodyRead(
      `${where}The value of '${name}' contains an unpaired UTF-16 surrogate ` +
        `(such as \\ud83d without its pair). Send valid Unicode text.`,
    );
  }
  if (value.includes("\u0000")) {
    throw apiErrors.bodyRead(
      `${where}The value of '${name}' contains the character U+0000, which ` +
        `cannot be stored. Remove it.`,
    );
  }
  return value;
}

/** Accepts `@odata.type` values that name the given type of this namespace. */
export function checkTypeAnnotation(
  value: unknown,
  typeName: string,
  where = "",
): void {
  const accepted = [
    typeName,
    `#${typeName}`,
    `${namespace}.${typeName}`,
    `#${namespace}.${typeName}`,
  ];
  if (typeof value === "string" && accepted.includes(value)) return;
  throw apiErrors.bodyRead(
    `${where}The @odata.type ${quote(value)} does not name ` +
      `'${namespace}.${typeName}'. Send '#${namespace}.${typeName}' ` +
      `or omit the annotation.`,
  );
}

function readValue(property: Property, value: unknown, where = "") {
  if (value === null) {
    if (property.nullable) return null;
    throw apiErrors.bodyRead(
      `${where}The property '${property.name}' cannot be null. ` +
        `Send ${expectedForm(property)} or omit the property.`,
    );
  }
  switch (property.kind) {
    case "string":
      if (property.name === "id") return checkClientId(value, where);
      if (typeof value === "string")
        return checkText(property.name, value, where);
      throw wrongValue(property, value, where);
    case "enum":
      return readEnum(property, value, where);
    case "dateTimeOffset": {
      const canonical =
        typeof value === "string" ? parseDateTimeOffset(value) : undefined;
      if (canonical !== undefined) return canonical;
      throw wrongValue(property, value, where);
    }
    case "keyValueCollection":
      return readKeyValuePairs(property, value, where);
  }
}

function readEnum(property: Property, value: unknown, where: string): number {
  const enumType = property.enumType as EnumType;
  if (typeof value === "string") {
    const member = memberByName(enumType, value);
    if (member !== undefined) return member.value;
    const lower = value.toLowerCase();
    const near = enumType.members.find((m) => m.name.toLowerCase() === lower);
    if (near !== undefined) {
      throw apiErrors.bodyRead(
        `${where}The property '${property.name}' has the value ` +
          `${quote(value)}, but member names are case-sensitive. ` +
          `Did you mean '${near.name}'?`,
      );
    }
  }
  throw wrongValue(property, value, where);
}

function readKeyValuePairs(
  property: Property,
  value: unknown,
  where: string,
): KeyValuePair[] {
  if (!Array.isArray(value)) throw wrongValue(property, value, where);
  return value.map((item: unknown, index) => {
    const at = `${where}In '${property.name}' item ${index}: `;
    if (!isJsonObject(item)) throw wrongValue(property, value, where);
    const pair = { key: null as string | null, value: null as string | null };
    for (const [name, field] of Object.entries(item)) {
      if (name === "@odata.type") {
        checkTypeAnnotation(field, keyValuePairTypeName, at);
      } else if (name === "key" || name === "value") {
        if (field !== null && typeof field !== "string") {
          throw apiErrors.bodyRead(
            `${at}'${name}' must be a string or null, ` +
              `not ${describeJson(field)}.`,
          );
        }
        pair[name] =
          field === null
            ? null
            : checkText(`${property.name}/${name}`, field, at);
      } else {
        throw apiErrors.bodyRead(
          `${at}${quote(name)} is not a property of ` +
            `'${namespace}.${keyValuePairTypeName}', which has 'key' ` +
            `and 'value'.`,
        );
      }
    }
    return pair;
  });
}

function unknownProperty(name: string, where = "") {
  const near = findPropertyIgnoringCase(name);
  const hint = near === undefined ? "" : ` Did you mean '${near.name}'?`;
  return apiErrors.bodyRead(
    `${where}The property ${quote(name)} does not exist on type ` +
      `'${qualifiedTypeName}'.${hint}`,
  );
}

function wrongValue(property: Property, value: unknown, where: string) {
  return apiErrors.bodyRead(
    `${where}The property '${property.name}' has the invalid value ` +
      `${describeJson(value)}. Expected ${expectedForm(property)}.`,
  );
}

/** Describes the accepted JSON form of a property for error messages. */
function expectedForm(property: Property): string {
  switch (property.kind) {
    case "string":
      return property.name === "id"
        ? `a string of 1 to ${maxIdLength} printable characters`
        : "a string";
    case "enum": {
      const enumType = property.enumType as EnumType;
      const names = enumType.members.map((m) => m.name).join(", ");
      return `a member name of '${namespace}.${enumType.name}': ${names}`;
    }
    case "dateTimeOffset":
      return dateTimeOffsetForm;
    case "keyValueCollection":
      return (
        "an array of objects with string or null 'key' and 'value', " +
        'such as [{"key": "reason", "value": "lost"}]'
      );
  }
}

/** Names a JSON value for an error message: its text, or its kind. */
export function describeJson(value: unknown): string {
  if (value === undefined) return "no value";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  if (typeof value === "string") return quote(value);
  return String(JSON.stringify(value));
}
