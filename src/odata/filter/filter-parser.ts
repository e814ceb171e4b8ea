/**
 * Recursive-descent parser for `$filter` and `$orderby` expressions, after
 * the OData 4.01 ABNF. It knows no entity type: names become paths and the
 * binder resolves them. Precedence, loosest first: `or`, `and`, `eq ne`,
 * `gt ge lt le has in`, `add sub`, `mul div divby mod`, unary `not -`.
 */
import { apiErrors } from "../../errors.ts";
import { Lexer, type Token, type TokenKind } from "./filter-lexer.ts";
import type {
  BinaryOperator,
  LambdaSyntax,
  OrderBySyntax,
  PathSyntax,
  SyntaxNode,
} from "./filter-syntax.ts";
import { isFunctionName, isUnsupportedFunctionName } from "./function-names.ts";
import {
  checkLength,
  defaultFilterLimits,
  depthError,
  syntaxError,
  type ClauseName,
  type FilterLimits,
} from "./query-syntax-error.ts";

export interface ParseOptions {
  readonly limits?: FilterLimits;
  /**
   * Rejects whitespace before and after the expression, as the ABNF does.
   * Off by default because Graph accepts it.
   */
  readonly strictWhitespace?: boolean;
}

/** Parses a `$filter` text, or the value of a parameter alias, into a tree. */
export function parseFilter(
  text: string,
  options: ParseOptions = {},
): SyntaxNode {
  const parser = new FilterParser(text, "filter", options);
  const expression = parser.parseExpression();
  parser.expectEnd();
  return expression;
}

/** Parses a `$orderby` text: a comma list of expressions with asc/desc. */
export function parseOrderBy(
  text: string,
  options: ParseOptions = {},
): OrderBySyntax[] {
  const parser = new FilterParser(text, "orderby", options);
  return parser.parseOrderByItems();
}

const equalityOperators: readonly BinaryOperator[] = ["eq", "ne"];
const relationalOperators: readonly BinaryOperator[] = [
  "gt",
  "ge",
  "lt",
  "le",
  "has",
];
const additiveOperators: readonly BinaryOperator[] = ["add", "sub"];
const multiplicativeOperators: readonly BinaryOperator[] = [
  "mul",
  "div",
  "divby",
  "mod",
];

class FilterParser {
  private readonly lexer: Lexer;
  /** Tokens read ahead of the current position, the current one first. */
  private readonly lookahead: Token[] = [];
  /** Current nesting of parentheses, calls, lambdas and unary operators. */
  private nesting = 0;
  /** Height of each built subtree, for the `maxFilterDepth` check. */
  private readonly heights = new WeakMap<SyntaxNode, number>();
  private readonly limits: FilterLimits;

  constructor(
    private readonly text: string,
    private readonly clause: ClauseName,
    options: ParseOptions,
  ) {
    this.limits = options.limits ?? defaultFilterLimits;
    checkLength(clause, text, this.limits);
    if (options.strictWhitespace === true) this.checkSurroundingWhitespace();
    this.lexer = new Lexer(text, clause);
  }

  parseExpression(): SyntaxNode {
    return this.parseOr();
  }

  parseOrderByItems(): OrderBySyntax[] {
    const items: OrderBySyntax[] = [];
    for (;;) {
      const expression = this.parseOr();
      const direction = this.keyword(this.peek());
      const explicit = direction === "asc" || direction === "desc";
      if (explicit) this.advance();
      items.push({ expression, direction: explicit ? direction : "asc" });
      if (this.peek().kind === "end") return items;
      this.expect("comma", "',' or end of text expected");
    }
  }

  expectEnd(): void {
    const token = this.peek();
    if (token.kind === "end") return;
    const reason =
      token.kind === "close" ? "unbalanced ')'" : "operator expected";
    this.fail(reason, token);
  }

  private checkSurroundingWhitespace(): void {
    if (/^[ \t]/.test(this.text)) this.failAt("expression expected", 0);
    const trailing = /[ \t]+$/.exec(this.text);
    if (trailing !== null) {
      this.failAt("end of text expected", trailing.index);
    }
  }

  // Tokens

  private peek(): Token {
    const next = this.lookahead[0];
    if (next !== undefined) return next;
    const token = this.lexer.next();
    this.lookahead.push(token);
    return token;
  }

