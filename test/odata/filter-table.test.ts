import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

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

/** `$filter` text (as it appears in a URL, `%` escapes decoded) → ids. */
export const filterCases: readonly (readonly [string, readonly string[]])[] = [
  // Comparison of strings: case-sensitive, nulls.
  ["deviceDisplayName eq 'Alpha Laptop'", ["a1"]],
  ["deviceDisplayName eq 'alpha laptop'", []],
  ["deviceDisplayName ne 'Alpha Laptop'", ["a2", "a3", "a4", "a5", "a6"]],
  ["deviceIMEI eq null", ["a2"]],
  ["deviceIMEI ne null", ["a1", "a3", "a4", "a5", "a6"]],
  ["null eq deviceIMEI", ["a2"]],
  ["deviceIMEI eq ''", ["a4"]],
  ["deviceIMEI ne '490154203237518'", ["a2", "a3", "a4", "a5"]],
  ["not (deviceIMEI eq '490154203237518')", ["a2", "a3", "a4", "a5"]],
  ["not (deviceIMEI ne null)", ["a2"]],
  ["userName eq initiatedByUserPrincipalName", ["a1", "a4", "a5", "a6"]],
  ["userName ne initiatedByUserPrincipalName", ["a2", "a3"]],
  ["deviceDisplayName gt 'Gamma'", ["a2", "a4", "a5", "a6"]],
  ["deviceDisplayName lt 'B'", ["a1", "a3"]],
  ["deviceDisplayName ge 'beta phone'", ["a2", "a4"]],
  ["deviceDisplayName le '100% Done_Device'", ["a3"]],
  ["deviceOwnerUserPrincipalName gt null", []],
  ["deviceOwnerUserPrincipalName eq 'O''Brien@contoso.com'", ["a2"]],
  ["deviceDisplayName eq 'Ünïcödé Gerät'", ["a4"]],
  ["deviceDisplayName eq 'back\\slash'", ["a5"]],
  ["id eq 'a3'", ["a3"]],
  ["id in ('a1', 'a3', 'zz')", ["a1", "a3"]],
  ["id in ('a1')", ["a1"]],
  ["deviceIMEI in ('12_34', null)", ["a2", "a5"]],
  ["not (deviceIMEI in ('12_34'))", ["a1", "a2", "a3", "a4", "a6"]],
  ["managedDeviceId in ('dev-1','dev-5')", ["a1", "a5", "a6"]],
  // Enums: string and qualified members, ordering by member value.
  ["actionState eq 'failed'", ["a2"]],
  ["actionState eq microsoft.graph.actionState'failed'", ["a2"]],
  ["actionState eq graph.actionState'done'", ["a1"]],
  ["actionState ne 'failed'", ["a1", "a3", "a4", "a5", "a6"]],
  ["actionState gt 'active'", ["a1", "a2"]],
  ["actionState le 'canceled'", ["a3", "a5", "a6"]],
  ["actionState in ('done', 'failed')", ["a1", "a2"]],
  ["action eq 'factoryReset'", ["a1", "a6"]],
  ["action eq 'launchRemoteHelp'", ["a4"]],
  ["action eq 'unknownFutureValue'", []],
  ["action gt 'unknownFutureValue'", ["a4"]],
  ["deviceActionCategory eq 'bulk'", ["a2", "a3"]],
  ["actionState has microsoft.graph.actionState'active'", ["a4"]],
  ["actionState has 'none'", ["a1", "a2", "a3", "a4", "a5", "a6"]],
  ["'failed' eq actionState", ["a2"]],
  // Logical operators, precedence, grouping, mixed case.
  ["actionState eq 'done' or actionState eq 'failed'", ["a1", "a2"]],
  ["action eq 'factoryReset' and actionState eq 'done'", ["a1"]],
  ["action eq 'factoryReset' AND actionState EQ 'done'", ["a1"]],
  ["action Eq 'rebootNow' Or action eQ 'remoteLock'", ["a2", "a3"]],
  [
    "actionState eq 'done' or actionState eq 'failed' and action eq 'rebootNow'",
    ["a1"],
  ],
  [
    "(actionState eq 'done' or actionState eq 'failed') and action eq 'remoteLock'",
    ["a2"],
  ],
  ["not (actionState eq 'done')", ["a2", "a3", "a4", "a5", "a6"]],
  [
    "NOT (actionState eq 'done' or deviceIMEI eq null)",
    ["a3", "a4", "a5", "a6"],
  ],
  ["not not (id eq 'a1')", ["a1"]],
  ["((((id eq 'a2'))))", ["a2"]],
  ["true", ["a1", "a2", "a3", "a4", "a5", "a6"]],
  ["false", []],
  ["true and id eq 'a1'", ["a1"]],
  ["TRUE or false", ["a1", "a2", "a3", "a4", "a5", "a6"]],
  ["not false and id eq 'a6'", ["a6"]],
  // DateTimeOffset: instants whatever the offset, leap second, functions.
  ["requestDateTime eq 2024-03-01T08:00:00Z", ["a1"]],
  ["requestDateTime eq 2024-03-01T10:00:00+02:00", ["a1"]],
  ["requestDateTime eq 2024-03-01T03:00:00-05:00", ["a1"]],
  ["requestDateTime eq 2024-02-29T23:00:00Z", ["a6"]],
  ["requestDateTime eq 2024-03-01T01:00:00+02:00", ["a6"]],
  ["requestDateTime gt 2024-03-01T00:00:00Z", ["a1", "a2"]],
  ["requestDateTime ge 2024-03-01T08:00:00.0000000Z", ["a1", "a2"]],
  ["requestDateTime lt 2024-01-01T00:00:00Z", ["a4", "a5"]],
  ["requestDateTime le 2023-12-31T23:00Z", ["a4", "a5"]],
  ["requestDateTime gt 2024-03-05T23:59:59.9999998Z", ["a2"]],
  ["requestDateTime eq 2024-03-05T23:59:59.9999999Z", ["a2"]],
  ["requestDateTime eq 1972-06-30T23:59:60Z", ["a5"]],
  ["requestDateTime eq 1972-06-30T23:59:59.9999999Z", ["a5"]],
  ["requestDateTime eq 2024-02-29T12:30:15.5Z", ["a3"]],
  ["requestDateTime eq 2024-02-29T12:30:15.500Z", ["a3"]],
  [
    "requestDateTime gt 2024-02-29T12:30:15.4999999Z and requestDateTime lt 2024-02-29T12:30:15.5000001Z",
    ["a3"],
  ],
  ["year(requestDateTime) eq 2024", ["a1", "a2", "a3", "a6"]],
  ["year(requestDateTime) lt 2000", ["a5"]],
  ["month(requestDateTime) eq 2", ["a3", "a6"]],
  ["day(requestDateTime) eq 29", ["a3", "a6"]],
  ["hour(requestDateTime) eq 23", ["a2", "a4", "a5", "a6"]],
  ["minute(requestDateTime) eq 30", ["a3"]],
  ["second(requestDateTime) eq 59", ["a2", "a5"]],
  ["second(requestDateTime) eq 15", ["a3"]],
  ["fractionalseconds(requestDateTime) eq 0.5", ["a3"]],
  ["fractionalseconds(requestDateTime) gt 0.9", ["a2", "a5"]],
  ["date(requestDateTime) eq 2024-03-01", ["a1"]],
  ["date(requestDateTime) eq 2024-02-29", ["a3", "a6"]],
  ["date(requestDateTime) lt 2024-01-01", ["a4", "a5"]],
  ["time(requestDateTime) eq 08:00:00", ["a1"]],
  ["time(requestDateTime) gt 23:00", ["a2", "a5"]],
  ["time(requestDateTime) lt 12:30:15.6", ["a1", "a3"]],
  ["hour(time(requestDateTime)) eq 8", ["a1"]],
  ["year(date(requestDateTime)) eq 2023", ["a4"]],
  [
    "totaloffsetminutes(requestDateTime) eq 0",
    ["a1", "a2", "a3", "a4", "a5", "a6"],
  ],
  ["requestDateTime lt now()", ["a1", "a2", "a3", "a4", "a5", "a6"]],
  ["requestDateTime gt mindatetime()", ["a1", "a2", "a3", "a4", "a5", "a6"]],
  ["requestDateTime lt maxdatetime()", ["a1", "a2", "a3", "a4", "a5", "a6"]],
  [
    "requestDateTime ge 2024-02-01T00:00:00Z and requestDateTime lt 2024-03-01T00:00:00Z",
    ["a3", "a6"],
  ],
  // Durations added to or taken from date and time constants.
  [
    "requestDateTime gt 2024-03-01T09:00:00Z sub duration'PT1H0.5S'",
    ["a1", "a2"],
  ],
  ["requestDateTime eq 2024-03-01T07:00:00Z add duration'PT1H'", ["a1"]],
  [
    "requestDateTime eq 2024-03-05T23:59:59.9999998Z add duration'PT0.0000001S'",
    ["a2"],
  ],
  [
    "requestDateTime lt 2024-03-02T00:00:00Z sub duration'P2DT1H'",
    ["a4", "a5"],
  ],
  [
    "requestDateTime ge now() sub duration'P36500D'",
    ["a1", "a2", "a3", "a4", "a5", "a6"],
  ],
  ["requestDateTime lt 2024-03-01T00:00:00Z add duration'-P1D'", ["a4", "a5"]],
  ["actionState eq microsoft.graph.actionState'5'", ["a2"]],
  // String functions, with wildcard characters taken literally.
  ["contains(deviceDisplayName, 'Laptop')", ["a1", "a6"]],
  ["contains(deviceDisplayName, 'laptop')", []],
  ["contains(deviceDisplayName, '%')", ["a3"]],
  ["contains(deviceDisplayName, '_')", ["a3"]],
  ["contains(deviceIMEI, '_')", ["a5"]],
  ["contains(deviceDisplayName, '\\')", ["a5"]],
  ["contains(deviceDisplayName, '% D')", ["a3"]],
  ["contains(deviceDisplayName, '')", ["a1", "a2", "a3", "a4", "a5", "a6"]],
  ["contains(deviceIMEI, '')", ["a1", "a3", "a4", "a5", "a6"]],
  ["not contains(deviceIMEI, '4')", ["a2", "a3", "a4"]],
  ["contains(deviceOwnerUserPrincipalName, '''')", ["a2"]],
  ["contains(deviceDisplayName, 'ödé')", ["a4"]],
  ["startswith(deviceDisplayName, 'Alpha')", ["a1"]],
  ["startswith(deviceDisplayName, '100%')", ["a3"]],
  ["startswith(deviceDisplayName, '_')", []],
  ["startswith(managedDeviceId, 'dev-')", ["a1", "a2", "a3", "a5", "a6"]],
  ["endswith(deviceDisplayName, 'Laptop')", ["a1", "a6"]],
  ["endswith(deviceDisplayName, '_Device')", ["a3"]],
  ["endswith(deviceDisplayName, '')", ["a1", "a2", "a3", "a4", "a5", "a6"]],
  ["endswith(deviceIMEI, '518')", ["a1", "a6"]],
  ["length(deviceDisplayName) eq 12", ["a1", "a6"]],
  ["length(deviceDisplayName) eq 13", ["a4"]],
  ["length(deviceIMEI) eq 0", ["a4"]],
  ["length(deviceIMEI) gt 5", ["a1", "a3", "a6"]],
  ["indexof(deviceDisplayName, 'Laptop') eq 6", ["a1", "a6"]],
  [
    "indexof(deviceDisplayName, 'zzz') eq -1",
    ["a1", "a2", "a3", "a4", "a5", "a6"],
  ],
  ["indexof(deviceDisplayName, 'A') eq 0", ["a1"]],
  ["substring(deviceDisplayName, 6) eq 'Laptop'", ["a1", "a6"]],
  ["substring(deviceDisplayName, 0, 5) eq 'Alpha'", ["a1"]],
  ["substring(deviceDisplayName, 1, 3) eq 'lph'", ["a1"]],
  [
    "substring(deviceDisplayName, 100) eq ''",
    ["a1", "a2", "a3", "a4", "a5", "a6"],
  ],
  [
    "substring(deviceDisplayName, 2, 0) eq ''",
    ["a1", "a2", "a3", "a4", "a5", "a6"],
  ],
  ["substring(deviceDisplayName, -3, 2) eq 'Al'", ["a1"]],
  ["tolower(deviceDisplayName) eq 'alpha laptop'", ["a1"]],
  ["toupper(deviceDisplayName) eq 'BETA PHONE'", ["a2"]],
  ["tolower(deviceDisplayName) eq 'ünïcödé gerät'", ["a4"]],
  ["toupper(deviceDisplayName) eq 'ÜNÏCÖDÉ GERÄT'", ["a4"]],
  [
    "tolower(initiatedByUserPrincipalName) eq 'admin@contoso.com'",
    ["a1", "a3", "a5", "a6"],
  ],
  ["contains(tolower(deviceDisplayName), 'laptop')", ["a1", "a6"]],
  ["trim(concat(' ', deviceDisplayName)) eq 'beta phone'", ["a2"]],
  ["concat(managedDeviceId, '/x') eq 'dev-3/x'", ["a3"]],
  ["concat(deviceIMEI, 'x') eq 'x'", ["a4"]],
  ["concat(deviceIMEI, 'x') eq null", ["a2"]],
  ["matchesPattern(deviceIMEI, '^[0-9]{15}$')", ["a1", "a3", "a6"]],
  ["matchespattern(deviceDisplayName, 'a.*p')", ["a1", "a2", "a6"]],
  // Arithmetic on numbers from functions.
  ["length(deviceDisplayName) add 1 eq 13", ["a1", "a6"]],
  ["length(deviceDisplayName) sub 2 eq 8", ["a2", "a5"]],
  ["length(deviceDisplayName) mul 2 eq 24", ["a1", "a6"]],
  ["length(deviceDisplayName) div 5 eq 2", ["a1", "a2", "a4", "a5", "a6"]],
  ["length(deviceDisplayName) divby 8 eq 1.25", ["a2", "a5"]],
  ["length(deviceDisplayName) mod 2 eq 1", ["a4"]],
  ["-length(deviceDisplayName) lt -12", ["a3", "a4"]],
  ["length(deviceIMEI) div 0 eq 1", []],
  ["(length(deviceDisplayName) add 3) mod 5 eq 0", ["a1", "a6"]],
  ["floor(length(deviceDisplayName) divby 4) eq 3", ["a1", "a4", "a6"]],
  ["ceiling(length(deviceDisplayName) divby 4) eq 4", ["a3", "a4"]],
  [
    "round(length(deviceDisplayName) divby 4) eq 3",
    ["a1", "a2", "a4", "a5", "a6"],
  ],
  ["length(deviceDisplayName) gt 10.5", ["a1", "a3", "a4", "a6"]],
  ["length(deviceDisplayName) eq 12.0", ["a1", "a6"]],
  ["length(deviceDisplayName) lt INF", ["a1", "a2", "a3", "a4", "a5", "a6"]],
  ["length(deviceDisplayName) gt -INF", ["a1", "a2", "a3", "a4", "a5", "a6"]],
  ["length(deviceDisplayName) gt 1e1", ["a1", "a3", "a4", "a6"]],
  // Lambdas over deviceActionDetails.
  ["deviceActionDetails/any(d: d/key eq 'reason')", ["a1", "a2", "a5", "a6"]],
  [
    "deviceActionDetails/any(d: d/key eq 'reason' and d/value eq 'lost')",
    ["a1", "a5"],
  ],
  ["deviceActionDetails/any(d: d/value eq null)", ["a5"]],
  ["deviceActionDetails/any(d: d/key eq null)", ["a4"]],
  ["deviceActionDetails/any()", ["a1", "a2", "a4", "a5", "a6"]],
  ["not deviceActionDetails/any()", ["a3"]],
  ["deviceActionDetails/all(d: d/key eq 'reason')", ["a1", "a3", "a6"]],
  [
    "deviceActionDetails/all(d: d/value ne null)",
    ["a1", "a2", "a3", "a4", "a6"],
  ],
  [
    "deviceActionDetails/any(d: contains(d/value, 'o'))",
    ["a1", "a2", "a5", "a6"],
  ],
  [
    "deviceActionDetails/any(x: x/key eq 'ticket' and length(x/value) eq 2)",
    ["a2"],
  ],
  ["deviceActionDetails/any(d: d/value eq managedDeviceId)", []],
  [
    "deviceActionDetails/any(d: d/key eq 'reason') and actionState eq 'done'",
    ["a1"],
  ],
  // Parameter aliases.
  ["deviceDisplayName eq @name", ["a1"]],
  ["actionState eq @state", ["a2"]],
  ["contains(deviceDisplayName, @word)", ["a1", "a6"]],
  ["id in @ids", ["a2", "a4"]],
  ["requestDateTime gt @since", ["a1", "a2"]],
];

