/**
 * A recursive-descent parser for OData 4.01 common expressions, as used by
 * `$filter` and `$orderby`. It checks the grammar only, and the binder resolves
 * names. Operator precedence, lowest first (OData URL conventions,
 * section 5.1.1.16): or, and, eq ne, gt ge lt le has in, add sub,
 * mul div divby mod, not and negation, then primary expressions.
 */
import { apiErrors } from "../../errors.ts";
import type {
  BinaryOperator,
  ExpressionNode,
  LiteralNode,
  LiteralType,
  OrderByItemSyntax,
  ParseLimits,
} from "./syntax.ts";

const identifier = /[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*/y;
const guid =
  /[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}(?![0-9A-Za-z_])/y;
const dateTimeOffset =
  /-?\d{4,}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])T(?:[01]\d|2[0-3]):[0-5]\d(?::(?:[0-5]\d|60)(?:\.\d{1,12})?)?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)/iy;
const date = /-?\d{4,}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])(?![\dT:])/y;
const timeOfDay =
  /(?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,12})?)?(?![\d:])/y;
const number = /[+-]?\d+(\.\d+)?([eE][+-]?\d+)?/y;
const whitespace = /[ \t]+/y;

const relational: Readonly<Record<string, BinaryOperator>> = {
  gt: "gt",
  ge: "ge",
  lt: "lt",
  le: "le",
  has: "has",
};
const additive: Readonly<Record<string, BinaryOperator>> = {
  add: "add",
  sub: "sub",
};
const multiplicative: Readonly<Record<string, BinaryOperator>> = {
  mul: "mul",
  div: "div",
  divby: "divby",
  mod: "mod",
};

/** Unlimited limits, for syntax checks that no request drives. */
export const noParseLimits: ParseLimits = {
  maxFilterLength: Number.MAX_SAFE_INTEGER,
  maxFilterDepth: 1000,
  maxInItems: Number.MAX_SAFE_INTEGER,
};

class Parser {
  readonly text: string;
  readonly clause: string;
  readonly limits: ParseLimits;
  position = 0;
  depth = 0;

  constructor(text: string, clause: string, limits: ParseLimits) {
    this.text = text;
    this.clause = clause;
    this.limits = limits;
    if (text.length > limits.maxFilterLength) {
      throw apiErrors.badRequest(
        `The ${clause} clause has ${text.length} characters, more than the ` +
          `maxFilterLength setting (${limits.maxFilterLength}). Shorten it.`,
      );
    }
  }

  /** A 400 that names what was expected and where. */
  error(expected: string, at = this.position): Error {
    return apiErrors.badRequest(
      `Invalid ${this.clause} clause: ${expected} at position ${at} in ` +
        `'${this.text}'.`,
    );
  }

  atEnd(): boolean {
    return this.position >= this.text.length;
  }

  peek(): string {
    return this.text[this.position] ?? "";
  }

  /** Matches a sticky pattern at the position, consuming it on success. */
  match(pattern: RegExp): RegExpExecArray | undefined {
    pattern.lastIndex = this.position;
    const found = pattern.exec(this.text);
    if (found === null) return undefined;
    this.position = pattern.lastIndex;
    return found;
  }

  skipSpace(): boolean {
    return this.match(whitespace) !== undefined;
  }

  expect(character: string): void {
    if (this.peek() !== character) throw this.error(`'${character}' expected`);
    this.position++;
  }

  /** Counts one level of nesting, so deep input is a 400, not a crash. */
  enter(): void {
    this.depth++;
    if (this.depth > this.limits.maxFilterDepth) {
      throw apiErrors.badRequest(
        `The ${this.clause} clause nests deeper than the maxFilterDepth ` +
          `setting (${this.limits.maxFilterDepth}) at position ` +
          `${this.position}. Simplify the expression.`,
      );
    }
  }

  leave(): void {
    this.depth--;
  }

  parseExpression(): ExpressionNode {
    this.enter();
    const node = this.parseOr();
    this.leave();
    return node;
  }