  private advance(): Token {
    const token = this.peek();
    if (token.kind !== "end") this.lookahead.shift();
    return token;
  }

  private expect(kind: TokenKind, reason: string): Token {
    const token = this.peek();
    if (token.kind !== kind) this.fail(reason, token);
    return this.advance();
  }

  /** The lowercase text of an identifier token, for operator keywords. */
  private keyword(token: Token): string | undefined {
    return token.kind === "identifier" ? token.text.toLowerCase() : undefined;
  }

  private fail(reason: string, token: Token): never {
    this.failAt(reason, token.position);
  }

  private failAt(reason: string, position: number): never {
    throw syntaxError(this.clause, reason, position, this.text);
  }

  // Depth

  private enter(): void {
    this.nesting += 1;
    if (this.nesting > this.limits.maxFilterDepth) {
      throw depthError(this.clause, this.limits);
    }
  }

  private leave(): void {
    this.nesting -= 1;
  }

  /**
   * Records the height of a new node. A chain of the same `and` or `or`
   * counts as one level, because clients write long flat chains of them.
   */
  private built<T extends SyntaxNode>(node: T, children: SyntaxNode[]): T {
    let height = 0;
    for (const child of children) {
      const childHeight = this.heights.get(child) ?? 1;
      const flat =
        node.kind === "binary" &&
        child.kind === "binary" &&
        (node.operator === "and" || node.operator === "or") &&
        child.operator === node.operator;
      height = Math.max(height, flat ? childHeight - 1 : childHeight);
    }
    height += 1;
    if (height > this.limits.maxFilterDepth) {
      throw depthError(this.clause, this.limits);
    }
    this.heights.set(node, height);
    return node;
  }

  // Binary levels

  private parseOr(): SyntaxNode {
    return this.parseBinaryLevel(["or"], () => this.parseAnd());
  }

  private parseAnd(): SyntaxNode {
    return this.parseBinaryLevel(["and"], () => this.parseEquality());
  }

  private parseEquality(): SyntaxNode {
    return this.parseBinaryLevel(equalityOperators, () =>
      this.parseRelational(),
    );
  }

  private parseRelational(): SyntaxNode {
    let left = this.parseAdditive();
    for (;;) {
      const token = this.peek();
      const keyword = this.keyword(token);
      if (keyword === "in") {
        this.advance();
        left = this.parseInList(left, token);
      } else if (relationalOperators.includes(keyword as BinaryOperator)) {
        this.advance();
        const right = this.parseAdditive();
        left = this.binary(keyword as BinaryOperator, left, right, token);
      } else {
        return left;
      }
    }
  }

  private parseAdditive(): SyntaxNode {
    return this.parseBinaryLevel(additiveOperators, () =>
      this.parseMultiplicative(),
    );
  }

  private parseMultiplicative(): SyntaxNode {
    return this.parseBinaryLevel(multiplicativeOperators, () =>
      this.parseUnary(),
    );
  }

  private parseBinaryLevel(
    operators: readonly BinaryOperator[],
    parseOperand: () => SyntaxNode,
  ): SyntaxNode {
    let left = parseOperand();
    for (;;) {
      const token = this.peek();
      const keyword = this.keyword(token);
      if (!operators.includes(keyword as BinaryOperator)) return left;
      this.advance();
      const right = parseOperand();
      left = this.binary(keyword as BinaryOperator, left, right, token);
    }
  }

  private binary(
    operator: BinaryOperator,
    left: SyntaxNode,
    right: SyntaxNode,
    token: Token,
  ): SyntaxNode {
    const node = {
      kind: "binary",
      operator,
      left,
      right,
      position: token.position,
    } as const;
    return this.built(node, [left, right]);
  }

  private parseInList(operand: SyntaxNode, token: Token): SyntaxNode {
    if (this.peek().kind === "alias") {
      const alias = this.advance();
      const list = [this.aliasNode(alias)];
      return this.built(
        { kind: "in", operand, list, position: token.position },
        [operand],
      );
    }
    this.expect("open", "'(' expected after 'in'");
    this.enter();
    const list: SyntaxNode[] = [];
    do {
      list.push(this.parseOr());
      if (list.length > this.limits.maxInItems) throw this.inItemsError();
    } while (this.peek().kind === "comma" && this.advance());
    this.expect("close", "',' or ')' expected");
    this.leave();
    const node = {
      kind: "in",
      operand,
      list,
      position: token.position,
    } as const;
    return this.built(node, [operand, ...list]);
  }

