/**
 * Bound expression trees: syntax trees whose names are resolved against
 * the entity type and whose every node has a type. SQL translation and the
 * in-memory evaluator read these, never the raw syntax.
 */
import type { Property } from "../../model/entity.ts";
import type { EnumType } from "../../model/enums.ts";

export type PrimitiveKind =
  | "null"
  | "boolean"
  | "integer"
  | "decimal"
  | "double"
  | "string"
  | "dateTimeOffset"
  | "date"
  | "timeOfDay"
  | "duration"
  | "guid";

export type BoundType =
  | { readonly kind: PrimitiveKind }
  | { readonly kind: "enum"; readonly enumType: EnumType };

/** Fields every bound node has. */
interface Typed {
  readonly type: BoundType;
  /** False when the value can never be null. */
  readonly nullable: boolean;
}

export type ComparisonOperator = "eq" | "ne" | "gt" | "ge" | "lt" | "le";
export type ArithmeticOperator =
  "add" | "sub" | "mul" | "div" | "divby" | "mod";

export type FunctionName =
  | "contains"
  | "startswith"
  | "endswith"
  | "length"
  | "indexof"
  | "substring"
  | "tolower"
  | "toupper"
  | "trim"
  | "concat"
  | "matchespattern"
  | "year"
  | "month"
  | "day"
  | "hour"
  | "minute"
  | "second"
  | "fractionalseconds"
  | "date"
  | "time"
  | "totaloffsetminutes"
  | "now"
  | "mindatetime"
  | "maxdatetime"
  | "floor"
  | "ceiling"
  | "round";

export type BoundNode =
  | (Typed & { readonly kind: "property"; readonly property: Property })
  | (Typed & {
      readonly kind: "variable";
      /** Index of the lambda that declares the variable, outermost 0. */
      readonly scope: number;
      readonly field: "key" | "value";
    })
  | (Typed & {
      readonly kind: "constant";
      /**
       * The value in stored form: enum member values, canonical date and
       * time text, numbers, strings, booleans, or null.
       */
      readonly value: string | number | boolean | null;
    })
  | (Typed & {
      readonly kind: "compare";
      readonly operator: ComparisonOperator;
      readonly left: BoundNode;
      readonly right: BoundNode;
    })
  | (Typed & {
      readonly kind: "logical";
      readonly operator: "and" | "or";
      readonly left: BoundNode;
      readonly right: BoundNode;
    })
  | (Typed & { readonly kind: "not"; readonly operand: BoundNode })
  | (Typed & { readonly kind: "negate"; readonly operand: BoundNode })
  | (Typed & {
      readonly kind: "arithmetic";
      readonly operator: ArithmeticOperator;
      readonly left: BoundNode;
      readonly right: BoundNode;
    })
  | (Typed & {
      readonly kind: "call";
      readonly name: FunctionName;
      readonly args: readonly BoundNode[];
    })
  | (Typed & {
      readonly kind: "in";
      readonly operand: BoundNode;
      readonly values: readonly BoundNode[];
    })
  | (Typed & {
      readonly kind: "has";
      readonly operand: BoundNode;
      readonly flag: number;
    })
  | (Typed & {
      readonly kind: "lambda";
      readonly operator: "any" | "all";
      readonly scope: number;
      readonly predicate?: BoundNode;
    });

export type BoundKind = BoundNode["kind"];

export interface BoundSortKey {
  readonly expression: BoundNode;
  readonly descending: boolean;
}

/** The EDM name of a type, for error messages. */
export function typeName(type: BoundType): string {
  switch (type.kind) {
    case "enum":
      return `microsoft.graph.${type.enumType.name}`;
    case "integer":
      return "Edm.Int64";
    case "null":
      return "null";
    case "dateTimeOffset":
      return "Edm.DateTimeOffset";
    case "timeOfDay":
      return "Edm.TimeOfDay";
    default:
      return `Edm.${type.kind[0]?.toUpperCase()}${type.kind.slice(1)}`;
  }
}

export function isNumeric(type: BoundType): boolean {
  return (
    type.kind === "integer" || type.kind === "decimal" || type.kind === "double"
  );
}
