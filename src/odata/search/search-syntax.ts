/** Syntax trees of `$search` expressions. */

/** A word or a "phrase"; both match as a substring. */
export interface SearchTerm {
  readonly kind: "term";
  readonly text: string;
  readonly phrase: boolean;
}

export interface SearchNot {
  readonly kind: "not";
  readonly operand: SearchNode;
}

/** `a AND b AND c`, `a b c`, or `a OR b OR c`, kept flat. */
export interface SearchJunction {
  readonly kind: "and" | "or";
  readonly operands: readonly SearchNode[];
}

export type SearchNode = SearchTerm | SearchNot | SearchJunction;
export type SearchKind = SearchNode["kind"];
