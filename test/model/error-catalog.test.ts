import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { errorStatus } from "../../src/errors.ts";

test("README error table matches the catalog", () => {
  const readme = readFileSync(
    new URL("../../README.md", import.meta.url),
    "utf8",
  );
  const rows = [...readme.matchAll(/^\| (\d{3}) +\| ([A-Za-z]+) +\|/gm)].map(
    (match) => [match[2], Number(match[1])],
  );
  assert.deepEqual(rows, Object.entries(errorStatus));
});
