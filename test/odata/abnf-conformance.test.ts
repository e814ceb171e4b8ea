import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { test } from "node:test";

import {
  noParseLimits,
  parseExpression,
  parseLiteral,
} from "../../src/odata/expression/parser.ts";
import { checkQuerySyntax } from "../../src/odata/expression/query-syntax.ts";
import { parseSearch } from "../../src/odata/expression/search-parser.ts";
import type { LiteralType } from "../../src/odata/expression/syntax.ts";

interface Case {
  readonly id: string;
  readonly rule: string;
  readonly input: string;
  readonly valid: boolean;
  readonly name: string;
}

/**
 * The OASIS cases live in the shared folder beside the repository, or at
 * the path in RAA_ABNF_CASES. A clone without either skips this test.
 */
const casesPath =
  process.env.RAA_ABNF_CASES ??
  fileURLToPath(
    new URL(
      "../../../shared/conformance/odata-abnf-cases.json",
      import.meta.url,
    ),
  );
const cases = existsSync(casesPath)
  ? (JSON.parse(readFileSync(casesPath, "utf8")) as Case[])
  : undefined;

const literalRules: Readonly<Record<string, LiteralType | undefined>> = {
  boolean: "boolean",
  dateTimeOffsetValue: "dateTimeOffset",
  decimalValue: "decimal",
  doubleValue: "double",
  guid: "guid",
  stringLiteral: "string",
  primitiveLiteral: undefined,
};

/** Runs one case through the syntax-only parser of its rule. */
function parseCase(rule: string, input: string): void {
  const decoded = () => decodeURIComponent(input);
  if (rule in literalRules) {
    const type = literalRules[rule];
    if (type === undefined) {
      parseExpression(decoded(), noParseLimits, "literal");
      return;
    }
    parseLiteral(decoded(), type);
    return;
  }
  switch (rule) {
    case "boolCommonExpr":
    case "commonExpr":
    case "firstMemberExpr":
      parseExpression(decoded(), noParseLimits);
      return;
    case "searchExpr":
      parseSearch(decoded(), noParseLimits);
      return;
    default:
      checkQuerySyntax(input);
  }
}

const skip =
  cases === undefined
    ? `the OASIS ABNF cases are not at ${casesPath}; set RAA_ABNF_CASES to the file`
    : false;

test("OASIS ABNF cases parse as expected", { skip }, () => {
  if (cases === undefined) return;
  const failures: string[] = [];
  for (const entry of cases) {
    let error: unknown;
    try {
      parseCase(entry.rule, entry.input);
    } catch (thrown) {
      error = thrown;
    }
    const parsed = error === undefined;
    if (parsed !== entry.valid) {
      const reason = error instanceof Error ? error.message : "parsed";
      failures.push(
        `${entry.id} ${entry.rule} ${JSON.stringify(entry.input)}: ${reason}`,
      );
    }
  }
  const passed = cases.length - failures.length;
  console.log(`ABNF conformance: ${passed} of ${cases.length} cases pass`);
  assert.deepEqual(failures, []);
});