const aliases = new Map([
  ["name", "'Alpha Laptop'"],
  ["state", "'failed'"],
  ["word", "'Laptop'"],
  ["ids", "('a2','a4')"],
  ["since", "2024-03-01T00:00:00Z"],
]);

function aliasQuery(): string {
  return [...aliases]
    .map(([name, value]) => `@${name}=${encodeURIComponent(value)}`)
    .join("&");
}

describe("filter table", () => {
  let service: TestService;
  before(async () => {
    service = await startTestService({}, { enabled: false });
    const created = await service.request({
      method: "PATCH",
      url: "/beta",
      payload: filterRecords,
    });
    assert.equal(created.status, 200, created.text);
  });
  after(() => service.close());

  test("covers at least 150 expressions", () => {
    assert.ok(filterCases.length >= 150, `${filterCases.length} cases`);
  });

  test("each filter returns its exact ids", async () => {
    const failures: string[] = [];
    for (const [filter, expected] of filterCases) {
      const url =
        `${collectionUrl}?$select=id&$orderby=id&$filter=` +
        `${encodeURIComponent(filter)}&${aliasQuery()}`;
      const response = await service.request({ url });
      const ids =
        response.status === 200
          ? response.json.value.map((item: { id: string }) => item.id)
          : `${response.status} ${response.json?.error?.message}`;
      if (JSON.stringify(ids) !== JSON.stringify(expected)) {
        failures.push(
          `${filter}: ${JSON.stringify(ids)} != ${JSON.stringify(expected)}`,
        );
      }
    }
    assert.deepEqual(failures, []);
  });

  test("in-memory evaluation agrees with the table", async () => {
    const stored = await service.store.list({
      orderBy: [],
      offset: 0,
      limit: 100,
    });
    const now = new Date();
    const failures: string[] = [];
    for (const [filter, expected] of filterCases) {
      const bound = bindFilter(
        parseExpression(filter, defaultLimits),
        aliases,
        defaultLimits,
        now,
      );
      const ids = stored
        .filter((row) => matches(bound, row.record))
        .map((row) => row.record.id);
      if (JSON.stringify(ids) !== JSON.stringify(expected)) {
        failures.push(
          `${filter}: ${JSON.stringify(ids)} != ${JSON.stringify(expected)}`,
        );
      }
    }
    assert.deepEqual(failures, []);
  });

  test("plus in the raw query is a space", async () => {
    const response = await service.request({
      url: `${collectionUrl}?$select=id&$filter=actionState+eq+'failed'`,
    });
    assert.equal(response.status, 200);
    assert.deepEqual(
      response.json.value.map((item: { id: string }) => item.id),
      ["a2"],
    );
  });

  test("offset with an encoded plus", async () => {
    const response = await service.request({
      url: `${collectionUrl}?$select=id&$filter=requestDateTime%20eq%202024-03-01T10:00:00%2B02:00`,
    });
    assert.equal(response.status, 200);
    assert.deepEqual(
      response.json.value.map((item: { id: string }) => item.id),
      ["a1"],
    );
  });
});
