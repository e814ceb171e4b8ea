import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import {
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  sql,
  type Driver,
} from "kysely";

import { bindFilter } from "../../src/odata/expression/binder.ts";
import { parseExpression } from "../../src/odata/expression/parser.ts";
import { parseSearch } from "../../src/odata/expression/search-parser.ts";
import { defaultLimits } from "../../src/settings.ts";
import { postgresExpressions } from "../../src/sql/dialect/postgres/expression-dialect.ts";
import { sqliteExpressions } from "../../src/sql/dialect/sqlite/expression-dialect.ts";
import { ExpressionCompiler } from "../../src/sql/expression-compiler.ts";
import {
  collectionUrl,
  startTestService,
  type TestService,
} from "../helpers/service.ts";
import { backend } from "../helpers/backend.ts";
import { filterRecords } from "../helpers/filter-records.ts";

/** Expects a 400 with exactly this message from parsing or binding. */
function assertRejected(filter: string, message: string) {
  assert.throws(
    () =>
      bindFilter(
        parseExpression(filter, defaultLimits),
        new Map(),
        defaultLimits,
      ),
    (error: Error) => {
      assert.equal(error.message, message);
      return true;
    },
  );
}

describe("filter syntax errors", () => {
  const cases: [string, string][] = [
    [
      "actionState eq ('done'",
      "Invalid filter clause: ')' expected at position 22 in 'actionState eq ('done''.",
    ],
    [
      "actionState eq 'done",
      "Invalid filter clause: closing quote expected at position 15 in 'actionState eq 'done'.",
    ],
    [
      "actionState eq",
      "Invalid filter clause: unexpected 'eq' at position 12 in 'actionState eq'.",
    ],
    [
      "eq 'done'",
      "Invalid filter clause: unexpected ''done'' at position 3 in 'eq 'done''.",
    ],
    [
      "contains(deviceIMEI, 'x'",
      "Invalid filter clause: ')' or ',' expected at position 24 in 'contains(deviceIMEI, 'x''.",
    ],
    [
      " actionState eq 'done'",
      "Invalid filter clause: an expression expected, not ' ' at position 0 in ' actionState eq 'done''.",
    ],
    ["", "Invalid filter clause: an expression expected at position 0 in ''."],
    [
      "deviceActionDetails/any(d d/key eq 'x')",
      "Invalid filter clause: ':' expected at position 26 in 'deviceActionDetails/any(d d/key eq 'x')'.",
    ],
    [
      "id eq 12abc",
      "Invalid filter clause: invalid number '12a' at position 6 in 'id eq 12abc'.",
    ],
    [
      "any(d: true)",
      "Invalid filter clause: 'any' needs a collection path before it at position 0 in 'any(d: true)'.",
    ],
  ];
  for (const [filter, message] of cases) {
    test(`syntax error in ${JSON.stringify(filter)}`, () =>
      assertRejected(filter, message));
  }

  test("10,000 nested parentheses are a 400", () => {
    const filter = `${"(".repeat(10_000)}true${")".repeat(10_000)}`;
    const limits = { ...defaultLimits, maxFilterLength: 100_000 };
    assert.throws(
      () => parseExpression(filter, limits),
      /nests deeper than the maxFilterDepth setting \(100\) at position 100/,
    );
  });

  test("limits name their settings", () => {
    assert.throws(
      () => parseExpression("x".repeat(5000), defaultLimits),
      /The filter clause has 5000 characters, more than the maxFilterLength setting \(4096\)/,
    );
    const list = Array.from({ length: 501 }, (_, i) => `'${i}'`).join(",");
    assert.throws(
      () => parseExpression(`id in (${list})`, defaultLimits),
      /has 501 values, more than the maxInItems setting \(500\)/,
    );
  });
});

