/**
 * Durability of acknowledged writes across a killed process, and graceful
 * shutdown on SIGTERM. Each test starts the service as a child process on
 * the same SQLite file over plain HTTP.
 *
 * NOTE: SIGKILL ends the process without closing the store, so these tests
 * show that a write is committed to the database file (with its WAL) before
 * the response is sent. They do not cover power loss, which also depends on
 * fsync reaching the disk.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { createLocalFetch } from "./helpers/local-fetch.ts";
import {
  mintToken,
  startServiceProcess,
  type ServiceProcess,
} from "./helpers/service-process.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/backend.ts";

const collectionPath = "/beta/deviceManagement/remoteActionAudits";
const localFetch = createLocalFetch();

let directory: string;
let database: TestDatabase;
let token: string;
/** The process the current test talks to. `after` stops it if it still runs. */
let current: ServiceProcess | undefined;

interface JsonResponse {
  readonly status: number;
  readonly headers: Headers;
  /** Parsed body of any shape, so each test asserts its fields. */
  readonly json: any;
}

function start(): Promise<ServiceProcess> {
  return startServiceProcess({
    dataDir: directory,
    db: database.db,
  });
}

async function send(
  service: ServiceProcess,
  method: string,
  path: string,
  body?: unknown,
): Promise<JsonResponse> {
  const headers: Record<string, string> = {
    authorization: `Bearer ${token}`,
  };
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await localFetch.fetch(`${service.origin}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    json: text === "" ? undefined : JSON.parse(text),
  };
}

/** Kills the process with SIGKILL and checks that the signal ended it. */
async function killHard(service: ServiceProcess): Promise<void> {
  service.child.kill("SIGKILL");
  const exit = await service.exited;
  assert.equal(exit.signal, "SIGKILL");
  assert.equal(exit.code, null);
}

/** Builds the single-entity context URL that a process on `origin` writes. */
function entityContext(origin: string): string {
  return `${origin}/beta/$metadata#deviceManagement/remoteActionAudits/$entity`;
}

before(async () => {
  database = await createTestDatabase();
  directory = database.directory;
  current = await start();
  // The first start creates the signing key that the token command reads.
  token = await mintToken(directory);
});

after(async () => {
  await current?.stop("SIGTERM");
  await database.drop();
});

test("create survives SIGKILL after 201", async () => {
  const body = {
    id: "durable-create",
    action: "factoryReset",
    actionState: "active",
    requestDateTime: "2024-02-29T23:59:59.9999999Z",
    deviceDisplayName: "Reception tablet",
    deviceIMEI: "353918056789012",
    deviceOwnerUserPrincipalName: "owner@contoso.com",
    initiatedByUserPrincipalName: "admin@contoso.com",
    managedDeviceId: "b7f0c2de-0000-4000-8000-00000000d001",
    userName: "admin@contoso.com",
    bulkDeviceActionId: "bulk-9",
    deviceActionCategory: "bulk",
    deviceActionDetails: [
      { key: "reason", value: "stolen" },
      { key: "note", value: null },
    ],
  };
  const first = current!;
  const created = await send(first, "POST", collectionPath, body);
  await killHard(first);

  assert.equal(created.status, 201);
  const etag = created.headers.get("etag");
  assert.deepEqual(created.json, {
    "@odata.context": entityContext(first.origin),
    "@odata.type": "#microsoft.graph.remoteActionAudit",
    "@odata.etag": etag,
    ...body,
  });

  current = await start();
  const fetched = await send(
    current,
    "GET",
    `${collectionPath}/durable-create`,
  );
  assert.equal(fetched.status, 200);
  assert.equal(fetched.headers.get("etag"), etag);
  assert.deepEqual(fetched.json, {
    ...created.json,
    "@odata.context": entityContext(current.origin),
  });
});

test("update survives SIGKILL after 200", async () => {
  const first = current!;
  const updated = await send(
    first,
    "PATCH",
    `${collectionPath}/durable-create`,
    { actionState: "done", deviceActionDetails: [] },
  );
  await killHard(first);

  assert.equal(updated.status, 200);
  assert.equal(updated.json.actionState, "done");
  assert.deepEqual(updated.json.deviceActionDetails, []);
  assert.equal(updated.json.deviceDisplayName, "Reception tablet");

  current = await start();
  const fetched = await send(
    current,
    "GET",
    `${collectionPath}/durable-create`,
  );
  assert.equal(fetched.status, 200);
  assert.equal(fetched.headers.get("etag"), updated.headers.get("etag"));
  assert.deepEqual(fetched.json, {
    ...updated.json,
    "@odata.context": entityContext(current.origin),
  });
});

test("delete survives SIGKILL after 204", async () => {
  const first = current!;
  const deleted = await send(
    first,
    "DELETE",
    `${collectionPath}/durable-create`,
  );
  await killHard(first);
  assert.equal(deleted.status, 204);
  assert.equal(deleted.json, undefined);

  current = await start();
  const fetched = await send(
    current,
    "GET",
    `${collectionPath}/durable-create`,
  );
  assert.equal(fetched.status, 404);
  assert.equal(fetched.json.error.code, "ResourceNotFound");
  assert.equal(
    fetched.json.error.message,
    "No remoteActionAudit has the id 'durable-create'.",
  );
});

test("concurrent creates survive SIGKILL", async () => {
  const first = current!;
  const ids = Array.from({ length: 20 }, (_, i) => `durable-batch-${i}`);
  const responses = await Promise.all(
    ids.map((id) =>
      send(first, "POST", collectionPath, { id, deviceDisplayName: id }),
    ),
  );
  await killHard(first);
  for (const response of responses) assert.equal(response.status, 201);

  current = await start();
  const listed = await send(
    current,
    "GET",
    `${collectionPath}?$select=deviceDisplayName&$orderby=id&$count=true`,
  );
  assert.equal(listed.status, 200);
  assert.equal(listed.json["@odata.count"], ids.length);
  assert.deepEqual(
    listed.json.value.map((item: { id: string }) => item.id),
    [...ids].sort(),
  );
});

test("SIGTERM exits 0 and logs stopped", async () => {
  const service = current!;
  const listed = await send(service, "GET", collectionPath);
  assert.equal(listed.status, 200);

  const exit = await service.stop("SIGTERM");
  assert.deepEqual(exit, { code: 0, signal: null });
  const messages = service.logs.map((entry) => entry.msg);
  const stopping = service.logs.find(
    (entry) => entry.msg === "stopping: finishing in-flight requests",
  );
  assert.equal(stopping?.signal, "SIGTERM");
  assert.ok(messages.includes("store closed"), JSON.stringify(messages));
  assert.equal(messages.at(-1), "stopped");
  current = undefined;
});
