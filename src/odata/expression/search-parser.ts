/**
 * The `$search` grammar of OData 4.01: words, "phrases", AND, OR, NOT and
 * parentheses; juxtaposition means AND. NOT binds tightest, then AND, then
 * OR. A keyword that cannot be an operator in its place is a word, so
 * `$search=OR` searches for "OR". A value in single quotes is one term, as
 * the 4.01 grammar allows for search text that is not an expression.
 */
import { apiErrors } from "../../errors.ts";
import type { ParseLimits, SearchNode } from "./syntax.ts";

type Token =
  | {
      readonly kind: "word" | "phrase";
      readonly text: string;
      readonly position: number;
    }
  | { readonly kind: "open" | "close"; readonly position: number };

function invalid(text: string, reason: string, position: number): Error {
  return apiErrors.badRequest(
    `Invalid search clause: ${reason} at position ${position} in '${text}'.`,
  );
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let position = 0;
  while (position < text.length) {
    const character = text[position] as string;
    if (character === " " || character === "\t") {
      position++;
    } else if (character === "(" || character === ")") {
      tokens.push({ kind: character === "(" ? "open" : "close", position });
      position++;
    } else if (character === '"') {
      const end = text.indexOf('"', position + 1);
      if (end < 0) throw invalid(text, "closing '\"' expected", position);
      const phrase = text.slice(position + 1, end);
      if (phrase === "") throw invalid(text, "empty phrase", position);
      const after = text[end + 1];
      if (after !== undefined && !/[ \t()]/.test(after)) {
        throw invalid(text, "whitespace expected after a phrase", end + 1);
      }
      tokens.push({ kind: "phrase", text: phrase, position });
      position = end + 1;
    } else {
      const word = /[^ \t()"]+/y;
      word.lastIndex = position;
      const found = word.exec(text) as RegExpExecArray;
      tokens.push({ kind: "word", text: found[0], position });
      position = word.lastIndex;
    }
  }
  return tokens;
}

class SearchParser {
  readonly text: string;
  readonly tokens: Token[];
  readonly limits: ParseLimits;
  index = 0;
  depth = 0;

  constructor(text: string, limits: ParseLimits) {
    this.text = text;
    this.tokens = tokenize(text);
    this.limits = limits;
  }

  /** Parses the whole clause; a token left over is an error. */
  parseAll(): SearchNode {
    if (this.tokens.length === 0) {
      throw invalid(this.text, "a search term expected", 0);
    }
    const node = this.parseOr();
    const rest = this.peek();
    if (rest !== undefined) {
      throw invalid(this.text, "unexpected ')'", rest.position);
    }
    return node;
  }

  peek(): Token | undefined {
    return this.tokens[this.index];
  }

  isKeyword(token: Token | undefined, keyword: string): boolean {
    return token?.kind === "word" && token.text === keyword;
  }

  /** Tells whether a term can start at the given token index. */
  startsTerm(index: number): boolean {
    const token = this.tokens[index];
    if (token === undefined || token.kind === "close") return false;
    if (this.isKeyword(token, "AND") || this.isKeyword(token, "OR")) {
      return !this.startsTerm(index + 1);
    }
    return true;
  }

  parseOr(): SearchNode {
    let left = this.parseAnd();
    while (
      this.isKeyword(this.peek(), "OR") &&
      this.startsTerm(this.index + 1)
    ) {
      this.index++;
      left = { kind: "or", left, right: this.parseAnd() };
    }
    return left;
  }

  parseAnd(): SearchNode {
    let left = this.parseNot();
    for (;;) {
      if (
        this.isKeyword(this.peek(), "OR") &&
        this.startsTerm(this.index + 1)
      ) {
        return left;
      }
      if (
        this.isKeyword(this.peek(), "AND") &&
        this.startsTerm(this.index + 1)
      ) {
        this.index++;
      } else if (!this.startsTerm(this.index)) {
        return left;
      }
      left = { kind: "and", left, right: this.parseNot() };
    }
  }

  parseNot(): SearchNode {
    if (this.isKeyword(this.peek(), "NOT") && this.startsTerm(this.index + 1)) {
      this.index++;
      return { kind: "not", operand: this.parseNot() };
    }
    return this.parsePrimary();
  }

  parsePrimary(): SearchNode {
    const token = this.peek();
    if (token === undefined) {
      throw invalid(this.text, "a search term expected", this.text.length);
    }
    if (token.kind === "close") {
      throw invalid(this.text, "unexpected ')'", token.position);
    }
    this.index++;
    if (token.kind === "word" || token.kind === "phrase") {
      return { kind: "term", text: token.text };
    }

    this.depth++;
    if (this.depth > this.limits.maxFilterDepth) {
      throw apiErrors.badRequest(
        `The search clause nests deeper than the maxFilterDepth setting ` +
          `(${this.limits.maxFilterDepth}). Simplify it.`,
      );
    }
    const inner = this.parseOr();
    const close = this.peek();
    if (close?.kind !== "close") {
      throw invalid(
        this.text,
        "')' expected",
        close?.position ?? this.text.length,
      );
    }
    this.index++;
    this.depth--;
    return inner;
  }
}

/** Parses `$search`: `blue OR "dark green"` becomes an or of two terms. */
export function parseSearch(text: string, limits: ParseLimits): SearchNode {
  if (text.length > limits.maxFilterLength) {
    throw apiErrors.badRequest(
      `The search clause has ${text.length} characters, more than the ` +
        `maxFilterLength setting (${limits.maxFilterLength}). Shorten it.`,
    );
  }
  const quoted = /^'((?:[^']|'')*)'$/.exec(text);
  if (quoted !== null) {
    const term = (quoted[1] as string).replace(/''/g, "'");
    if (term === "") throw invalid(text, "empty search term", 0);
    return { kind: "term", text: term };
  }
  return new SearchParser(text, limits).parseAll();
}