describe("filter binding errors", () => {
  const cases: [string, string][] = [
    [
      "actionstate eq 'done'",
      "Could not find a property named 'actionstate' on type 'microsoft.graph.remoteActionAudit'. Did you mean 'actionState'?",
    ],
    [
      "color eq 'red'",
      "Could not find a property named 'color' on type 'microsoft.graph.remoteActionAudit'.",
    ],
    [
      "actionState eq 'Done'",
      "'Done' is not a member of 'microsoft.graph.actionState'. Members are case-sensitive: none, pending, canceled, active, done, failed, notSupported.",
    ],
    [
      "actionState eq microsoft.graph.remoteAction'remoteLock'",
      "'eq' cannot compare microsoft.graph.actionState with microsoft.graph.remoteAction.",
    ],
    ["deviceIMEI eq 5", "'eq' cannot compare Edm.String with Edm.Int64."],
    [
      "requestDateTime eq '2024-01-01'",
      "'eq' cannot compare Edm.DateTimeOffset with Edm.String.",
    ],
    [
      "deviceIMEI",
      "The $filter expression must be a boolean, not Edm.String. Compare the value, for example with 'eq'.",
    ],
    [
      "contains(deviceIMEI)",
      "The function 'contains' takes 2 arguments, not 1.",
    ],
    [
      "contains(deviceIMEI, 5)",
      "Argument 2 of 'contains' must be Edm.String, not Edm.Int64.",
    ],
    [
      "year(deviceIMEI) eq 2024",
      "Argument 1 of 'year' must be Edm.DateTimeOffset or Edm.Date, not Edm.String.",
    ],
    [
      "frobnicate(id)",
      "Unknown function 'frobnicate'. Supported functions: contains, startswith, endswith, matchespattern, length, indexof, substring, tolower, toupper, trim, concat, year, month, day, hour, minute, second, fractionalseconds, date, time, totaloffsetminutes, now, mindatetime, maxdatetime, floor, ceiling, round.",
    ],
    [
      "deviceIMEI add 1 eq 2",
      "'add' needs numbers, not Edm.String and Edm.Int64.",
    ],
    [
      "id eq @missing",
      "The parameter alias '@missing' has no value. Add '&@missing=<value>' to the query.",
    ],
    [
      "managedDeviceId/any(d: true)",
      "'any' needs a collection; 'managedDeviceId' is not one. The collection of 'microsoft.graph.remoteActionAudit' is 'deviceActionDetails'.",
    ],
    [
      "deviceActionDetails eq null",
      "The collection 'deviceActionDetails' cannot be used as a value. Use 'deviceActionDetails/any(d: …)' or 'deviceActionDetails/all(d: …)'.",
    ],
    [
      "deviceActionDetails/any(d: d/name eq 'x')",
      "The lambda variable 'd' needs a field: 'd/key' or 'd/value'.",
    ],
    [
      "requestDateTime gt 2024-02-30T00:00:00Z",
      "The date and time 2024-02-30T00:00:00Z is outside the supported range: use a valid date in years 0001 to 9999 with at most 7 fractional digits.",
    ],
    [
      "requestDateTime add duration'P1D' gt now()",
      "'add' with a duration works only as <date and time literal or now()> add or sub <duration literal>, such as now() sub duration'P7D'.",
    ],
    [
      "requestDateTime gt now() sub duration'7 days'",
      "The duration '7 days' is invalid. Use ISO 8601 days, hours, minutes and seconds, such as duration'P7D' or duration'PT1H30M'.",
    ],
    [
      "requestDateTime gt now() sub duration'P7W'",
      "The duration 'P7W' is invalid. Use ISO 8601 days, hours, minutes and seconds, such as duration'P7D' or duration'PT1H30M'.",
    ],
    [
      "not deviceIMEI",
      "The operand of 'not' must be a boolean, not Edm.String.",
    ],
    [
      "id in (deviceIMEI)",
      "The values of 'in' must be literals, such as ('done', 'failed').",
    ],
    [
      "requestDateTime gt now() sub duration'P99999999999999D'",
      "The date and time computed with 'sub' is outside years 0001 to 9999.",
    ],
    [
      "requestDateTime lt 2024-01-01T00:00:00Z add duration'PT99999999999999999999S'",
      "The date and time computed with 'add' is outside years 0001 to 9999.",
    ],
    [
      "matchesPattern(deviceDisplayName, '(')",
      "The pattern '(' of 'matchesPattern' is not a valid ECMAScript regular expression (Invalid regular expression: /(/u: Unterminated group). Escape characters such as '(' and '[' with a backslash to match them literally.",
    ],
    [
      "matchesPattern(deviceDisplayName, '^(a+)+$')",
      "The pattern '^(a+)+$' of 'matchesPattern' repeats a group that itself contains a repetition, such as '(a+)+', which can take exponential time. Write it without the nesting, such as 'a+'.",
    ],
    [
      "matchesPattern(deviceDisplayName, '((ab)*c)+')",
      "The pattern '((ab)*c)+' of 'matchesPattern' repeats a group that itself contains a repetition, such as '(a+)+', which can take exponential time. Write it without the nesting, such as 'a+'.",
    ],
    [
      "matchesPattern(deviceDisplayName, '(x{1,})*')",
      "The pattern '(x{1,})*' of 'matchesPattern' repeats a group that itself contains a repetition, such as '(a+)+', which can take exponential time. Write it without the nesting, such as 'a+'.",
    ],
    [
      "matchesPattern(deviceDisplayName, deviceIMEI)",
      "The pattern of 'matchesPattern' must be a string literal or a parameter alias, such as matchesPattern(deviceDisplayName,'^LAB-').",
    ],
  ];
  for (const [filter, message] of cases) {
    test(`binding error in ${JSON.stringify(filter)}`, () =>
      assertRejected(filter, message));
  }

  test("patterns without nested repetition bind", () => {
    const patterns = [
      "^(ab)+$",
      "(lost|stolen)+",
      "\\(a+\\)+",
      "[(+]+x",
      "(a+)?",
      "(ab){1}z*",
      "^[0-9]{15}$",
    ];
    for (const pattern of patterns) {
      const filter = `matchesPattern(deviceDisplayName, '${pattern}')`;
      const bound = bindFilter(
        parseExpression(filter, defaultLimits),
        new Map(),
        defaultLimits,
      );
      assert.equal(bound.kind, "call", pattern);
    }
  });

  test("pattern alias is checked", () => {
    const filter = "matchesPattern(deviceDisplayName, @p)";
    assert.throws(
      () =>
        bindFilter(
          parseExpression(filter, defaultLimits),
          new Map([["p", "'(a*)*'"]]),
          defaultLimits,
        ),
      /repeats a group that itself contains a repetition/,
    );
  });
});

