/**
 * End-to-end tests with Microsoft's classic Graph JavaScript client
 * (`@microsoft/microsoft-graph-client` 3.0.7) against the service running as
 * a child process over HTTPS with its self-signed certificate.
 *
 * The client's default middleware chain is used as built by
 * `MiddlewareFactory.getDefaultMiddlewareChain`, except that its last
 * handler, which calls the global fetch, is replaced by one that calls a
 * fetch trusting the generated certificate.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";

import {
  Client,
  GraphError,
  PageIterator,
  ResponseType,
  type PageCollection,
} from "@microsoft/microsoft-graph-client";

import { createClassicClient } from "./helpers/clients.ts";
import { createLocalFetch, type LocalFetch } from "./helpers/local-fetch.ts";
import {
  mintToken,
  startServiceProcess,
  type ServiceProcess,
} from "./helpers/service-process.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/backend.ts";

const collectionPath = "/deviceManagement/remoteActionAudits";
const pageSize = 5;
const seedCount = 25;
const entityType = "#microsoft.graph.remoteActionAudit";
/** A weak ETag, such as `W/"7"`. */
const weakEtagPattern = /^W\/"[^"]+"$/;

/**
 * Builds the body of seed record `index` (1-based), with values that sort
 * in known orders.
 */
function seedBody(index: number) {
  const states = ["pending", "active", "done", "failed", "canceled"];
  // 7 and 25 are coprime, so the minutes are a permutation of 0..24 and
  // the requestDateTime order differs from the deviceDisplayName order.
  const minute = (index * 7) % seedCount;
  return {
    action: "remoteLock",
    actionState: states[index % states.length],
    requestDateTime: `2024-05-01T08:${String(minute).padStart(2, "0")}:00Z`,
    deviceDisplayName: `device-${String(index).padStart(2, "0")}`,
    deviceIMEI: null,
    deviceOwnerUserPrincipalName: `owner${index}@contoso.com`,
    initiatedByUserPrincipalName: "admin@contoso.com",
    managedDeviceId: `managed-${index}`,
    userName: "admin@contoso.com",
    bulkDeviceActionId: null,
    deviceActionCategory: "single",
    deviceActionDetails: [{ key: "ticket", value: `T-${index}` }],
  };
}

let directory: string;
let database: TestDatabase;
let service: ServiceProcess;
let localFetch: LocalFetch;
let client: Client;
let token: string;
/** Seeded records as the create responses returned them. */
const seeded: Record<string, unknown>[] = [];

before(async () => {
  database = await createTestDatabase();
  directory = database.directory;
  service = await startServiceProcess({
    dataDir: directory,
    db: database.db,
    selfSigned: true,
    env: { RAA_MAX_PAGE_SIZE: String(pageSize) },
  });
  const certificate = readFileSync(
    join(directory, "tls", "self-signed-cert.pem"),
  );
  localFetch = createLocalFetch(certificate);
  token = await mintToken(directory);
  client = createClassicClient(service, localFetch, token);

  for (let index = 1; index <= seedCount; index++) {
    seeded.push(await client.api(collectionPath).create(seedBody(index)));
  }
});

after(async () => {
  await service?.stop("SIGTERM");
  await database.drop();
});

test("create returns the seeded entities", () => {
  assert.equal(seeded.length, seedCount);
  const first = seeded[0]!;
  assert.equal(typeof first.id, "string");
  assert.match(String(first["@odata.etag"]), weakEtagPattern);
  assert.deepEqual(first, {
    "@odata.context":
      `${service.origin}/beta/$metadata#deviceManagement/` +
      `remoteActionAudits/$entity`,
    "@odata.type": entityType,
    "@odata.etag": first["@odata.etag"],
    id: first.id,
    ...seedBody(1),
  });
  const etags = new Set(seeded.map((record) => record["@odata.etag"]));
  assert.equal(etags.size, seedCount, "every record has its own ETag");
});

test("requests carry token and client-request-id", () => {
  const creates = localFetch.exchanges.filter((e) => e.method === "POST");
  assert.equal(creates.length, seedCount);
  for (const exchange of creates) {
    assert.equal(
      exchange.requestHeaders.get("authorization"),
      `Bearer ${token}`,
    );
    const clientRequestId = exchange.requestHeaders.get("client-request-id");
    assert.ok(clientRequestId, "client-request-id is sent");
    assert.equal(
      exchange.responseHeaders.get("client-request-id"),
      clientRequestId,
    );
    assert.match(
      exchange.responseHeaders.get("request-id") ?? "",
      /^[0-9a-f-]{36}$/,
    );
  }
});