  parseOr(): ExpressionNode {
    let left = this.parseAnd();
    for (;;) {
      const operator = this.operator({ or: "or" });
      if (operator === undefined) return left;
      left = this.binary(operator, left, this.parseAnd());
    }
  }

  parseAnd(): ExpressionNode {
    let left = this.parseEquality();
    for (;;) {
      const operator = this.operator({ and: "and" });
      if (operator === undefined) return left;
      left = this.binary(operator, left, this.parseEquality());
    }
  }

  parseEquality(): ExpressionNode {
    let left = this.parseRelational();
    for (;;) {
      const operator = this.operator({ eq: "eq", ne: "ne" });
      if (operator === undefined) return left;
      left = this.binary(operator, left, this.parseRelational());
    }
  }

  parseRelational(): ExpressionNode {
    let left = this.parseAdditive();
    for (;;) {
      const start = this.position;
      if (this.inKeyword()) {
        left = this.parseIn(left, start);
        continue;
      }
      const operator = this.operator(relational);
      if (operator === undefined) return left;
      left = this.binary(operator, left, this.parseAdditive());
    }
  }

  parseAdditive(): ExpressionNode {
    let left = this.parseMultiplicative();
    for (;;) {
      const operator = this.operator(additive);
      if (operator === undefined) return left;
      left = this.binary(operator, left, this.parseMultiplicative());
    }
  }

  parseMultiplicative(): ExpressionNode {
    let left = this.parseUnary();
    for (;;) {
      const operator = this.operator(multiplicative);
      if (operator === undefined) return left;
      left = this.binary(operator, left, this.parseUnary());
    }
  }

  binary(
    operator: BinaryOperator,
    left: ExpressionNode,
    right: ExpressionNode,
  ): ExpressionNode {
    return { kind: "binary", operator, left, right, position: left.position };
  }

  /**
   * Reads a binary operator keyword from the given set: whitespace, the
   * keyword in any case, then whitespace. Restores the position otherwise.
   */
  operator(
    operators: Readonly<Record<string, BinaryOperator>>,
  ): BinaryOperator | undefined {
    const start = this.position;
    if (!this.skipSpace()) return undefined;
    const word = /[A-Za-z]+/y;
    const found = this.match(word);
    const operator =
      found === undefined ? undefined : operators[found[0].toLowerCase()];
    if (operator !== undefined && this.skipSpace()) return operator;
    this.position = start;
    return undefined;
  }