describe("compiled SQL", () => {
  /** A Kysely instance that compiles PostgreSQL SQL without a server. */
  const postgres = new Kysely<Record<string, never>>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => ({}) as Driver,
      createIntrospector: (db) => new PostgresIntrospector(db),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
  });

  function compile(filter: string, compiler: ExpressionCompiler) {
    const bound = bindFilter(
      parseExpression(filter, defaultLimits),
      new Map(),
      defaultLimits,
    );
    return sql`${compiler.condition(bound)}`.compile(postgres);
  }

  test("PostgreSQL text and parameters", () => {
    const compiled = compile(
      "actionState eq 'failed' and contains(tolower(deviceIMEI), 'x%')",
      new ExpressionCompiler(postgresExpressions),
    );
    assert.equal(
      compiled.sql,
      '(("remote_action_audits"."actionState" = cast($1 as integer)) and ' +
        'coalesce((strpos((lower("remote_action_audits"."deviceIMEI" collate "und-x-icu") collate "C"), cast($2 as text)) > 0), false))',
    );
    assert.deepEqual(compiled.parameters, [5, "x%"]);
  });

  test("PostgreSQL lambda, null and ne", () => {
    const compiled = compile(
      "deviceActionDetails/all(d: d/value ne null) and deviceIMEI ne 'a'",
      new ExpressionCompiler(postgresExpressions),
    );
    assert.equal(
      compiled.sql,
      '(not exists (select 1 from jsonb_array_elements("remote_action_audits"."deviceActionDetails") as "d0"(element) ' +
        'where not (("d0"."element" ->> $1) collate "C" is not null)) and ' +
        '(coalesce("remote_action_audits"."deviceIMEI" <> cast($2 as text), false) or ' +
        '(("remote_action_audits"."deviceIMEI" is null) and not ("remote_action_audits"."deviceIMEI" is null and cast($3 as text) is null))))',
    );
    assert.deepEqual(compiled.parameters, ["value", "a", "a"]);
  });

  test("SQLite text and parameters", () => {
    const compiled = compile(
      "startswith(deviceIMEI, '49') and year(requestDateTime) ge 2024",
      new ExpressionCompiler(sqliteExpressions),
    );
    assert.equal(
      compiled.sql,
      '(coalesce((substr("remote_action_audits"."deviceIMEI", 1, length($1)) = $2), 0) and ' +
        '(cast(substr("remote_action_audits"."requestDateTime", 1, 4) as integer) >= $3))',
    );
    assert.deepEqual(compiled.parameters, ["49", "49", 2024n]);
  });
});

