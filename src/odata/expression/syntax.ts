/**
 * Syntax trees of `$filter`, `$orderby` and `$search`, as parsed, with no
 * knowledge of the entity type. The binder resolves names and types.
 */

export type LiteralType =
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

export interface LiteralNode {
  readonly kind: "literal";
  readonly type: LiteralType;
  /** The literal's text after unquoting: `O'Neil` for `'O''Neil'`. */
  readonly value: string;
  /** For qualified enum literals, the type name before the quote. */
  readonly typeName?: string;
  readonly position: number;
}

/** A property path such as `actionState` or `d/key`. */
export interface MemberNode {
  readonly kind: "member";
  readonly path: readonly string[];
  readonly position: number;
}

export interface AliasNode {
  readonly kind: "alias";
  readonly name: string;
  readonly position: number;
}

export interface CallNode {
  readonly kind: "call";
  /** Lowercase function name. */
  readonly name: string;
  readonly args: readonly ExpressionNode[];
  readonly position: number;
}

/** `path/any(v: predicate)` or `path/all(v: predicate)`. */
export interface LambdaNode {
  readonly kind: "lambda";
  readonly collection: readonly string[];
  readonly operator: "any" | "all";
  readonly variable?: string;
  readonly predicate?: ExpressionNode;
  readonly position: number;
}

export type UnaryOperator = "not" | "negate";

export interface UnaryNode {
  readonly kind: "unary";
  readonly operator: UnaryOperator;
  readonly operand: ExpressionNode;
  readonly position: number;
}

export type BinaryOperator =
  | "or"
  | "and"
  | "eq"
  | "ne"
  | "gt"
  | "ge"
  | "lt"
  | "le"
  | "has"
  | "add"
  | "sub"
  | "mul"
  | "div"
  | "divby"
  | "mod";

export interface BinaryNode {
  readonly kind: "binary";
  readonly operator: BinaryOperator;
  readonly left: ExpressionNode;
  readonly right: ExpressionNode;
  readonly position: number;
}

export interface InNode {
  readonly kind: "in";
  readonly operand: ExpressionNode;
  readonly list: readonly ExpressionNode[];
  readonly position: number;
}

export type ExpressionNode =
  | LiteralNode
  | MemberNode
  | AliasNode
  | CallNode
  | LambdaNode
  | UnaryNode
  | BinaryNode
  | InNode;

export interface OrderByItemSyntax {
  readonly expression: ExpressionNode;
  readonly descending: boolean;
}

export type SearchNode =
  | { readonly kind: "term"; readonly text: string }
  | { readonly kind: "not"; readonly operand: SearchNode }
  | {
      readonly kind: "and" | "or";
      readonly left: SearchNode;
      readonly right: SearchNode;
    };

/** Limits that keep parsing bounded, each named after its setting. */
export interface ParseLimits {
  readonly maxFilterLength: number;
  readonly maxFilterDepth: number;
  readonly maxInItems: number;
}
