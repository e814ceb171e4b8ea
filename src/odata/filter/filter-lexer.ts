/**
 * Splits `$filter` and `$orderby` text into tokens. Literals are recognized
 * here, because their forms overlap with names and operators: `2024-03-01`
 * is a date, not `2024` minus `03`, and `microsoft.graph.actionState'done'`
 * is one enum literal.
 */
import type { ClauseName } from "./query-syntax-error.ts";
import { syntaxError } from "./query-syntax-error.ts";
import type { LiteralKind, LiteralSyntax } from "./filter-syntax.ts";
import {
  scanDate,
  scanDateTimeOffset,
  scanDurationValue,
  scanGuid,
  scanNumber,
  scanString,
  scanTimeOfDay,
  type ScanResult,
} from "./literal-scanner.ts";

export type TokenKind =
  | "identifier"
  | "literal"
  | "alias"
  | "open"
  | "close"
  | "comma"
  | "slash"
  | "colon"
  | "minus"
  | "end";

export interface Token {
  readonly kind: TokenKind;
  /** The token as written. */
  readonly text: string;
  readonly position: number;
  /** Set for `literal` tokens. */
  readonly literal?: LiteralSyntax;
}

const punctuation: Readonly<Record<string, TokenKind>> = {
  "(": "open",
  ")": "close",
  ",": "comma",
  "/": "slash",
  ":": "colon",
};

const identifierPattern =
  /[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Nd}\p{Mn}\p{Mc}\p{Pc}\p{Cf}]*/uy;
const qualifiedNamePattern = new RegExp(
  `${identifierPattern.source}(?:\\.${identifierPattern.source})*`,
  "uy",
);
const guidPattern =
  /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?![\p{L}\p{N}_])/iuy;
const dateTimePrefix = /-?\d{4,}-\d\d-\d\d[Tt]/y;
const datePrefix = /-?\d{4,}-\d\d-\d\d/y;
const timePrefix = /\d\d:\d\d/y;
const specialNumber = /(?:NaN|-INF|INF)(?![\p{L}\p{N}_])/uy;
const numberStart = /[+-]?\d/y;

function matchesAt(pattern: RegExp, text: string, position: number): boolean {
  pattern.lastIndex = position;
  return pattern.test(text);
}

function matchAt(
  pattern: RegExp,
  text: string,
  position: number,
): string | undefined {
  pattern.lastIndex = position;
  return pattern.exec(text)?.[0];
}

/**
 * Reads tokens on demand, so that a syntax error earlier in the text is
 * reported before a lexical error later in it.
 */
export class Lexer {
  private position = 0;

  constructor(
    private readonly text: string,
    private readonly clause: ClauseName,
  ) {}

  next(): Token {
    this.skipWhitespace();
    const start = this.position;
    const char = this.text[start];
    if (char === undefined) return { kind: "end", text: "", position: start };

    const punctuationKind = punctuation[char];
    if (punctuationKind !== undefined) return this.take(punctuationKind, 1);
    if (char === "'") return this.stringLiteral(start);
    if (char === "@") return this.alias(start);
    return this.valueOrName(start, char);
  }

  private skipWhitespace(): void {
    while (
      this.text[this.position] === " " ||
      this.text[this.position] === "\t"
    ) {
      this.position += 1;
    }
  }

  private take(kind: TokenKind, length: number): Token {
    const position = this.position;
    this.position += length;
    return { kind, text: this.text.slice(position, this.position), position };
  }

  private fail(reason: string, position: number): never {
    throw syntaxError(this.clause, reason, position, this.text);
  }

  private literalToken(
    literal: LiteralKind,
    start: number,
    end: number,
    extra: { value?: string; typeName?: string } = {},
  ): Token {
    const text = this.text.slice(start, end);
    this.position = end;
    const node: LiteralSyntax = {
      kind: "literal",
      literal,
      text,
      value: extra.value ?? text,
      position: start,
      ...(extra.typeName === undefined ? {} : { typeName: extra.typeName }),
    };
    return { kind: "literal", text, position: start, literal: node };
  }

  /** Returns the end of a scanned literal or fails with `reason`. */
  private expectScan(result: ScanResult, reason: string): number {
    if (!result.ok) this.fail(reason, result.failAt);
    return result.end;
  }

