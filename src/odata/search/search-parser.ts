/**
 * Parser for the OData `$search` grammar: words, "phrases", `AND`, `OR`,
 * `NOT` and parentheses, where juxtaposition means `AND`. Precedence,
 * loosest first: `OR`, `AND`, `NOT`. The keywords are case-sensitive and
 * are words where no operand follows them, so `$search=OR` finds "OR".
 */
import {
  checkLength,
  defaultFilterLimits,
  depthError,
  syntaxError,
  type FilterLimits,
} from "../filter/query-syntax-error.ts";
import type { SearchNode } from "./search-syntax.ts";

type SearchTokenKind = "word" | "phrase" | "open" | "close" | "end";

interface SearchToken {
  readonly kind: SearchTokenKind;
  /** A word as written, or a phrase without quotes and escapes. */
  readonly text: string;
  readonly position: number;
}

/**
 * Parses a `$search` text. A text that is one single-quoted string, such
 * as `'"blue'`, is one term: OData 4.01 accepts that form for clients that
 * quote the whole value.
 */
export function parseSearch(
  text: string,
  limits: FilterLimits = defaultFilterLimits,
): SearchNode {
  checkLength("search", text, limits);
  if (/^'(?:[^']|'')*'$/.test(text)) {
    return {
      kind: "term",
      text: text.slice(1, -1).replaceAll("''", "'"),
      phrase: true,
    };
  }
  const parser = new SearchParser(text, limits);
  const node = parser.parseOr();
  parser.expectEnd();
  return node;
}

const isSpace = (char: string | undefined) => char === " " || char === "\t";
const wordEnd = /[ \t()"]/;

function tokenizeSearch(text: string): SearchToken[] {
  const tokens: SearchToken[] = [];
  let position = 0;
  while (position < text.length) {
    const char = text[position] as string;
    if (isSpace(char)) {
      position += 1;
    } else if (char === "(" || char === ")") {
      tokens.push({
        kind: char === "(" ? "open" : "close",
        text: char,
        position,
      });
      position += 1;
    } else if (char === '"') {
      const phrase = readPhrase(text, position);
      tokens.push(phrase.token);
      position = phrase.end;
    } else {
      let end = position;
      while (end < text.length && !wordEnd.test(text[end] as string)) end += 1;
      tokens.push({ kind: "word", text: text.slice(position, end), position });
      position = end;
    }
  }
  tokens.push({ kind: "end", text: "", position: text.length });
  return tokens;
}

/** Reads `"…"` where `\"` and `\\` stand for `"` and `\`. */
function readPhrase(
  text: string,
  start: number,
): { token: SearchToken; end: number } {
  let value = "";
  let position = start + 1;
  for (;;) {
    const char = text[position];
    if (char === undefined) {
      throw syntaxError("search", "closing '\"' expected", position, text);
    }
    if (char === '"') break;
    if (
      char === "\\" &&
      (text[position + 1] === '"' || text[position + 1] === "\\")
    ) {
      position += 1;
    }
    value += text[position];
    position += 1;
  }
  if (value === "") {
    throw syntaxError("search", "empty phrase", start, text);
  }
  const end = position + 1;
  const next = text[end];
  if (next !== undefined && !isSpace(next) && next !== ")") {
    throw syntaxError(
      "search",
      "whitespace expected after a phrase",
      end,
      text,
    );
  }
  return { token: { kind: "phrase", text: value, position: start }, end };
}

class SearchParser {
  private readonly tokens: SearchToken[];
  private index = 0;
  private nesting = 0;

  constructor(
    private readonly text: string,
    private readonly limits: FilterLimits,
  ) {
    this.tokens = tokenizeSearch(text);
  }

  parseOr(): SearchNode {
    const operands = [this.parseAnd()];
    while (this.isOperator("OR")) {
      this.index += 1;
      operands.push(this.parseAnd());
    }
    return operands.length === 1
      ? (operands[0] as SearchNode)
      : { kind: "or", operands };
  }

  expectEnd(): void {
    const token = this.peek();
    if (token.kind === "end") return;
    throw syntaxError(
      "search",
      `unexpected '${token.text}'`,
      token.position,
      this.text,
    );
  }

  private peek(offset = 0): SearchToken {
    const last = this.tokens[this.tokens.length - 1] as SearchToken;
    return this.tokens[this.index + offset] ?? last;
  }

  /** Whether the next token is an operand start, so it begins an operand. */
  private startsOperand(token: SearchToken): boolean {
    return (
      token.kind === "word" || token.kind === "phrase" || token.kind === "open"
    );
  }

  /** Whether the current token is `keyword` used as an operator. */
  private isOperator(keyword: "AND" | "OR" | "NOT"): boolean {
    const token = this.peek();
    return (
      token.kind === "word" &&
      token.text === keyword &&
      this.startsOperand(this.peek(1))
    );
  }

  private parseAnd(): SearchNode {
    const operands = [this.parseNot()];
    for (;;) {
      if (this.isOperator("AND")) {
        this.index += 1;
      } else if (this.isOperator("OR") || !this.startsOperand(this.peek())) {
        break;
      }
      operands.push(this.parseNot());
    }
    return operands.length === 1
      ? (operands[0] as SearchNode)
      : { kind: "and", operands };
  }

  private parseNot(): SearchNode {
    if (!this.isOperator("NOT")) return this.parsePrimary();
    this.index += 1;
    this.enter();
    const operand = this.parseNot();
    this.nesting -= 1;
    return { kind: "not", operand };
  }

  private parsePrimary(): SearchNode {
    const token = this.peek();
    if (token.kind === "word" || token.kind === "phrase") {
      this.index += 1;
      return {
        kind: "term",
        text: token.text,
        phrase: token.kind === "phrase",
      };
    }
    if (token.kind !== "open") {
      throw syntaxError(
        "search",
        "search term expected",
        token.position,
        this.text,
      );
    }
    this.index += 1;
    this.enter();
    const inner = this.parseOr();
    const close = this.peek();
    if (close.kind !== "close") {
      throw syntaxError("search", "')' expected", close.position, this.text);
    }
    this.index += 1;
    this.nesting -= 1;
    return inner;
  }

  private enter(): void {
    this.nesting += 1;
    if (this.nesting > this.limits.maxFilterDepth) {
      throw depthError("search", this.limits);
    }
  }
}
