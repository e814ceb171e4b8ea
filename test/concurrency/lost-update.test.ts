import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import {
  base,
  collectionUrl,
  startTestService,
  type TestService,
} from "../helpers/service.ts";

/** Seconds each concurrent phase runs; the lost-update check needs load. */
const seconds = Number(process.env.RAA_TEST_SECONDS ?? "10");
const clients = 16;

interface Acknowledged {
  readonly etag: number;
  readonly value: string;
}

describe("concurrent writers over HTTP", () => {
  let service: TestService;
  let origin = "";
  let authorization = "";
  before(async () => {
    service = await startTestService({}, { enabled: false });
    origin = await service.app.listen({ port: 0, host: "127.0.0.1" });
    authorization = `Bearer ${await service.token()}`;
  });
  after(() => service.close());

  const url = (id: string) => `${origin}${collectionUrl}/${id}`;

  async function send(
    method: string,
    target: string,
    body?: unknown,
    headers = {},
  ) {
    const response = await fetch(target, {
      method,
      headers: {
        authorization,
        "content-type": "application/json",
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).catch((error) => {
      throw new Error(
        `${method} ${target} failed: ${String(error?.cause ?? error)}`,
      );
    });
    const text = await response.text().catch((error) => {
      throw new Error(`read failed: ${String(error?.cause ?? error)}`);
    });
    return { response, json: text === "" ? undefined : JSON.parse(text) };
  }

  const sequenceOf = (etag: string | null) =>
    Number(/\d+/.exec(etag ?? "")?.[0]);

  async function versionCount(id: string): Promise<number> {
    let count = 0;
    let next: string | undefined = `${origin}/history/remoteActionAudits/${id}`;
    while (next !== undefined) {
      const { json } = await send("GET", next);
      count += json.value.length;
      const link: string | undefined = json["@odata.nextLink"];
      // Links carry the test's public URL; requests stay on this server.
      next = link === undefined ? undefined : link.replace(base, origin);
    }
    return count;
  }

  test("If-Match read-modify-write loses no update", async () => {
    await send("POST", `${origin}${collectionUrl}`, {
      id: "counter",
      deviceIMEI: "0",
    });
    const acknowledged: Acknowledged[] = [];
    let conflicts = 0;
    const deadline = Date.now() + seconds * 1000;

    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (Date.now() < deadline) {
          const read = await send("GET", url("counter"));
          const etag = read.response.headers.get("etag") ?? "";
          const value = String(Number(read.json.deviceIMEI) + 1);
          const write = await send(
            "PATCH",
            url("counter"),
            { deviceIMEI: value },
            {
              "if-match": etag,
            },
          );
          if (write.response.status === 200) {
            const written = write.response.headers.get("etag");
            acknowledged.push({ etag: sequenceOf(written), value });
          } else {
            assert.equal(write.response.status, 412);
            conflicts++;
          }
        }
      }),
    );

    assert.ok(acknowledged.length > 0);
    assert.ok(conflicts > 0, "the run produced no conflicting writes");
    assert.equal(await versionCount("counter"), acknowledged.length + 1);
    const final = await send("GET", url("counter"));
    assert.equal(final.json.deviceIMEI, String(acknowledged.length));
    const last = acknowledged.reduce((a, b) => (a.etag > b.etag ? a : b));
    assert.equal(final.json.deviceIMEI, last.value);
  });

  test("without If-Match the last writer wins", async () => {
    await send("POST", `${origin}${collectionUrl}`, { id: "shared" });
    const acknowledged: Acknowledged[] = [];
    const deadline = Date.now() + seconds * 1000;

    await Promise.all(
      Array.from({ length: clients }, async (_, client) => {
        let n = 0;
        while (Date.now() < deadline) {
          const value = `client-${client}-${n++}`;
          const write = await send("PATCH", url("shared"), {
            deviceIMEI: value,
          });
          assert.equal(write.response.status, 200);
          acknowledged.push({
            etag: sequenceOf(write.response.headers.get("etag")),
            value,
          });
        }
      }),
    );

    const final = await send("GET", url("shared"));
    const last = acknowledged.reduce((a, b) => (a.etag > b.etag ? a : b));
    assert.equal(final.json.deviceIMEI, last.value);
    assert.equal(await versionCount("shared"), acknowledged.length + 1);
  });
});
