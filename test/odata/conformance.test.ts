/**
 * Runs the OASIS OData ABNF cases (a subset kept beside this repository)
 * against the syntax-only parsers. Valid inputs must parse; invalid inputs
 * must raise a syntax error, preferably at the case's `failAt` offset.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

import { ApiError } from "../../src/errors.ts";
import {
  parseFilter,
  parseOrderBy,
} from "../../src/odata/filter/filter-parser.ts";
import {
  parseLiteral,
  type LiteralRule,
} from "../../src/odata/filter/literal-parser.ts";
import { QuerySyntaxError } from "../../src/odata/filter/query-syntax-error.ts";
import { parseSearch } from "../../src/odata/search/search-parser.ts";

interface ConformanceCase {
  readonly id: string;
  readonly rule: string;
  readonly input: string;
  readonly valid: boolean;
  readonly failAt?: number;
  readonly name: string;
}

const casesPath = fileURLToPath(
  new URL("../../../shared/conformance/odata-abnf-cases.json", import.meta.url),
);
const cases = JSON.parse(readFileSync(casesPath, "utf8")) as ConformanceCase[];

/** Decoded text plus, for each decoded character, its offset in the raw text. */
interface Decoded {
  readonly text: string;
  readonly rawOffsets: readonly number[];
}

/** Percent-decodes `raw` as an HTTP server would, keeping offsets. */
function decode(raw: string, rawStart = 0): Decoded {
  let text = "";
  const rawOffsets: number[] = [];
  let index = 0;
  while (index < raw.length) {
    const escapes = /^(?:%[0-9a-fA-F]{2})+/.exec(raw.slice(index));
    const chunk = escapes === null ? (raw[index] as string) : escapes[0];
    const decoded = escapes === null ? chunk : decodeURIComponent(chunk);
    for (const char of decoded) {
      rawOffsets.push(rawStart + index);
      text += char;
      index += char.length * (escapes === null ? 1 : 0);
    }
    if (escapes !== null) index += chunk.length;
  }
  rawOffsets.push(rawStart + raw.length);
  return { text, rawOffsets };
}

/** A syntax failure at an offset of the raw input. */
class RawFailure extends Error {
  constructor(
    readonly rawPosition: number,
    message: string,
  ) {
    super(message);
  }
}

/** Runs `parse` on decoded text and moves any error position to raw text. */
function parseDecoded(decoded: Decoded, parse: (text: string) => unknown) {
  try {
    parse(decoded.text);
  } catch (error) {
    if (error instanceof QuerySyntaxError) {
      const raw = decoded.rawOffsets[error.position] ?? -1;
      throw new RawFailure(raw, error.message);
    }
    throw error;
  }
}

const expressionRules = new Set([
  "boolCommonExpr",
  "commonExpr",
  "firstMemberExpr",
]);
const strict = { strictWhitespace: true };

const optionChecks: Readonly<Record<string, (value: string) => unknown>> = {
  filter: (value) => parseFilter(value, strict),
  orderby: (value) => parseOrderBy(value, strict),
  search: (value) => parseSearch(value),
  top: (value) => checkPattern(value, /^\d+$/, "digits"),
  skip: (value) => checkPattern(value, /^\d+$/, "digits"),
  count: (value) => checkPattern(value, /^(?:true|false)$/i, "true or false"),
  select: (value) => checkSelect(value),
};

function checkPattern(value: string, pattern: RegExp, expected: string): void {
  if (!pattern.test(value)) throw new RawFailure(-1, `${expected} expected`);
}

/**
 * Checks `$select` syntax: `*` or comma-separated paths, where an item may
 * be an operation with a parameter name list. `$select` parsing belongs to
 * the query-options module, so this test carries its own small check.
 */
function checkSelect(value: string): void {
  const name = "[A-Za-z_][A-Za-z0-9_]*";
  const item = `(?:\\*|${name}(?:/${name})*(?:\\(${name}(?:,${name})*\\))?)`;
  checkPattern(value, new RegExp(`^${item}(?:,${item})*$`), "select item");
}

/** Checks one `name=value` component of a query string. */
function checkOption(raw: string, rawStart: number): void {
  const equals = raw.indexOf("=");
  if (equals < 0) throw new RawFailure(rawStart + raw.length, "'=' expected");
  const name = decode(raw.slice(0, equals)).text;
  const value = decode(raw.slice(equals + 1), rawStart + equals + 1);
  if (name.startsWith("@")) {
    parseDecoded(value, (text) => parseFilter(text, strict));
    return;
  }
  const option = /^\$?([A-Za-z]+)/.exec(name);
  const check = optionChecks[option?.[1]?.toLowerCase() ?? ""];
  if (option === null || check === undefined) {
    throw new RawFailure(rawStart, `unknown option '${name}'`);
  }
  if (option[0].length !== name.length) {
    throw new RawFailure(rawStart + option[0].length, "'=' expected");
  }
  parseDecoded(value, check);
}

function checkQuery(input: string): void {
  let start = 0;
  for (const part of input.split("&")) {
    checkOption(part, start);
    start += part.length + 1;
  }
}

function runCase(entry: ConformanceCase): void {
  if (entry.rule === "searchExpr") {
    parseDecoded(decode(entry.input), (text) => parseSearch(text));
  } else if (expressionRules.has(entry.rule)) {
    parseDecoded(decode(entry.input), (text) => parseFilter(text, strict));
  } else if (
    ["queryOptions", "filter", "select", "orderby", "search"].includes(
      entry.rule,
    )
  ) {
    checkQuery(entry.input);
  } else {
    const rule = entry.rule as LiteralRule;
    parseDecoded(decode(entry.input), (text) => parseLiteral(text, rule));
  }
}

const outcomes = {
  passed: 0,
  failed: [] as string[],
  positionMatched: 0,
  invalid: 0,
};

for (const entry of cases) {
  test(`${entry.id} ${entry.rule} ${JSON.stringify(entry.input)}`, () => {
    let failure: unknown;
    try {
      runCase(entry);
    } catch (error) {
      failure = error;
    }
    if (failure !== undefined && !(failure instanceof RawFailure)) {
      // Any other error means a parser bug or a non-syntax rejection.
      assert.ok(failure instanceof ApiError, String(failure));
    }
    const rejected = failure instanceof RawFailure;
    const ok = entry.valid ? failure === undefined : rejected;
    if (ok) outcomes.passed += 1;
    else outcomes.failed.push(entry.id);
    if (!entry.valid && rejected) {
      outcomes.invalid += 1;
      if (failure.rawPosition === entry.failAt) outcomes.positionMatched += 1;
    }
    const detail = failure instanceof Error ? failure.message : "parsed";
    assert.equal(ok, true, `${JSON.stringify(entry.input)}: ${detail}`);
  });
}

test("conformance summary", (t) => {
  t.diagnostic(
    `${outcomes.passed} of ${cases.length} cases pass; ` +
      `${outcomes.positionMatched} of ${outcomes.invalid} rejections ` +
      `are at the expected offset`,
  );
  assert.ok(cases.length >= 155);
  assert.deepEqual(outcomes.failed, []);
});