  private stringLiteral(start: number): Token {
    const end = this.expectScan(
      scanString(this.text, start),
      "unterminated string literal, a closing quote is expected",
    );
    return this.literalToken("string", start, end, {
      value: unquote(this.text.slice(start, end)),
    });
  }

  private alias(start: number): Token {
    const name = matchAt(identifierPattern, this.text, start + 1);
    if (name === undefined) this.fail("alias name expected", start + 1);
    return this.take("alias", name.length + 1);
  }

  private valueOrName(start: number, char: string): Token {
    const { text } = this;
    if (matchesAt(guidPattern, text, start)) {
      const end = this.expectScan(scanGuid(text, start), "invalid GUID");
      return this.literalToken("guid", start, end);
    }
    if (matchesAt(dateTimePrefix, text, start)) {
      const end = this.expectScan(
        scanDateTimeOffset(text, start),
        "invalid DateTimeOffset literal",
      );
      return this.literalToken("dateTimeOffset", start, end);
    }
    if (matchesAt(datePrefix, text, start)) {
      const end = this.expectScan(
        scanDate(text, start),
        "invalid Date literal",
      );
      return this.literalToken("date", start, end);
    }
    if (matchesAt(timePrefix, text, start)) {
      const end = this.expectScan(
        scanTimeOfDay(text, start),
        "invalid TimeOfDay literal",
      );
      return this.literalToken("timeOfDay", start, end);
    }
    if (
      matchesAt(specialNumber, text, start) ||
      matchesAt(numberStart, text, start)
    ) {
      return this.numberLiteral(start);
    }
    if (char === "-") return this.take("minus", 1);
    return this.nameOrTypedLiteral(start, char);
  }

  private numberLiteral(start: number): Token {
    const result = scanNumber(this.text, start);
    const end = this.expectScan(result, "invalid number");
    return this.literalToken(result.shape ?? "integer", start, end);
  }

  private nameOrTypedLiteral(start: number, char: string): Token {
    const qualified = matchAt(qualifiedNamePattern, this.text, start);
    if (qualified === undefined) {
      this.fail(`unexpected character '${char}'`, start);
    }
    const quoteAt = start + qualified.length;
    if (this.text[quoteAt] === "'" && isLiteralPrefix(qualified)) {
      return this.typedLiteral(start, qualified, quoteAt);
    }
    const name = matchAt(identifierPattern, this.text, start) ?? qualified;
    if (name === "null") return this.literalToken("null", start, quoteAt);
    const lower = name.toLowerCase();
    if (lower === "true" || lower === "false") {
      return this.literalToken("boolean", start, start + name.length, {
        value: lower,
      });
    }
    return this.take("identifier", name.length);
  }

  /** `duration'P1D'` or an enum literal `Namespace.Type'member'`. */
  private typedLiteral(start: number, prefix: string, quoteAt: number): Token {
    const end = this.expectScan(
      scanString(this.text, quoteAt),
      "unterminated string literal, a closing quote is expected",
    );
    const value = unquote(this.text.slice(quoteAt, end));
    if (prefix.toLowerCase() === "duration") {
      const body = scanDurationValue(value, 0);
      if (!body.ok || body.end !== value.length) {
        const offset = body.ok ? body.end : body.failAt;
        this.fail("invalid Duration literal", quoteAt + 1 + offset);
      }
      return this.literalToken("duration", start, end, { value });
    }
    if (!prefix.includes(".")) {
      this.fail(`unsupported literal type '${prefix}'`, start);
    }
    return this.literalToken("enum", start, end, { value, typeName: prefix });
  }
}

/**
 * Whether `name'…'` is a typed literal: `duration`, an enum type name
 * (always qualified) or a type this service does not support.
 */
function isLiteralPrefix(name: string): boolean {
  const lower = name.toLowerCase();
  return (
    name.includes(".") ||
    ["duration", "binary", "geography", "geometry"].includes(lower)
  );
}

/** Removes the quotes of a string literal and undoes `''`. */
export function unquote(literal: string): string {
  return literal.slice(1, -1).replaceAll("''", "'");
}