describe("queries over HTTP", () => {
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

  const ids = async (query: string, headers = {}) => {
    const response = await service.request({
      url: `${collectionUrl}?$select=id&${query}`,
      headers,
    });
    assert.equal(response.status, 200, response.text);
    return response.json.value.map((item: { id: string }) => item.id);
  };

  test("orderby expressions with paging", async () => {
    const all: string[] = [];
    let url: string | undefined =
      `${collectionUrl}?$select=id&$orderby=length(deviceDisplayName) desc,tolower(deviceDisplayName)`;
    while (url !== undefined) {
      const response = await service.request({
        url,
        headers: { prefer: "odata.maxpagesize=2" },
      });
      assert.equal(response.status, 200, response.text);
      all.push(...response.json.value.map((item: { id: string }) => item.id));
      const next: string | undefined = response.json["@odata.nextLink"];
      url =
        next === undefined
          ? undefined
          : next.slice("https://audits.test".length);
    }
    // Lengths 16, 13, 12, 12, 10, 10; ties broken by lowercase name.
    assert.deepEqual(all, ["a3", "a4", "a1", "a6", "a5", "a2"]);
  });

  test("orderby a condition and an enum", async () => {
    assert.deepEqual(await ids("$orderby=actionState desc"), [
      "a2",
      "a1",
      "a4",
      "a6",
      "a3",
      "a5",
    ]);
    assert.deepEqual(
      await ids("$orderby=contains(deviceDisplayName,'Laptop') desc,id"),
      ["a1", "a6", "a2", "a3", "a4", "a5"],
    );
  });

  test("count applies the filter", async () => {
    const response = await service.request({
      url: `${collectionUrl}/$count?$filter=actionState%20eq%20'failed'%20or%20deviceIMEI%20eq%20null`,
    });
    assert.equal(response.text, "1");
    const listed = await service.request({
      url: `${collectionUrl}?$filter=startswith(managedDeviceId,'dev-')&$count=true&$top=1`,
    });
    assert.equal(listed.json["@odata.count"], 5);
  });

  test("search terms, phrases and operators", async () => {
    assert.deepEqual(await ids("$search=laptop"), ["a1", "a6"]);
    assert.deepEqual(await ids("$search=LAPTOP%20alpha"), ["a1"]);
    assert.deepEqual(await ids("$search=alpha%20OR%20beta"), ["a1", "a2"]);
    assert.deepEqual(await ids('$search="beta phone"'), ["a2"]);
    assert.deepEqual(await ids("$search=laptop%20NOT%20gamma"), ["a1"]);
    assert.deepEqual(await ids("$search=failed"), ["a2"]);
    assert.deepEqual(await ids("$search=FactoryReset"), ["a1", "a6"]);
    assert.deepEqual(await ids("$search=bulk-1"), ["a2", "a3"]);
    assert.deepEqual(await ids("$search=ünï"), ["a4"]);
    assert.deepEqual(await ids("$search=%25"), ["a3"]);
    assert.deepEqual(await ids("$search=(alpha%20OR%20gamma)%20AND%20laptop"), [
      "a1",
      "a6",
    ]);
    assert.deepEqual(
      await ids("$search=laptop&$filter=actionState%20eq%20'done'"),
      ["a1"],
    );
  });

  test("search syntax errors are 400", async () => {
    const response = await service.request({
      url: `${collectionUrl}?$search=%22blue`,
    });
    assert.equal(response.status, 400);
    assert.equal(
      response.json.error.message,
      `Invalid search clause: closing '"' expected at position 0 in '"blue'.`,
    );
    assert.throws(
      () => parseSearch("(a", defaultLimits),
      /'\)' expected at position 2/,
    );
  });

  test("filter errors come back as Graph 400s", async () => {
    const response = await service.request({
      url: `${collectionUrl}?$filter=actionState%20eq%20('done'`,
    });
    assert.equal(response.status, 400);
    assert.equal(response.json.error.code, "BadRequest");
    assert.equal(
      response.json.error.message,
      "Invalid filter clause: ')' expected at position 22 in 'actionState eq ('done''.",
    );
  });

  test("pattern syntax per backend", async () => {
    const filter = encodeURIComponent(
      "matchesPattern(deviceDisplayName,'\\p{L}')",
    );
    const response = await service.request({
      url: `${collectionUrl}?$select=id&$filter=${filter}`,
    });
    if (backend === "sqlite") {
      assert.equal(response.status, 200, response.text);
      return;
    }
    assert.equal(response.status, 400, response.text);
    assert.equal(response.json.error.code, "BadRequest");
    assert.equal(
      response.json.error.message,
      "PostgreSQL rejected the pattern of 'matchesPattern': invalid " +
        "regular expression: invalid escape \\ sequence. Use POSIX " +
        "regular expression syntax on this store.",
    );
  });

  test("injection attempts return 400 or nothing", async () => {
    const attempts = [
      "id eq 'a1'; DROP TABLE remote_action_audits; --'",
      "id eq 'x'' OR 1=1 --'",
      "id eq 'x\u2019 OR \u20181\u2019=\u20181'",
      "deviceIMEI eq '\\' or 1=1 --'",
      "contains(id, ''')--')",
      "id eq 'a1' /* comment */",
      'id eq "a1"',
      "remote_action_audits.id eq 'a1'",
      'id eq \'a1\' or "id" = "id"',
      "id eq 'a1' union select * from remote_action_audit_versions",
      "length(id) eq 2); delete from remote_action_audits where (1 eq 1",
    ];
    for (const filter of attempts) {
      const response = await service.request({
        url: `${collectionUrl}?$select=id&$filter=${encodeURIComponent(filter)}`,
      });
      assert.ok(
        response.status === 400 ||
          (response.status === 200 && response.json.value.length === 0),
        `${filter}: ${response.status} ${response.text}`,
      );
    }
    const count = await service.request({ url: `${collectionUrl}/$count` });
    assert.equal(count.text, String(filterRecords.length));
  });
});