  private inItemsError() {
    const max = this.limits.maxInItems;
    return apiErrors.badRequest(
      `An 'in' list in $${this.clause} has more than ${max} values, which ` +
        `exceeds the maxInItems setting (${max}). Split the query or ` +
        `raise the setting.`,
    );
  }

  // Unary and primary

  private parseUnary(): SyntaxNode {
    const token = this.peek();
    const isNot = this.keyword(token) === "not";
    if (!isNot && token.kind !== "minus") return this.parsePrimary();

    this.advance();
    this.enter();
    const operand = this.parseUnary();
    this.leave();
    const node = {
      kind: "unary",
      operator: isNot ? "not" : "negate",
      operand,
      position: token.position,
    } as const;
    return this.built(node, [operand]);
  }

  private parsePrimary(): SyntaxNode {
    const token = this.peek();
    switch (token.kind) {
      case "open":
        return this.parseGroup();
      case "literal":
        this.advance();
        return this.built(token.literal as SyntaxNode, []);
      case "alias":
        this.advance();
        return this.built(this.aliasNode(token), []);
      case "identifier":
        return this.parseNameExpression();
      default:
        this.fail("expression expected", token);
    }
  }

  private aliasNode(token: Token): SyntaxNode {
    return {
      kind: "alias",
      name: token.text.slice(1),
      position: token.position,
    };
  }

  private parseGroup(): SyntaxNode {
    this.advance();
    this.enter();
    const expression = this.parseOr();
    this.expect("close", "')' expected");
    this.leave();
    return expression;
  }

  /** A function call, or a property path that may end in a lambda. */
  private parseNameExpression(): SyntaxNode {
    const first = this.advance();
    if (this.peek().kind === "open") return this.parseCall(first);

    const segments = [first.text];
    while (this.peek().kind === "slash") {
      this.advance();
      const segment = this.expect("identifier", "property name expected");
      const lambda = segment.text.toLowerCase();
      if (
        (lambda === "any" || lambda === "all") &&
        this.peek().kind === "open"
      ) {
        const collection = this.path(segments, first);
        return this.parseLambda(lambda, collection, segment);
      }
      segments.push(segment.text);
    }
    return this.built(this.path(segments, first), []);
  }

  private path(segments: string[], first: Token): PathSyntax {
    return { kind: "path", segments, position: first.position };
  }

  private parseCall(nameToken: Token): SyntaxNode {
    const name = nameToken.text.toLowerCase();
    const open = this.peek();
    if (!isFunctionName(name)) {
      const reason = isUnsupportedFunctionName(name)
        ? `the function '${nameToken.text}' is not supported`
        : `unknown function '${nameToken.text}', so '(' is not expected`;
      this.fail(reason, isUnsupportedFunctionName(name) ? nameToken : open);
    }
    this.advance();
    this.enter();
    const args: SyntaxNode[] = [];
    if (this.peek().kind !== "close") {
      do {
        args.push(this.parseOr());
      } while (this.peek().kind === "comma" && this.advance());
    }
    this.expect("close", "',' or ')' expected");
    this.leave();
    const node = {
      kind: "call",
      name,
      args,
      position: nameToken.position,
    } as const;
    return this.built(node, args);
  }

  private parseLambda(
    operator: "any" | "all",
    collection: PathSyntax,
    operatorToken: Token,
  ): SyntaxNode {
    this.advance();
    this.enter();
    const position = operatorToken.position;
    let node: LambdaSyntax = { kind: "lambda", operator, collection, position };
    if (operator === "all" || this.peek().kind !== "close") {
      const variable = this.expect("identifier", "lambda variable expected");
      this.expect("colon", "':' expected after the lambda variable");
      const predicate = this.parseOr();
      node = { ...node, variable: variable.text, predicate };
    }
    this.expect("close", "')' expected");
    this.leave();
    return this.built(
      node,
      node.predicate === undefined ? [] : [node.predicate],
    );
  }
}
