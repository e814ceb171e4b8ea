import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import {
  base,
  collectionUrl,
  startTestService,
  type TestService,
} from "../helpers/service.ts";
import {
  assertSameRecords,
  listAll,
  randomWriter,
  syncRound,
  type Copy,
} from "../helpers/delta-sync.ts";

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

  test("a copy synced during writes equals the full list", async () => {
    for (let i = 0; i < 20; i++) {
      await send("POST", collectionUrl, { id: `seed-${i}` });
    }
    const copy: Copy = new Map();
    const deadline = Date.now() + writeSeconds * 1000;
    const writing = Promise.all(
      Array.from({ length: writers }, (_, index) =>
        randomWriter(send, `w${index}`, deadline),
      ),
    );

    let link = await syncRound(send, copy, `${collectionUrl}/delta`);
    let rounds = 1;
    while (Date.now() < deadline) {
      link = await syncRound(send, copy, link);
      rounds++;
    }
    await writing;
    await syncRound(send, copy, link);
    assert.ok(rounds > 2, `only ${rounds} rounds ran during the writes`);

    const full = await listAll(send);
    assert.ok(full.size > 20);
    assertSameRecords(copy, full);
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
