import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { sealToken } from "../../src/odata/skiptoken.ts";
import {
  collectionUrl,
  startTestService,
  type TestService,
} from "../helpers/service.ts";

describe("hostile input", () => {
  let service: TestService;
  before(async () => {
    service = await startTestService();
    const seed = await service.request({
      method: "PATCH",
      url: "/beta",
      payload: [{ id: "victim" }, { id: "archive-remoteActionAudits/victim" }],
    });
    assert.equal(seed.status, 200);
  });
  after(() => service.close());

  const count = async () =>
    Number((await service.request({ url: `${collectionUrl}/$count` })).text);

  test("removed ids are keys, not patterns", async () => {
    const response = await service.request({
      method: "PATCH",
      url: "/beta",
      payload: [{ "@removed": {}, id: "archive-remoteActionAudits/victim" }],
    });
    assert.equal(response.status, 200);
    assert.deepEqual(response.json.value, [
      {
        id: "archive-remoteActionAudits/victim",
        "@removed": { reason: "deleted" },
      },
    ]);
    const victim = await service.request({ url: `${collectionUrl}/victim` });
    assert.equal(victim.status, 200);
  });

  test("unpaired surrogates and U+0000 are rejected", async () => {
    const cases: [unknown, string][] = [
      [
        { deviceDisplayName: "Finance \ud83d laptop" },
        "The value of 'deviceDisplayName' contains an unpaired UTF-16 surrogate (such as \\ud83d without its pair). Send valid Unicode text.",
      ],
      [
        { id: "a\ud800b" },
        "The value of 'id' contains an unpaired UTF-16 surrogate (such as \\ud83d without its pair). Send valid Unicode text.",
      ],
      [
        { userName: "nul\u0000byte" },
        "The value of 'userName' contains the character U+0000, which cannot be stored. Remove it.",
      ],
      [
        { deviceActionDetails: [{ key: "k", value: "\udc00" }] },
        "In 'deviceActionDetails' item 0: The value of 'deviceActionDetails/value' contains an unpaired UTF-16 surrogate (such as \\ud83d without its pair). Send valid Unicode text.",
      ],
    ];
    for (const [payload, message] of cases) {
      const response = await service.request({
        method: "POST",
        url: collectionUrl,
        payload: payload as Record<string, unknown>,
      });
      assert.equal(response.status, 400, JSON.stringify(payload));
      assert.equal(response.json.error.message, message);
    }
    assert.equal(await count(), 1);
  });

  test("U+0000 in the query is a 400", async () => {
    const response = await service.request({
      url: `${collectionUrl}?$filter=id%20eq%20'a%00b'`,
    });
    assert.equal(response.status, 400);
    assert.equal(
      response.json.error.message,
      "The query text 'id%20eq%20%27a%00b%27' contains %00 (U+0000), which no value can hold. Remove it.",
    );
  });

  test("bad percent-encoding in the path is a Graph 400", async () => {
    const response = await service.request({ url: "/beta/%E9%E2" });
    assert.equal(response.status, 400);
    assert.equal(response.headers["content-type"], "application/json");
    assert.match(String(response.headers["request-id"]), /^[0-9a-f-]{36}$/);
    assert.equal(response.json.error.code, "BadRequest");
    assert.equal(
      response.json.error.message,
      "The request URL is malformed. Percent-encode reserved characters.",
    );
  });

  test("forged tokens with valid checksums are 400", async () => {
    const skiptokens = [
      sealToken(null),
      sealToken({ v: 1, f: "x", n: -1, k: [] }),
      sealToken({ v: 1, f: "x", n: 1, k: [{ a: 1 }] }),
      `${Buffer.from("not json").toString("base64url")}.${"x"}`,
    ];
    for (const token of skiptokens) {
      const response = await service.request({
        url: `${collectionUrl}?$skiptoken=${encodeURIComponent(token)}`,
      });
      assert.equal(response.status, 400, token);
    }
    // A snapshot position is valid on PostgreSQL and foreign on SQLite.
    const snapshot = service.store.isChangePosition("1:2:") ? 200 : 400;
    const deltaCases: [string, string, number][] = [
      ["$deltatoken", sealToken({ kind: "delta", since: "abc" }), 400],
      ["$deltatoken", sealToken({ kind: "delta", since: "1:2:" }), snapshot],
      [
        "$deltatoken",
        sealToken({ kind: "delta", since: "1", select: "id" }),
        400,
      ],
      [
        "$deltatoken",
        sealToken({ kind: "delta", since: "1", select: ["nope"] }),
        400,
      ],
      ["$skiptoken", sealToken({ kind: "page", since: 5 }), 400],
      ["$skiptoken", sealToken({ kind: "delta" }), 400],
    ];
    for (const [option, token, status] of deltaCases) {
      const response = await service.request({
        url: `${collectionUrl}/delta?${option}=${encodeURIComponent(token)}`,
      });
      assert.equal(response.status, status, `${option} ${token}`);
    }
  });
});