  /** Reads ` in` followed by optional whitespace; restores otherwise. */
  inKeyword(): boolean {
    const start = this.position;
    if (this.skipSpace() && this.match(/in(?=[ \t(@])/iy) !== undefined) {
      this.skipSpace();
      return true;
    }
    this.position = start;
    return false;
  }

  parseIn(operand: ExpressionNode, start: number): ExpressionNode {
    if (this.peek() === "@") {
      const alias = this.parsePrimary();
      return { kind: "in", operand, list: [alias], position: start };
    }
    this.expect("(");
    const list = this.parseList(")");
    if (list.length === 0) throw this.error("a value expected");
    if (list.length > this.limits.maxInItems) {
      throw apiErrors.badRequest(
        `The 'in' list at position ${start} has ${list.length} values, more ` +
          `than the maxInItems setting (${this.limits.maxInItems}).`,
      );
    }
    return { kind: "in", operand, list, position: start };
  }

  /** Reads comma-separated expressions up to the closing character. */
  parseList(close: string): ExpressionNode[] {
    const items: ExpressionNode[] = [];
    this.skipSpace();
    if (this.peek() === close) {
      this.position++;
      return items;
    }
    for (;;) {
      this.skipSpace();
      items.push(this.parseExpression());
      this.skipSpace();
      if (this.peek() === ",") {
        this.position++;
        continue;
      }
      if (this.peek() === close) {
        this.position++;
        return items;
      }
      throw this.error(`'${close}' or ',' expected`);
    }
  }

  parseUnary(): ExpressionNode {
    const start = this.position;
    if (this.peek() === "-" && !this.startsNumberLiteral()) {
      this.position++;
      this.skipSpace();
      this.enter();
      const operand = this.parseUnary();
      this.leave();
      return { kind: "unary", operator: "negate", operand, position: start };
    }
    if (this.match(/not(?=[ \t(])/iy) !== undefined) {
      this.skipSpace();
      this.enter();
      const operand = this.parseUnary();
      this.leave();
      return { kind: "unary", operator: "not", operand, position: start };
    }
    return this.parsePrimary();
  }

  /** Tells whether a `-` here starts a negative number or date literal. */
  startsNumberLiteral(): boolean {
    const next = this.text[this.position + 1] ?? "";
    return /\d/.test(next) || this.text.startsWith("INF", this.position + 1);
  }

  parsePrimary(): ExpressionNode {
    const start = this.position;
    const character = this.peek();
    if (character === "(") {
      this.position++;
      this.skipSpace();
      const inner = this.parseExpression();
      this.skipSpace();
      this.expect(")");
      return inner;
    }
    if (character === "'")
      return this.literal("string", this.readString(), start);
    if (character === "@") {
      this.position++;
      const name = this.match(identifier);
      if (name === undefined)
        throw this.error("a parameter alias name expected");
      return { kind: "alias", name: name[0], position: start };
    }
    if (character === "-" && this.text.startsWith("-INF", start)) {
      this.position += 4;
      return this.literal("double", "-INF", start);
    }
    const literal = this.readPlainLiteral(start);
    if (literal !== undefined) return literal;
    if (/[A-Za-z_]/.test(character)) return this.parseNamed(start);
    if (this.atEnd()) throw this.error("an expression expected");
    throw this.error(`an expression expected, not '${character}'`);
  }

  /** Reads a GUID, date, time, or number literal at the position. */
  readPlainLiteral(start: number): LiteralNode | undefined {
    const forms: [RegExp, LiteralType][] = [
      [guid, "guid"],
      [dateTimeOffset, "dateTimeOffset"],
      [date, "date"],
      [timeOfDay, "timeOfDay"],
    ];
    for (const [pattern, type] of forms) {
      const found = this.match(pattern);
      if (found !== undefined) return this.literal(type, found[0], start);
    }
    const found = this.match(number);
    if (found === undefined) return undefined;
    if (/[A-Za-z_]/.test(this.peek())) {
      throw this.error(`invalid number '${found[0]}${this.peek()}'`, start);
    }
    const type =
      found[1] === undefined && found[2] === undefined ? "integer" : "decimal";
    return this.literal(type, found[0], start);
  }

  literal(type: LiteralType, value: string, position: number): LiteralNode {
    return { kind: "literal", type, value, position };
  }

  /** Reads `'…'` with `''` as a quote and returns the unquoted text. */
  readString(): string {
    const start = this.position;
    this.position++;
    let value = "";
    for (;;) {
      const quote = this.text.indexOf("'", this.position);
      if (quote < 0) throw this.error("closing quote expected", start);
      value += this.text.slice(this.position, quote);
      this.position = quote + 1;
      if (this.peek() !== "'") return value;
      value += "'";
      this.position++;
    }
  }

  /** Parses what starts with a name: keywords, typed literals, calls, paths. */
  parseNamed(start: number): ExpressionNode {
    const found = this.match(identifier);
    if (found === undefined) throw this.error("a name expected");
    const name = found[0];

    if (this.peek() === "'") return this.typedLiteral(name, start);
    const lower = name.toLowerCase();
    if (lower === "true" || lower === "false") {
      return this.literal("boolean", lower, start);
    }
    if (lower === "null") return this.literal("null", "null", start);
    if (name === "INF" || name === "NaN")
      return this.literal("double", name, start);
    if (this.peek() === "(") {
      if (lower === "any" || lower === "all") {
        throw this.error(`'${name}' needs a collection path before it`, start);
      }
      this.position++;
      this.enter();
      const args = this.parseList(")");
      this.leave();
      return { kind: "call", name: lower, args, position: start };
    }
    return this.parsePath([name], start);
  }

  typedLiteral(name: string, start: number): LiteralNode {
    const value = this.readString();
    const lower = name.toLowerCase();
    if (lower === "duration") return this.literal("duration", value, start);
    if (!name.includes(".")) {
      throw this.error(`unknown literal prefix '${name}'`, start);
    }
    return {
      kind: "literal",
      type: "enum",
      value,
      typeName: name,
      position: start,
    };
  }

  /** Reads `a/b/c`, ending in a lambda when a segment is any() or all(). */
  parsePath(path: string[], start: number): ExpressionNode {
    while (this.peek() === "/") {
      this.position++;
      const segment = this.match(identifier);
      if (segment === undefined) throw this.error("a property name expected");
      const lower = segment[0].toLowerCase();
      if ((lower === "any" || lower === "all") && this.peek() === "(") {
        return this.parseLambda(path, lower, start);
      }
      path.push(segment[0]);
    }
    return { kind: "member", path, position: start };
  }

  parseLambda(
    collection: string[],
    operator: "any" | "all",
    start: number,
  ): ExpressionNode {
    this.position++;
    this.skipSpace();
    if (this.peek() === ")") {
      this.position++;
      if (operator === "all") throw this.error("a lambda predicate expected");
      return { kind: "lambda", collection, operator, position: start };
    }
    const variable = this.match(/[A-Za-z_][A-Za-z0-9_]*/y);
    if (variable === undefined) throw this.error("a lambda variable expected");
    this.skipSpace();
    this.expect(":");
    this.skipSpace();
    const predicate = this.parseExpression();
    this.skipSpace();
    this.expect(")");
    return {
      kind: "lambda",
      collection,
      operator,
      variable: variable[0],
      predicate,
      position: start,
    };
  }

  /** Fails unless the whole text was read. */
  finish(): void {
    if (this.atEnd()) return;
    const rest = this.text.slice(this.position).trimStart();
    const at = this.text.length - rest.length;
    throw this.error(`unexpected '${rest.slice(0, 20)}'`, at);
  }
}

/**
 * Parses an expression: `actionState eq 'failed' and year(requestDateTime)
 * ge 2024` becomes a tree of binary, member, call and literal nodes.
 */
export function parseExpression(
  text: string,
  limits: ParseLimits,
  clause = "filter",
): ExpressionNode {
  const parser = new Parser(text, clause, limits);
  if (parser.atEnd()) throw parser.error("an expression expected");
  const node = parser.parseExpression();
  parser.finish();
  return node;
}

/** Parses `$orderby`: expressions, each with an optional asc or desc. */
export function parseOrderBy(
  text: string,
  limits: ParseLimits,
): OrderByItemSyntax[] {
  const parser = new Parser(text, "orderby", limits);
  const items: OrderByItemSyntax[] = [];
  for (;;) {
    parser.skipSpace();
    const expression = parser.parseExpression();
    let descending = false;
    const direction = parser.match(/[ \t]+(asc|desc)(?![A-Za-z0-9_])/iy);
    if (direction !== undefined) {
      descending = (direction[1] as string).toLowerCase() === "desc";
    }
    items.push({ expression, descending });
    parser.skipSpace();
    if (parser.atEnd()) return items;
    parser.expect(",");
  }
}

/** Parses the whole text as one literal of a type, for conformance checks. */
export function parseLiteral(text: string, type: LiteralType): LiteralNode {
  const parser = new Parser(text, "literal", noParseLimits);
  const node = parser.parsePrimary();
  parser.finish();
  const literal = node.kind === "literal" ? node : undefined;
  const numeric = ["integer", "decimal", "double"];
  const accepted =
    literal !== undefined &&
    (literal.type === type ||
      (numeric.includes(type) && numeric.includes(literal.type)));
  if (!accepted) throw parser.error(`a ${type} literal expected`, 0);
  return literal as LiteralNode;
}