test("$count path returns the total", async () => {
  const count: unknown = await client.api(`${collectionPath}/$count`).get();
  assert.equal(count, String(seedCount));
});

test("PageIterator walks every next link", async () => {
  const before = localFetch.exchanges.length;
  const firstPage: PageCollection = await client
    .api(collectionPath)
    .select(["deviceDisplayName", "actionState"])
    .orderby("deviceDisplayName desc")
    .count(true)
    .get();

  assert.equal(firstPage["@odata.count"], seedCount);
  assert.equal(firstPage.value.length, pageSize);
  assert.equal(
    firstPage["@odata.context"],
    `${service.origin}/beta/$metadata#deviceManagement/` +
      `remoteActionAudits(deviceDisplayName,actionState)`,
  );
  const nextLink = firstPage["@odata.nextLink"];
  assert.equal(typeof nextLink, "string");
  assert.ok(
    (nextLink as string).startsWith(
      `${service.origin}/beta/deviceManagement/remoteActionAudits?`,
    ),
    `next link ${nextLink} is absolute and on the service`,
  );

  const seen: Record<string, unknown>[] = [];
  const iterator = new PageIterator(client, firstPage, (item) => {
    seen.push(item as Record<string, unknown>);
    return true;
  });
  await iterator.iterate();
  assert.equal(iterator.isComplete(), true);

  const expected = [...seeded].sort((a, b) =>
    String(b.deviceDisplayName).localeCompare(String(a.deviceDisplayName)),
  );
  assert.deepEqual(
    seen.map((item) => item.id),
    expected.map((item) => item.id),
  );
  assert.equal(new Set(seen.map((item) => item.id)).size, seedCount);
  for (const [index, item] of seen.entries()) {
    const source = expected[index]!;
    assert.deepEqual(item, {
      "@odata.type": entityType,
      "@odata.etag": source["@odata.etag"],
      id: source.id,
      actionState: source.actionState,
      deviceDisplayName: source.deviceDisplayName,
    });
  }

  const pages = localFetch.exchanges.slice(before);
  assert.equal(pages.length, seedCount / pageSize);
  for (const page of pages) {
    assert.equal(page.method, "GET");
    assert.equal(page.status, 200);
    assert.equal(page.requestHeaders.get("authorization"), `Bearer ${token}`);
  }
});

test("$top bounds the walk across pages", async () => {
  const top = 12;
  const before = localFetch.exchanges.length;
  const firstPage: PageCollection = await client
    .api(collectionPath)
    .select("requestDateTime")
    .orderby("requestDateTime")
    .top(top)
    .get();
  assert.equal(firstPage.value.length, pageSize);

  const seen: unknown[] = [];
  const iterator = new PageIterator(client, firstPage, (item) => {
    seen.push(item.id);
    return true;
  });
  await iterator.iterate();

  const expected = [...seeded]
    .sort((a, b) =>
      String(a.requestDateTime).localeCompare(String(b.requestDateTime)),
    )
    .slice(0, top)
    .map((item) => item.id);
  assert.deepEqual(seen, expected);
  // Pages of 5, 5 and 2 records.
  assert.equal(localFetch.exchanges.length - before, 3);
});

test("PageIterator walks delta to its delta link", async () => {
  const firstPage: PageCollection = await client
    .api(`${collectionPath}/delta`)
    .get();
  assert.equal(firstPage.value.length, pageSize);

  const seen: unknown[] = [];
  const iterator = new PageIterator(client, firstPage, (item) => {
    seen.push(item.id);
    return true;
  });
  await iterator.iterate();
  assert.equal(iterator.isComplete(), true);

  const expected = [...seeded].map((item) => String(item.id)).sort();
  assert.deepEqual(seen, expected);
  const deltaLink = iterator.getDeltaLink();
  assert.equal(typeof deltaLink, "string");
  assert.ok(
    (deltaLink as string).startsWith(
      `${service.origin}/beta/deviceManagement/remoteActionAudits/delta?$deltatoken=`,
    ),
    `delta link ${deltaLink} is absolute and on the service`,
  );

  const changes: PageCollection = await client.api(deltaLink as string).get();
  assert.deepEqual(changes.value, []);
  assert.equal(changes["@odata.deltaLink"], deltaLink);
});

test("get returns one entity", async () => {
  const record = seeded[6]!;
  const fetched = await client.api(`${collectionPath}/${record.id}`).get();
  assert.deepEqual(fetched, record);

  const projected = await client
    .api(`${collectionPath}/${record.id}`)
    .select("action")
    .get();
  assert.deepEqual(projected, {
    "@odata.context":
      `${service.origin}/beta/$metadata#deviceManagement/` +
      `remoteActionAudits(action)/$entity`,
    "@odata.type": entityType,
    "@odata.etag": record["@odata.etag"],
    id: record.id,
    action: "remoteLock",
  });
});

