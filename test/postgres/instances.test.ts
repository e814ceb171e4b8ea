import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import {
  backend,
  createTestDatabase,
  type TestDatabase,
} from "../helpers/backend.ts";
import {
  mintToken,
  startServiceProcess,
  type ServiceProcess,
} from "../e2e/helpers/service-process.ts";
import {
  assertSameRecords,
  listAll,
  randomWriter,
  syncRound,
  type Copy,
  type Send,
} from "../helpers/delta-sync.ts";

const skip =
  backend === "postgres"
    ? false
    : "needs PostgreSQL: run with RAA_TEST_BACKEND=postgres and RAA_TEST_POSTGRES_URL";
const seconds = Number(process.env.RAA_TEST_SECONDS ?? "10") * 2;
const clients = 8;
const recordCount = 40;
const collectionPath = "/beta/deviceManagement/remoteActionAudits";

describe("two instances on one PostgreSQL database", { skip }, () => {
  let database: TestDatabase;
  const instances: ServiceProcess[] = [];
  let token = "";

  before(async () => {
    database = await createTestDatabase();
    const env = { RAA_THROTTLE: "off", RAA_MAX_PAGE_SIZE: "7" };
    // Both start at once, so the migration lock is exercised as well.
    const started = await Promise.all([
      startServiceProcess({
        dataDir: database.directory,
        db: database.db,
        env,
      }),
      startServiceProcess({
        dataDir: database.directory,
        db: database.db,
        env,
      }),
    ]);
    instances.push(...started);
    token = await mintToken(database.directory);
  });
  after(async () => {
    await Promise.all(instances.map((instance) => instance.stop("SIGTERM")));
    await database?.drop();
  });

  async function send(
    instance: ServiceProcess,
    method: string,
    path: string,
    body?: unknown,
  ) {
    const response = await fetch(`${instance.origin}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        "content-type": "application/json",
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return {
      status: response.status,
      json: text === "" ? undefined : JSON.parse(text),
    };
  }

  const sequenceOf = (etag: string) => Number(/\d+/.exec(etag)?.[0]);
  const idOf = (n: number) => `shared-${String(n).padStart(3, "0")}`;

  test("last acknowledged write wins and pages see each record once", async () => {
    const seed = Array.from({ length: recordCount }, (_, n) => ({
      id: idOf(n),
    }));
    const created = await send(instances[0]!, "PATCH", "/beta", seed);
    assert.equal(created.status, 200);

    /** Highest acknowledged ETag sequence and its value, per record. */
    const latest = new Map<string, { seq: number; value: string }>();
    const acknowledge = (id: string, etag: string, value: string) => {
      const seq = sequenceOf(etag);
      const current = latest.get(id);
      if (current === undefined || current.seq < seq)
        latest.set(id, { seq, value });
    };
    let writes = 0;
    const deadline = Date.now() + seconds * 1000;

    await Promise.all(
      Array.from({ length: clients }, async (_, client) => {
        let n = 0;
        while (Date.now() < deadline) {
          const instance = instances[(client + n) % 2]!;
          const value = `c${client}-${n++}`;
          if (n % 3 === 0) {
            // Overlapping bulk writes in different orders.
            const ids = [
              idOf((client * 7 + n) % recordCount),
              idOf((n * 5) % recordCount),
            ];
            const items = [...new Set(ids)].map((id) => ({
              id,
              deviceIMEI: value,
            }));
            const result = await send(instance, "PATCH", collectionPath, items);
            assert.equal(result.status, 200, JSON.stringify(result.json));
            for (const item of result.json.value) {
              acknowledge(item.id, item["@odata.etag"], value);
            }
          } else {
            const id = idOf((client * 13 + n * 3) % recordCount);
            const result = await send(
              instance,
              "PATCH",
              `${collectionPath}/${id}`,
              {
                deviceIMEI: value,
              },
            );
            assert.equal(result.status, 200, JSON.stringify(result.json));
            acknowledge(id, result.json["@odata.etag"], value);
          }
          writes++;
        }
      }),
    );
    assert.ok(writes > 100, `only ${writes} writes ran`);

    for (const instance of instances) {
      const seen = new Map<string, string>();
      let path: string | undefined =
        `${collectionPath}?$orderby=deviceIMEI desc`;
      while (path !== undefined) {
        const page = await send(instance, "GET", path);
        assert.equal(page.status, 200);
        for (const item of page.json.value) {
          assert.equal(seen.has(item.id), false, `${item.id} seen twice`);
          seen.set(item.id, item.deviceIMEI);
        }
        const next: string | undefined = page.json["@odata.nextLink"];
        path =
          next === undefined ? undefined : next.slice(instance.origin.length);
      }
      assert.equal(seen.size, recordCount);
      for (const [id, { value }] of latest) {
        assert.equal(seen.get(id), value, `record ${id}`);
      }
    }
  });

  test("delta through both instances misses no change", async () => {
    /** Sends through one instance; links name the instance that wrote them. */
    const through =
      (instance: ServiceProcess): Send =>
      (method, target, body) => {
        const path = target.startsWith("http")
          ? target.slice(new URL(target).origin.length)
          : target;
        return send(instance, method, path, body);
      };
    const copy: Copy = new Map();
    const deadline = Date.now() + (seconds / 2) * 1000;
    const writing = Promise.all(
      Array.from({ length: clients }, (_, index) =>
        randomWriter(through(instances[index % 2]!), `d${index}`, deadline),
      ),
    );

    let round = 0;
    let link = await syncRound(
      through(instances[0]!),
      copy,
      `${collectionPath}/delta`,
    );
    while (Date.now() < deadline) {
      round++;
      link = await syncRound(through(instances[round % 2]!), copy, link);
    }
    await writing;
    link = await syncRound(through(instances[1]!), copy, link);
    assert.ok(round > 2, `only ${round} rounds ran during the writes`);

    const full = await listAll(through(instances[0]!));
    assertSameRecords(copy, full);
  });
});
