import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import fc from "fast-check";

import { bindFilter } from "../../src/odata/expression/binder.ts";
import { matches } from "../../src/odata/expression/evaluate.ts";
import { parseExpression } from "../../src/odata/expression/parser.ts";
import { defaultLimits } from "../../src/settings.ts";
import {
  collectionUrl,
  startTestService,
  type TestService,
} from "../helpers/service.ts";
import { filterRecords } from "../helpers/filter-records.ts";

const strings = fc.constantFrom(
  "",
  "a",
  "Laptop",
  "%",
  "_",
  "O''Brien",
  "ü",
  "dev-1",
  "x",
  "490",
);
const stringLiteral = strings.map((value) => `'${value}'`);
const stringProperty = fc.constantFrom(
  "deviceDisplayName",
  "deviceIMEI",
  "deviceOwnerUserPrincipalName",
  "initiatedByUserPrincipalName",
  "managedDeviceId",
  "userName",
  "bulkDeviceActionId",
  "id",
);
const stringValue: fc.Arbitrary<string> = fc.oneof(
  stringProperty,
  stringLiteral,
  stringProperty.map((property) => `tolower(${property})`),
  stringProperty.map((property) => `toupper(${property})`),
  fc
    .tuple(stringProperty, fc.integer({ min: -1, max: 6 }))
    .map(([p, n]) => `substring(${p}, ${n})`),
  fc.tuple(stringProperty, stringLiteral).map(([p, s]) => `concat(${p}, ${s})`),
);
const integerValue = fc.oneof(
  fc.integer({ min: -2, max: 20 }).map(String),
  stringProperty.map((property) => `length(${property})`),
  fc
    .tuple(stringProperty, stringLiteral)
    .map(([p, s]) => `indexof(${p}, ${s})`),
  fc.constantFrom(
    "year(requestDateTime)",
    "month(requestDateTime)",
    "second(requestDateTime)",
  ),
);
const operator = fc.constantFrom("eq", "ne", "gt", "ge", "lt", "le");
const states = fc.constantFrom(
  "none",
  "pending",
  "canceled",
  "active",
  "done",
  "failed",
);

const leaf: fc.Arbitrary<string> = fc.oneof(
  fc
    .tuple(stringValue, operator, stringValue)
    .map(([a, op, b]) => `${a} ${op} ${b}`),
  fc
    .tuple(integerValue, operator, integerValue)
    .map(([a, op, b]) => `${a} ${op} ${b}`),
  fc
    .tuple(
      integerValue,
      fc.constantFrom("add", "sub", "mul", "div", "mod"),
      integerValue,
      operator,
      integerValue,
    )
    .map(([a, arith, b, op, c]) => `${a} ${arith} ${b} ${op} ${c}`),
  fc
    .tuple(stringProperty, fc.constantFrom("eq", "ne"))
    .map(([p, op]) => `${p} ${op} null`),
  fc
    .tuple(
      fc.constantFrom("contains", "startswith", "endswith"),
      stringValue,
      stringLiteral,
    )
    .map(([f, a, b]) => `${f}(${a}, ${b})`),
  fc
    .tuple(operator, states)
    .map(([op, state]) => `actionState ${op} '${state}'`),
  fc
    .array(states, { minLength: 1, maxLength: 3 })
    .map((list) => `actionState in (${list.map((s) => `'${s}'`).join(",")})`),
  fc
    .tuple(
      operator,
      fc.constantFrom(
        "2024-03-01T08:00:00Z",
        "2024-03-01T10:00:00+02:00",
        "1972-06-30T23:59:59Z",
      ),
    )
    .map(([op, time]) => `requestDateTime ${op} ${time}`),
  fc
    .tuple(stringLiteral)
    .map(
      ([s]) => `deviceActionDetails/any(d: d/key eq ${s} or d/value eq null)`,
    ),
  fc
    .tuple(stringLiteral)
    .map(([s]) => `deviceActionDetails/all(d: contains(d/value, ${s}))`),
);

const expression: fc.Arbitrary<string> = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc
      .tuple(tie("node"), fc.constantFrom("and", "or"), tie("node"))
      .map(([a, op, b]) => `(${a}) ${op} (${b})`),
    tie("node").map((inner) => `not (${inner})`),
  ),
})).node as fc.Arbitrary<string>;

describe("random filters", () => {
  let service: TestService;
  before(async () => {
    service = await startTestService({}, { enabled: false });
    const created = await service.request({
      method: "PATCH",
      url: "/beta",
      payload: filterRecords,
    });
    assert.equal(created.status, 200);
  });
  after(() => service.close());

  test("SQL and in-memory evaluation agree", async () => {
    const records = (
      await service.store.list({ orderBy: [], offset: 0, limit: 100 })
    ).map((row) => row.record);
    await fc.assert(
      fc.asyncProperty(expression, async (filter) => {
        const bound = bindFilter(
          parseExpression(filter, defaultLimits),
          new Map(),
          defaultLimits,
        );
        const expected = records
          .filter((record) => matches(bound, record))
          .map((r) => r.id)
          .sort();
        const response = await service.request({
          url: `${collectionUrl}?$select=id&$orderby=id&$filter=${encodeURIComponent(filter)}`,
        });
        assert.equal(response.status, 200, `${filter}: ${response.text}`);
        const ids = response.json.value.map((item: { id: string }) => item.id);
        assert.deepEqual(ids, expected, filter);
      }),
      { numRuns: 300, seed: 20261204 },
    );
  });

  test("random query strings never fail the service", async () => {
    const alphabet =
      "$&=()'\",%+@;/\\ -:._*~aAeEfilnoqrstx01289{}[]\u00fc\u2019\u0000";
    const fuzz = fc.oneof(
      fc.string({ unit: fc.constantFrom(...alphabet), maxLength: 60 }),
      fc
        .tuple(
          expression,
          fc.nat({ max: 40 }),
          fc.string({ unit: fc.constantFrom(...alphabet), maxLength: 4 }),
        )
        .map(
          ([filter, at, noise]) =>
            `$filter=${encodeURIComponent(filter.slice(0, at) + noise + filter.slice(at))}`,
        ),
    );
    await fc.assert(
      fc.asyncProperty(fuzz, async (query) => {
        const targets = [
          collectionUrl,
          `${collectionUrl}/$count`,
          `${collectionUrl}/a1`,
        ];
        for (const target of targets) {
          const response = await service.request({ url: `${target}?${query}` });
          assert.ok(
            response.status < 500,
            `${target}?${query}: ${response.status} ${response.text}`,
          );
        }
      }),
      { numRuns: 300, seed: 4242 },
    );
    const count = await service.request({ url: `${collectionUrl}/$count` });
    assert.equal(count.text, String(filterRecords.length));
    const a1 = await service.request({ url: `${collectionUrl}/a1` });
    assert.equal(a1.json.deviceIMEI, "490154203237518");
  });
});
