import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import {
  base,
  collectionUrl,
  startTestService,
  type TestService,
} from "../helpers/service.ts";

/** Record `n` of the seed set: times spread so that sorting mixes ids. */
function seedRecord(n: number) {
  const minute = (n * 7919) % 2500;
  const time = new Date(Date.UTC(2024, 0, 1) + minute * 60_000);
  return {
    id: `rec-${String(n).padStart(5, "0")}`,
    requestDateTime: time.toISOString(),
    deviceDisplayName: n % 10 === 0 ? null : `device-${n % 37}`,
  };
}

/** Path and query of an absolute next link, for in-process requests. */
function relative(link: string): string {
  assert.ok(link.startsWith(`${base}/beta/`), link);
  return link.slice(base.length);
}

describe("server-driven paging", () => {
  let service: TestService;
  before(async () => {
    service = await startTestService({ maxPageSize: 1000 });
    const seed = Array.from({ length: 2500 }, (_, n) => seedRecord(n));
    const response = await service.request({
      method: "PATCH",
      url: "/beta",
      payload: seed,
    });
    assert.equal(response.status, 200);
  });
  after(() => service.close());

  test("walk sees every stable record once", async () => {
    const seen = new Map<string, number>();
    const deleted = new Set<string>();
    const inserted = new Map<string, ReturnType<typeof seedRecord>>();
    let url: string | undefined =
      `${collectionUrl}?$orderby=deviceDisplayName desc,requestDateTime` +
      `&$top=2100&$select=deviceDisplayName`;
    let pages = 0;
    let extra = 0;

    while (url !== undefined) {
      const response = await service.request({ url });
      assert.equal(response.status, 200, response.text);
      pages++;
      for (const item of response.json.value) {
        seen.set(item.id, (seen.get(item.id) ?? 0) + 1);
      }
      // Change the table between pages: delete some rows not yet sent and
      // some already sent, and insert rows that sort anywhere.
      const changes = [];
      for (let k = 0; k < 20; k++) {
        const victim = `rec-${String((pages * 131 + k * 97) % 2500).padStart(5, "0")}`;
        if (!deleted.has(victim)) {
          changes.push({ id: victim, "@removed": { reason: "deleted" } });
          deleted.add(victim);
        }
        const record = { ...seedRecord(extra++), id: `new-${pages}-${k}` };
        inserted.set(record.id, record);
        changes.push(record);
      }
      const write = await service.request({
        method: "PATCH",
        url: collectionUrl,
        payload: changes,
      });
      assert.equal(write.status, 200, write.text);
      const next: string | undefined = response.json["@odata.nextLink"];
      url = next === undefined ? undefined : relative(next);
    }

    assert.equal(pages, 3);
    const total = [...seen.values()].reduce((sum, n) => sum + n, 0);
    assert.equal(total, 2100);
    for (const [id, times] of seen) assert.equal(times, 1, `${id} seen twice`);

    // Every record that existed throughout and sorts before the last row
    // of the walk must have been seen.
    const stable = Array.from({ length: 2500 }, (_, n) => seedRecord(n)).filter(
      (record) => !deleted.has(record.id),
    );
    const lastSeen = [...seen.keys()]
      .map((id) => inserted.get(id) ?? seedRecord(Number(id.slice(4))))
      .sort(compareWalkOrder)
      .at(-1);
    assert.ok(lastSeen !== undefined);
    const skipped = stable.filter(
      (record) =>
        !seen.has(record.id) && compareWalkOrder(record, lastSeen) < 0,
    );
    assert.deepEqual(skipped, []);
    assert.ok(stable.filter((record) => seen.has(record.id)).length > 1900);
  });

  test("next link is absolute and repeats the options", async () => {
    const response = await service.request({
      url: `${collectionUrl}?$select=id&$orderby=requestDateTime%20desc&$count=true&custom=a%20b`,
      headers: { prefer: "odata.maxpagesize=2" },
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers["preference-applied"], "odata.maxpagesize=2");
    assert.equal(response.json.value.length, 2);
    const link: string = response.json["@odata.nextLink"];
    assert.match(
      link,
      new RegExp(
        `^${base}/beta/deviceManagement/remoteActionAudits\\?` +
          "\\$select=id&\\$orderby=requestDateTime%20desc&\\$count=true" +
          "&custom=a%20b&\\$skiptoken=[A-Za-z0-9_.%-]+$",
      ),
    );
    assert.doesNotMatch(link, /[{} ]/);
    const next = await service.request({
      url: relative(link),
      headers: { prefer: "odata.maxpagesize=2" },
    });
    assert.equal(next.status, 200);
    assert.equal(next.json["@odata.count"], response.json["@odata.count"]);
    assert.notDeepEqual(next.json.value, response.json.value);
  });

  test("altered skiptoken is 400", async () => {
    const first = await service.request({
      url: `${collectionUrl}?$top=3`,
      headers: { prefer: "odata.maxpagesize=1" },
    });
    const link = new URL(first.json["@odata.nextLink"]);
    const token = link.searchParams.get("$skiptoken") ?? "";
    const [payload = "", checksum] = token.split(".");
    const changed = Buffer.from(
      Buffer.from(payload, "base64url").toString().replace('"n":1', '"n":0'),
    ).toString("base64url");
    const response = await service.request({
      url: `${collectionUrl}?$top=3&$skiptoken=${changed}.${checksum}`,
    });
    assert.equal(response.status, 400);
    assert.equal(
      response.json.error.message,
      "The '$skiptoken' value is invalid: it was altered or is not a token " +
        "from this service. Follow the link exactly as returned, " +
        "or start again without it.",
    );
  });

  test("skiptoken with other options is 400", async () => {
    const first = await service.request({
      url: `${collectionUrl}?$top=3`,
      headers: { prefer: "odata.maxpagesize=1" },
    });
    const token = new URL(first.json["@odata.nextLink"]).searchParams.get(
      "$skiptoken",
    );
    const response = await service.request({
      url: `${collectionUrl}?$top=4&$skipToken=${encodeURIComponent(token ?? "")}`,
    });
    assert.equal(response.status, 400);
    assert.equal(
      response.json.error.message,
      "The '$skiptoken' value is invalid: it belongs to a request with " +
        "other query options; keep the options of the first request " +
        "unchanged. Follow the link exactly as returned, or " +
        "start again without it.",
    );
  });

  test("top bounds the walk, not the page", async () => {
    let url: string | undefined = `${collectionUrl}?$top=5&$skip=2`;
    const ids: string[] = [];
    while (url !== undefined) {
      const response = await service.request({
        url,
        headers: { prefer: "odata.maxpagesize=2" },
      });
      ids.push(...response.json.value.map((item: { id: string }) => item.id));
      const next: string | undefined = response.json["@odata.nextLink"];
      url = next === undefined ? undefined : relative(next);
    }
    const all = await service.request({ url: `${collectionUrl}?$top=7` });
    const expected = all.json.value
      .slice(2)
      .map((item: { id: string }) => item.id);
    assert.deepEqual(ids, expected);
  });
});

/** Compares two seed records in the walk's order. */
function compareWalkOrder(
  a: ReturnType<typeof seedRecord>,
  b: ReturnType<typeof seedRecord>,
): number {
  // deviceDisplayName desc puts nulls last, then requestDateTime, then id.
  if (a.deviceDisplayName !== b.deviceDisplayName) {
    if (a.deviceDisplayName === null) return 1;
    if (b.deviceDisplayName === null) return -1;
    return a.deviceDisplayName < b.deviceDisplayName ? 1 : -1;
  }
  if (a.requestDateTime !== b.requestDateTime) {
    return a.requestDateTime < b.requestDateTime ? -1 : 1;
  }
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
