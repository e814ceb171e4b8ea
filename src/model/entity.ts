/**
 * The remoteActionAudit entity type: the one list of its properties that
 * validation, JSON output, SQL columns, `$select`, `$search` and `$metadata`
 * all read. A storage column has the property's exact name.
 */
import {
  actionState,
  deviceActionCategory,
  remoteAction,
  type EnumType,
} from "./enums.ts";

export const namespace = "microsoft.graph";
export const entityTypeName = "remoteActionAudit";
export const qualifiedTypeName = `${namespace}.${entityTypeName}`;
export const keyValuePairTypeName = "keyValuePair_2OfString_String";

/** How a property's value is represented in JSON, in storage and in SQL. */
export type PropertyKind =
  "string" | "enum" | "dateTimeOffset" | "keyValueCollection";

export interface Property {
  readonly name: string;
  readonly kind: PropertyKind;
  /** EDM type name as written in CSDL. */
  readonly edmType: string;
  readonly nullable: boolean;
  readonly enumType?: EnumType;
  /** `$search` terms match this property (substring or member name). */
  readonly searchable: boolean;
  /** Value given on create when the body omits the property. */
  readonly defaultValue: DefaultValue;
}

/** A create default: a fixed value or the request's receive time. */
export type DefaultValue =
  | { readonly kind: "null" }
  | { readonly kind: "member"; readonly name: string }
  | { readonly kind: "emptyCollection" }
  | { readonly kind: "requestTime" };

const nullDefault: DefaultValue = { kind: "null" };

function stringProperty(name: string, searchable: boolean): Property {
  return {
    name,
    kind: "string",
    edmType: "Edm.String",
    nullable: true,
    searchable,
    defaultValue: nullDefault,
  };
}

function enumProperty(
  name: string,
  enumType: EnumType,
  defaultMember: string,
): Property {
  return {
    name,
    kind: "enum",
    edmType: `${namespace}.${enumType.name}`,
    nullable: false,
    enumType,
    searchable: name !== "deviceActionCategory",
    defaultValue: { kind: "member", name: defaultMember },
  };
}

/** The key. A client may choose it on create; it never changes after. */
export const idProperty: Property = {
  name: "id",
  kind: "string",
  edmType: "Edm.String",
  nullable: false,
  searchable: false,
  defaultValue: nullDefault,
};

/** Every property in CSDL order, the key first. */
export const properties: readonly Property[] = [
  idProperty,
  enumProperty("action", remoteAction, "unknown"),
  enumProperty("actionState", actionState, "none"),
  {
    name: "requestDateTime",
    kind: "dateTimeOffset",
    edmType: "Edm.DateTimeOffset",
    nullable: false,
    searchable: false,
    defaultValue: { kind: "requestTime" },
  },
  stringProperty("deviceDisplayName", true),
  stringProperty("deviceIMEI", true),
  stringProperty("deviceOwnerUserPrincipalName", true),
  stringProperty("initiatedByUserPrincipalName", true),
  stringProperty("managedDeviceId", true),
  stringProperty("userName", true),
  stringProperty("bulkDeviceActionId", true),
  enumProperty("deviceActionCategory", deviceActionCategory, "single"),
  {
    name: "deviceActionDetails",
    kind: "keyValueCollection",
    edmType: `Collection(${namespace}.${keyValuePairTypeName})`,
    nullable: false,
    searchable: false,
    defaultValue: { kind: "emptyCollection" },
  },
];

const propertiesByName = new Map(properties.map((p) => [p.name, p]));

/** Finds a property by its exact, case-sensitive name. */
export function findProperty(name: string): Property | undefined {
  return propertiesByName.get(name);
}

/** Finds a property whose name differs only in case, for "did you mean". */
export function findPropertyIgnoringCase(name: string): Property | undefined {
  const lower = name.toLowerCase();
  return properties.find((p) => p.name.toLowerCase() === lower);
}

/** Properties that `$orderby` accepts as a sort key. */
export function isSortable(property: Property): boolean {
  return property.kind !== "keyValueCollection";
}

export interface KeyValuePair {
  readonly key: string | null;
  readonly value: string | null;
}

/**
 * A stored record. Enum properties hold member values and
 * `requestDateTime` holds the canonical UTC text of `datetime.ts`.
 */
export interface AuditRecord {
  readonly id: string;
  readonly action: number;
  readonly actionState: number;
  readonly requestDateTime: string;
  readonly deviceDisplayName: string | null;
  readonly deviceIMEI: string | null;
  readonly deviceOwnerUserPrincipalName: string | null;
  readonly initiatedByUserPrincipalName: string | null;
  readonly managedDeviceId: string | null;
  readonly userName: string | null;
  readonly bulkDeviceActionId: string | null;
  readonly deviceActionCategory: number;
  readonly deviceActionDetails: readonly KeyValuePair[];
}

export type PropertyName = keyof AuditRecord;
