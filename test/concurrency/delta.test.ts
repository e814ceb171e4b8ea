import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import {
  base,
  collectionUrl,
  startTestService,
  type TestService,
} from "../helpers/service.ts";

const writers = 8;
const writeSeconds = Number(process.env.RAA_TEST_SECONDS ?? "10") / 2;

describe("delta sync", () => {
  let service: TestService;
  let origin = "";
  let authorization = "";
  before(async () => {
    service = await startTestService({}, { enabled: false });
    origin = await service.app.listen({ port: 0, host: "127.0.0.1" });
    authorization = `Bearer ${await service.token()}`;
  });
  after(() => service.close());

  /** Sends a request to this server; absolute links are mapped to it. */
  async function send(method: string, target: string, body?: unknown) {
    const local = target.startsWith(base)
      ? target.replace(base, origin)
      : target;
    const response = await fetch(
      local.startsWith("/") ? origin + local : local,
      {
        method,
        headers: {
          authorization,
          "content-type": "application/json",
          prefer: "odata.maxpagesize=7",
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      },
    );
    const text = await response.text();
    return {
      status: response.status,
      json: text === "" ? undefined : JSON.parse(text),
    };
  }

  /** Applies one delta round to the copy; returns the next delta link. */
  async function syncRound(
    copy: Map<string, Record<string, unknown>>,
    start: string,
  ): Promise<string> {
    let link = start;
    for (;;) {
      const page = await send("GET", link);
      assert.equal(page.status, 200, JSON.stringify(page.json));
      for (const item of page.json.value) {
        if (item["@removed"] !== undefined) copy.delete(item.id);
        else copy.set(item.id, item);
      }
      if (page.json["@odata.nextLink"] !== undefined) {
        link = page.json["@odata.nextLink"];
        continue;
      }
      return page.json["@odata.deltaLink"];
    }
  }

  async function writer(index: number, deadline: number) {
    const mine: string[] = [];
    let n = 0;
    while (Date.now() < deadline) {
      const choice = n++ % 5;
      if (choice <= 1 || mine.length === 0) {
        const id = `w${index}-${n}`;
        const created = await send("POST", collectionUrl, {
          id,
          deviceIMEI: "0",
        });
        assert.equal(created.status, 201);
        mine.push(id);
      } else if (choice <= 3) {
        const id = mine[n % mine.length] as string;
        const updated = await send("PATCH", `${collectionUrl}/${id}`, {
          deviceIMEI: String(n),
        });
        assert.equal(updated.status, 200);
      } else {
        const id = mine.splice(n % mine.length, 1)[0] as string;
        const deleted = await send("DELETE", `${collectionUrl}/${id}`);
        assert.equal(deleted.status, 204);
      }
    }
  }

  test("a copy synced during writes equals the full list", async () => {
    for (let i = 0; i < 20; i++) {
      await send("POST", collectionUrl, { id: `seed-${i}` });
    }
    const copy = new Map<string, Record<string, unknown>>();
    const deadline = Date.now() + writeSeconds * 1000;
    const writing = Promise.all(
      Array.from({ length: writers }, (_, index) => writer(index, deadline)),
    );

    let link = await syncRound(copy, `${collectionUrl}/delta`);
    let rounds = 1;
    while (Date.now() < deadline) {
      link = await syncRound(copy, link);
      rounds++;
    }
    await writing;
    await syncRound(copy, link);
    assert.ok(rounds > 2, `only ${rounds} rounds ran during the writes`);

    const full = new Map<string, Record<string, unknown>>();
    let next: string | undefined = `${collectionUrl}?$orderby=id`;
    while (next !== undefined) {
      const page = await send("GET", next);
      for (const item of page.json.value) full.set(item.id, item);
      next = page.json["@odata.nextLink"];
    }
    assert.ok(full.size > 20);
    assert.deepEqual([...copy.keys()].sort(), [...full.keys()].sort());
    for (const [id, record] of full) assert.deepEqual(copy.get(id), record, id);
  });

  test("delta with select, latest and a tampered token", async () => {
    const latest = await send(
      "GET",
      `${collectionUrl}/delta?$deltatoken=latest`,
    );
    assert.deepEqual(latest.json.value, []);
    const link: string = latest.json["@odata.deltaLink"];
    assert.match(link, /\/delta\?\$deltatoken=/);

    await send("PATCH", `${collectionUrl}/seed-1`, { deviceIMEI: "changed" });
    await send("DELETE", `${collectionUrl}/seed-2`);
    const changes = await send("GET", link);
    assert.deepEqual(
      changes.json.value.map((item: { id: string; deviceIMEI?: string }) => [
        item.id,
        item.deviceIMEI ?? null,
      ]),
      [
        ["seed-1", "changed"],
        ["seed-2", null],
      ],
    );
    assert.deepEqual(changes.json.value[1], {
      id: "seed-2",
      "@removed": { reason: "deleted" },
    });

    const selected = await send(
      "GET",
      `${collectionUrl}/microsoft.graph.delta()?$select=deviceIMEI`,
    );
    assert.equal(
      selected.json["@odata.context"],
      `${base}/beta/$metadata#deviceManagement/remoteActionAudits(deviceIMEI)/$delta`,
    );
    assert.deepEqual(Object.keys(selected.json.value[0]).sort(), [
      "@odata.etag",
      "@odata.type",
      "deviceIMEI",
      "id",
    ]);

    const token = new URL(link).searchParams.get("$deltatoken") ?? "";
    const tampered = await send(
      "GET",
      `${collectionUrl}/delta?$deltatoken=${encodeURIComponent(`x${token}`)}`,
    );
    assert.equal(tampered.status, 400);
    assert.equal(
      tampered.json.error.message,
      "The '$deltatoken' value is invalid: it was altered or is not a token " +
        "from this service. Follow the link exactly as returned, or start " +
        "again without it.",
    );
  });
});
