/**
 * Parses one literal of a named ABNF rule, for callers that receive a bare
 * value rather than an expression (and for the ABNF conformance test).
 */
import { Lexer } from "./filter-lexer.ts";
import type { LiteralSyntax } from "./filter-syntax.ts";
import {
  scanDateTimeOffset,
  scanGuid,
  scanNumber,
  scanString,
  type ScanResult,
} from "./literal-scanner.ts";
import { syntaxError } from "./query-syntax-error.ts";

export type LiteralRule =
  | "stringLiteral"
  | "dateTimeOffsetValue"
  | "guid"
  | "boolean"
  | "decimalValue"
  | "doubleValue"
  | "primitiveLiteral";

type RuleScanner = (text: string) => ScanResult;

const booleanWords = ["true", "false"];

function scanBoolean(text: string): ScanResult {
  const lower = text.toLowerCase();
  const word = booleanWords.find((candidate) => lower.startsWith(candidate));
  return word === undefined
    ? { ok: false, failAt: 0 }
    : { ok: true, end: word.length };
}

const ruleScanners: Readonly<
  Record<Exclude<LiteralRule, "primitiveLiteral">, RuleScanner>
> = {
  stringLiteral: (text) => scanString(text, 0),
  dateTimeOffsetValue: (text) => scanDateTimeOffset(text, 0),
  guid: (text) => scanGuid(text, 0),
  boolean: scanBoolean,
  decimalValue: (text) => scanNumber(text, 0),
  doubleValue: (text) => scanNumber(text, 0),
};

/**
 * Checks that the whole of `text` is one literal of `rule`. Throws a
 * `QuerySyntaxError` at the first character that does not fit.
 */
export function parseLiteral(text: string, rule: LiteralRule): void {
  if (rule === "primitiveLiteral") {
    parsePrimitiveLiteral(text);
    return;
  }
  const result = ruleScanners[rule](text);
  if (!result.ok) {
    throw syntaxError("filter", `invalid ${rule}`, result.failAt, text);
  }
  if (result.end !== text.length) {
    throw syntaxError("filter", "end of literal expected", result.end, text);
  }
}

/** Parses any single literal, such as `4.0` or `'text'`, into its node. */
export function parsePrimitiveLiteral(text: string): LiteralSyntax {
  const lexer = new Lexer(text, "filter");
  const token = lexer.next();
  if (token.kind !== "literal" || token.literal === undefined) {
    throw syntaxError("filter", "literal expected", token.position, text);
  }
  const end = lexer.next();
  if (end.kind !== "end") {
    throw syntaxError("filter", "end of literal expected", end.position, text);
  }
  return token.literal;
}