test("create answers 201 with Location", async () => {
  const body = {
    id: "classic-created-1",
    action: "factoryReset",
    actionState: "pending",
    requestDateTime: "2024-06-02T10:05:09.1234567+02:00",
    deviceDisplayName: "Kiosk 7",
    deviceActionCategory: "bulk",
    bulkDeviceActionId: "bulk-42",
  };
  const response: Response = await client
    .api(collectionPath)
    .responseType(ResponseType.RAW)
    .create(body);

  assert.equal(response.status, 201);
  assert.equal(
    response.headers.get("location"),
    `${service.origin}/beta/deviceManagement/remoteActionAudits/classic-created-1`,
  );
  const etag = response.headers.get("etag");
  assert.match(etag ?? "", weakEtagPattern);
  assert.deepEqual(await response.json(), {
    "@odata.context":
      `${service.origin}/beta/$metadata#deviceManagement/` +
      `remoteActionAudits/$entity`,
    "@odata.type": entityType,
    "@odata.etag": etag,
    id: "classic-created-1",
    action: "factoryReset",
    actionState: "pending",
    requestDateTime: "2024-06-02T08:05:09.1234567Z",
    deviceDisplayName: "Kiosk 7",
    deviceIMEI: null,
    deviceOwnerUserPrincipalName: null,
    initiatedByUserPrincipalName: null,
    managedDeviceId: null,
    userName: null,
    bulkDeviceActionId: "bulk-42",
    deviceActionCategory: "bulk",
    deviceActionDetails: [],
  });
});

test("update merges the changed properties", async () => {
  const record = seeded[2]!;
  const path = `${collectionPath}/${record.id}`;
  const changes = {
    actionState: "done",
    deviceDisplayName: "renamed device",
    deviceActionDetails: [{ key: "result", value: "locked" }],
  };
  const updated = await client.api(path).update(changes);
  const etag = updated["@odata.etag"];
  assert.match(String(etag), weakEtagPattern);
  assert.notEqual(etag, record["@odata.etag"], "an update changes the ETag");
  const expected = { ...record, ...changes, "@odata.etag": etag };
  assert.deepEqual(updated, expected);
  assert.deepEqual(await client.api(path).get(), expected);
});

test("get after delete throws GraphError 404", async () => {
  const record = seeded[4]!;
  const path = `${collectionPath}/${record.id}`;
  const deleted: unknown = await client.api(path).delete();
  assert.equal(deleted, undefined);
  const deleteExchange = localFetch.exchanges.at(-1)!;
  assert.equal(deleteExchange.method, "DELETE");
  assert.equal(deleteExchange.status, 204);

  const error = await client
    .api(path)
    .get()
    .then(
      () => assert.fail("get of a deleted record succeeded"),
      (reason: unknown) => reason,
    );
  assert.ok(error instanceof GraphError, `got ${String(error)}`);
  const exchange = localFetch.exchanges.at(-1)!;
  const requestId = exchange.responseHeaders.get("request-id");
  assert.equal(exchange.status, 404);
  assert.match(requestId ?? "", /^[0-9a-f-]{36}$/);

  assert.equal(error.statusCode, 404);
  assert.equal(error.code, "ResourceNotFound");
  assert.equal(
    error.message,
    `No remoteActionAudit has the id '${record.id}'.`,
  );
  assert.equal(error.requestId, requestId);
  const body = JSON.parse(error.body as string);
  assert.equal(
    body.innerError["client-request-id"],
    exchange.requestHeaders.get("client-request-id"),
  );
  assert.match(body.innerError.date, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
  assert.ok(
    Math.abs(error.date.getTime() - Date.now()) < 5 * 60 * 1000,
    `innerError.date ${body.innerError.date} is close to now`,
  );
});

test("host outside customHosts gets no token", async () => {
  const anonymous = createClassicClient(service, localFetch, token, null);
  const error = await anonymous
    .api(collectionPath)
    .get()
    .then(
      () => assert.fail("an unauthenticated list succeeded"),
      (reason: unknown) => reason,
    );
  assert.ok(error instanceof GraphError, `got ${String(error)}`);
  const exchange = localFetch.exchanges.at(-1)!;
  assert.equal(exchange.requestHeaders.get("authorization"), null);
  assert.equal(exchange.requestHeaders.get("client-request-id"), null);
  assert.equal(error.statusCode, 401);
  assert.equal(error.code, "InvalidAuthenticationToken");
  assert.equal(error.requestId, exchange.responseHeaders.get("request-id"));
});
