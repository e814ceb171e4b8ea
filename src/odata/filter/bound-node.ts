/**
 * Bound expression trees: syntax trees whose names are resolved against
 * the remoteActionAudit type and whose nodes all carry an EDM type. SQL
 * translation and the in-memory evaluator read only these.
 */
import { namespace, type Property } from "../../model/entity.ts";
import type { EnumType } from "../../model/enums.ts";
import type {
  ArithmeticOperator,
  ComparisonOperator,
  LogicalOperator,
} from "./filter-syntax.ts";
import type { FunctionName } from "./function-names.ts";

export type PrimitiveKind =
  | "null"
  | "boolean"
  | "int32"
  | "int64"
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

/**
 * A constant in stored form: enum member values as numbers, DateTimeOffset
 * as canonical UTC text with 7 fractional digits, Date as `YYYY-MM-DD`,
 * TimeOfDay as `HH:MM:SS.fffffff`, Duration as its ISO 8601 text.
 */
export type ConstantValue = string | number | boolean | null;

interface Typed {
  readonly type: BoundType;
  /** False when the value can never be null. */
  readonly nullable: boolean;
}

export interface ConstantNode extends Typed {
  readonly kind: "constant";
  readonly value: ConstantValue;
}

export interface PropertyNode extends Typed {
  readonly kind: "property";
  readonly property: Property;
}

/** `d/key` or `d/value` of the lambda at nesting level `scope` (0 outermost). */
export interface VariableNode extends Typed {
  readonly kind: "variable";
  readonly scope: number;
  readonly field: "key" | "value";
}

export interface CompareNode extends Typed {
  readonly kind: "compare";
  readonly operator: ComparisonOperator;
  readonly left: BoundNode;
  readonly right: BoundNode;
}

export interface LogicalNode extends Typed {
  readonly kind: "logical";
  readonly operator: LogicalOperator;
  readonly left: BoundNode;
  readonly right: BoundNode;
}

export interface NotNode extends Typed {
  readonly kind: "not";
  readonly operand: BoundNode;
}

export interface NegateNode extends Typed {
  readonly kind: "negate";
  readonly operand: BoundNode;
}

export interface ArithmeticNode extends Typed {
  readonly kind: "arithmetic";
  readonly operator: ArithmeticOperator;
  readonly left: BoundNode;
  readonly right: BoundNode;
}

export interface CallNode extends Typed {
  readonly kind: "call";
  readonly name: FunctionName;
  readonly args: readonly BoundNode[];
}

export interface InNode extends Typed {
  readonly kind: "in";
  readonly operand: BoundNode;
  readonly values: readonly BoundNode[];
}

/** `operand has flag`: true when every bit of `flag` is set in the operand. */
export interface HasNode extends Typed {
  readonly kind: "has";
  readonly operand: BoundNode;
  readonly flag: number;
}

/** `any`/`all` over `deviceActionDetails`, the only collection property. */
export interface LambdaNode extends Typed {
  readonly kind: "lambda";
  readonly operator: "any" | "all";
  readonly collection: Property;
  readonly scope: number;
  /** Absent for `any()`, which tests that the collection is not empty. */
  readonly predicate?: BoundNode;
}

export type BoundNode =
  | ConstantNode
  | PropertyNode
  | VariableNode
  | CompareNode
  | LogicalNode
  | NotNode
  | NegateNode
  | ArithmeticNode
  | CallNode
  | InNode
  | HasNode
  | LambdaNode;

export type BoundKind = BoundNode["kind"];

export interface BoundOrderBy {
  readonly expression: BoundNode;
  readonly direction: "asc" | "desc";
}

const primitiveNames: Readonly<Record<PrimitiveKind, string>> = {
  null: "null",
  boolean: "Edm.Boolean",
  int32: "Edm.Int32",
  int64: "Edm.Int64",
  decimal: "Edm.Decimal",
  double: "Edm.Double",
  string: "Edm.String",
  dateTimeOffset: "Edm.DateTimeOffset",
  date: "Edm.Date",
  timeOfDay: "Edm.TimeOfDay",
  duration: "Edm.Duration",
  guid: "Edm.Guid",
};

/** The qualified type name, such as `Edm.String` or `microsoft.graph.actionState`. */
export function typeName(type: BoundType): string {
  if (type.kind === "enum") return `${namespace}.${type.enumType.name}`;
  return primitiveNames[type.kind];
}

export function isNumeric(type: BoundType): boolean {
  return ["int32", "int64", "decimal", "double"].includes(type.kind);
}

export function isInteger(type: BoundType): boolean {
  return type.kind === "int32" || type.kind === "int64";
}

export const booleanType: BoundType = { kind: "boolean" };
