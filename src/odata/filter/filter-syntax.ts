/**
 * Syntax trees of `$filter` and `$orderby` expressions as parsed, with no
 * knowledge of the entity type. Positions are offsets in the decoded text.
 * The binder resolves names and types in a separate pass.
 */

export type LiteralKind =
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
  | "guid"
  | "enum";

export interface LiteralSyntax {
  readonly kind: "literal";
  readonly literal: LiteralKind;
  /** The literal as written, such as `'O''Neil'` or `2024-03-01`. */
  readonly text: string;
  /**
   * The value part: a string without quotes and with `''` undone, an enum
   * member list, a duration without `duration'…'`, otherwise `text`.
   */
  readonly value: string;
  /** The qualified type name of an enum literal, such as `microsoft.graph.actionState`. */
  readonly typeName?: string;
  readonly position: number;
}

/** A property path such as `actionState` or `d/key`. */
export interface PathSyntax {
  readonly kind: "path";
  readonly segments: readonly string[];
  readonly position: number;
}

/** A parameter alias such as `@p`, name without `@`. */
export interface AliasSyntax {
  readonly kind: "alias";
  readonly name: string;
  readonly position: number;
}

export interface CallSyntax {
  readonly kind: "call";
  /** The function name in lowercase. */
  readonly name: string;
  readonly args: readonly SyntaxNode[];
  readonly position: number;
}

/** `path/any(v: predicate)`, `path/any()` or `path/all(v: predicate)`. */
export interface LambdaSyntax {
  readonly kind: "lambda";
  readonly operator: "any" | "all";
  readonly collection: PathSyntax;
  /** Absent only for `any()`. */
  readonly variable?: string;
  readonly predicate?: SyntaxNode;
  readonly position: number;
}

export type UnaryOperator = "not" | "negate";

export interface UnarySyntax {
  readonly kind: "unary";
  readonly operator: UnaryOperator;
  readonly operand: SyntaxNode;
  readonly position: number;
}

export type LogicalOperator = "and" | "or";
export type ComparisonOperator = "eq" | "ne" | "gt" | "ge" | "lt" | "le";
export type ArithmeticOperator =
  "add" | "sub" | "mul" | "div" | "divby" | "mod";

export type BinaryOperator =
  LogicalOperator | ComparisonOperator | ArithmeticOperator | "has";

export interface BinarySyntax {
  readonly kind: "binary";
  readonly operator: BinaryOperator;
  readonly left: SyntaxNode;
  readonly right: SyntaxNode;
  /** Position of the operator keyword. */
  readonly position: number;
}

export interface InSyntax {
  readonly kind: "in";
  readonly operand: SyntaxNode;
  /** The listed values, or one alias that stands for a list. */
  readonly list: readonly SyntaxNode[];
  readonly position: number;
}

export type SyntaxNode =
  | LiteralSyntax
  | PathSyntax
  | AliasSyntax
  | CallSyntax
  | LambdaSyntax
  | UnarySyntax
  | BinarySyntax
  | InSyntax;

export type SyntaxKind = SyntaxNode["kind"];

export interface OrderBySyntax {
  readonly expression: SyntaxNode;
  readonly direction: "asc" | "desc";
}
