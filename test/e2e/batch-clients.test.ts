/**
 * JSON batching end to end: the batch content classes of Microsoft's two
 * JavaScript clients against the service running as a child process over
 * HTTPS. Each batch chains POST, PATCH, GET and DELETE with dependsOn,
 * and every inner response is read through the client's own API.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";

import {
  HttpMethod,
  RequestInformation,
  type Parsable,
  type ParsableFactory,
  type ParseNodeFactoryRegistry,
  type RequestAdapter,
} from "@microsoft/kiota-abstractions";
import {
  BatchRequestContent,
  BatchResponseContent,
  type Client,
} from "@microsoft/microsoft-graph-client";
import {
  createRemoteActionAuditFromDiscriminatorValue,
  serializeRemoteActionAudit,
  type RemoteActionAudit,
} from "@microsoft/msgraph-beta-sdk/models/index.js";
import { createODataErrorFromDiscriminatorValue } from "@microsoft/msgraph-beta-sdk/models/oDataErrors/index.js";
import { BatchRequestContent as KiotaBatchRequestContent } from "@microsoft/msgraph-sdk-core";

import { createTestDatabase, type TestDatabase } from "../helpers/backend.ts";
import { createClassicClient, createKiotaAdapter } from "./helpers/clients.ts";
import { createLocalFetch, type LocalFetch } from "./helpers/local-fetch.ts";
import {
  mintToken,
  startServiceProcess,
  type ServiceProcess,
} from "./helpers/service-process.ts";

const collectionPath = "/deviceManagement/remoteActionAudits";
const dataType =
  "application/json;odata.metadata=minimal;odata.streaming=true;" +
  "IEEE754Compatible=false;charset=utf-8";
const errorMappings = {
  XXX: createODataErrorFromDiscriminatorValue as ParsableFactory<Parsable>,
};

let database: TestDatabase;
let service: ServiceProcess;
let localFetch: LocalFetch;
let client: Client;
let adapter: RequestAdapter;

before(async () => {
  database = await createTestDatabase();
  service = await startServiceProcess({
    dataDir: database.directory,
    db: database.db,
    selfSigned: true,
  });
  localFetch = createLocalFetch(
    readFileSync(join(database.directory, "tls", "self-signed-cert.pem")),
  );
  const token = await mintToken(database.directory);
  client = createClassicClient(service, localFetch, token);
  adapter = createKiotaAdapter(service, localFetch, token);
});

after(async () => {
  await service?.stop("SIGTERM");
  await database.drop();
});

/**
 * Builds a fetch Request for the classic batch content to read. The
 * Request itself is never sent.
 */
function classicRequest(method: string, path: string, body?: unknown) {
  return new Request(`${service.origin}/beta${path}`, {
    method,
    ...(body === undefined
      ? {}
      : {
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify(body),
        }),
  });
}

test("classic batch with a dependency chain", async () => {
  const id = "classic-1";
  const entity = `${collectionPath}/${id}`;
  const batch = new BatchRequestContent([
    {
      id: "1",
      request: classicRequest("POST", collectionPath, {
        id,
        action: "remoteLock",
        requestDateTime: "2024-04-01T12:00:00Z",
      }),
    },
    {
      id: "2",
      request: classicRequest("PATCH", entity, { actionState: "done" }),
      dependsOn: ["1"],
    },
    { id: "3", request: classicRequest("GET", entity), dependsOn: ["2"] },
    { id: "4", request: classicRequest("DELETE", entity), dependsOn: ["3"] },
    { id: "5", request: classicRequest("GET", entity), dependsOn: ["4"] },
  ]);
  const before = localFetch.exchanges.length;
  const content = await batch.getContent();
  const responses = new BatchResponseContent(
    await client.api("/$batch").post(content),
  );

  const sent = localFetch.exchanges.slice(before);
  assert.deepEqual(
    sent.map((exchange) => [exchange.method, exchange.url, exchange.status]),
    [["POST", `${service.origin}/beta/$batch`, 200]],
  );
  // The classic client strips the host and keeps /beta in inner URLs.
  assert.equal(content.requests[0]?.url, `/beta${collectionPath}`);

  const created = responses.getResponseById("1");
  assert.equal(created.status, 201);
  assert.equal(created.headers.get("Content-Type"), dataType);
  assert.equal(
    created.headers.get("Location"),
    `${service.origin}/beta${entity}`,
  );
  const createdBody = await created.json();
  assert.equal(createdBody.id, id);
  assert.equal(createdBody.action, "remoteLock");
  assert.equal(createdBody["@odata.etag"], 'W/"1"');

  const patched = responses.getResponseById("2");
  assert.equal(patched.status, 200);
  assert.equal(patched.headers.get("ETag"), 'W/"2"');
  assert.equal((await patched.json()).actionState, "done");

  const fetched = responses.getResponseById("3");
  assert.equal(fetched.status, 200);
  const fetchedBody = await fetched.json();
  assert.deepEqual(
    [fetchedBody.id, fetchedBody.actionState, fetchedBody["@odata.etag"]],
    [id, "done", 'W/"2"'],
  );

  const deleted = responses.getResponseById("4");
  assert.equal(deleted.status, 204);
  assert.equal(await deleted.text(), "");

  const gone = responses.getResponseById("5");
  assert.equal(gone.status, 404);
  const error = await gone.json();
  assert.equal(error.error.code, "ResourceNotFound");
  assert.equal(error.error.message, `No remoteActionAudit has the id '${id}'.`);
});

test("classic batch reports 424 for a failed dependency", async () => {
  const batch = new BatchRequestContent([
    {
      id: "missing",
      request: classicRequest("PATCH", `${collectionPath}/nobody`, {
        actionState: "done",
      }),
    },
    {
      id: "dependent",
      request: classicRequest("POST", collectionPath, { id: "never" }),
      dependsOn: ["missing"],
    },
  ]);
  const responses = new BatchResponseContent(
    await client.api("/$batch").post(await batch.getContent()),
  );
  assert.equal(responses.getResponseById("missing").status, 404);
  const dependent = responses.getResponseById("dependent");
  assert.equal(dependent.status, 424);
  assert.equal(dependent.headers.get("Content-Type"), "application/json");
  const body = await dependent.json();
  assert.equal(body.error.code, "FailedDependency");
  assert.equal(
    body.error.message,
    "The request was not run because it depends on request 'missing', " +
      "which failed with status 404.",
  );
  const count = await client.api(`${collectionPath}/$count`).get();
  assert.equal(count, "0");
});

test("atomicity group over HTTPS leaves no change", async () => {
  const original = await client
    .api(collectionPath)
    .create({ id: "atomic", actionState: "pending" });
  const response = await client.api("/$batch").post({
    requests: [
      {
        id: "a",
        method: "PATCH",
        url: `${collectionPath}/atomic`,
        atomicityGroup: "g",
        headers: { "Content-Type": "application/json" },
        body: { actionState: "done" },
      },
      {
        id: "b",
        method: "POST",
        url: collectionPath,
        atomicityGroup: "g",
        headers: { "Content-Type": "application/json" },
        body: { id: "atomic-2", deviceIMEI: 7 },
      },
    ],
  });
  const statuses = response.responses.map(
    (inner: { id: string; status: number }) => [inner.id, inner.status],
  );
  assert.deepEqual(statuses, [
    ["a", 424],
    ["b", 400],
  ]);
  const record = await client.api(`${collectionPath}/atomic`).get();
  assert.equal(record.actionState, "pending");
  assert.equal(record["@odata.etag"], original["@odata.etag"]);
  const count = await client.api(`${collectionPath}/$count`).get();
  assert.equal(count, "1");
});

function kiotaRequest(
  method: HttpMethod,
  id?: string,
  body?: RemoteActionAudit,
): RequestInformation {
  const template =
    id === undefined
      ? "{+baseurl}/deviceManagement/remoteActionAudits"
      : "{+baseurl}/deviceManagement/remoteActionAudits/{remoteActionAudit%2Did}";
  const request = new RequestInformation(
    method,
    template,
    id === undefined ? {} : { "remoteActionAudit%2Did": id },
  );
  if (body !== undefined) {
    request.setContentFromParsable(
      adapter,
      "application/json",
      body,
      serializeRemoteActionAudit,
    );
  }
  return request;
}

/** Reads an inner response header from Kiota's untyped node. */
function kiotaHeader(headers: unknown, name: string): unknown {
  const node = headers as { value: Record<string, { value: unknown }> };
  return node.value[name]?.value;
}

test("Kiota batch with base64 bodies", async () => {
  const id = "kiota-batch-1";
  const batch = new KiotaBatchRequestContent(adapter, errorMappings);
  batch.addBatchRequest(
    kiotaRequest(HttpMethod.POST, undefined, {
      id,
      action: "rebootNow",
      requestDateTime: new Date("2024-04-02T08:00:00.000Z"),
    }),
    "1",
  );
  const steps = [
    kiotaRequest(HttpMethod.PATCH, id, { actionState: "failed" }),
    kiotaRequest(HttpMethod.GET, id),
    kiotaRequest(HttpMethod.DELETE, id),
  ];
  steps.forEach((request, index) => {
    const item = batch.addBatchRequest(request, String(index + 2));
    item.dependsOn = [String(index + 1)];
  });

  // msgraph-sdk-core sends request bodies as base64 and no inner headers.
  const serialized = batch.getContent().requests;
  assert.deepEqual(
    serialized.map((item) => [item.id, item.method, item.url, item.headers]),
    [
      ["1", "POST", collectionPath, undefined],
      ["2", "PATCH", `${collectionPath}/${id}`, undefined],
      ["3", "GET", `${collectionPath}/${id}`, undefined],
      ["4", "DELETE", `${collectionPath}/${id}`, undefined],
    ],
  );

  const result = await batch.postAsync();
  assert.ok(result !== undefined);
  const statuses = await result.getResponsesStatusCodes();
  assert.deepEqual(
    [...statuses],
    [
      ["1", 201],
      ["2", 200],
      ["3", 200],
      ["4", 204],
    ],
  );

  const registry = adapter.getParseNodeFactory() as ParseNodeFactoryRegistry;
  const parse = (requestId: string) =>
    result.getParsableResponseById<RemoteActionAudit>(
      requestId,
      registry,
      createRemoteActionAuditFromDiscriminatorValue,
    );
  const created = parse("1");
  assert.equal(created?.id, id);
  assert.equal(created?.action, "rebootNow");
  assert.deepEqual(created?.requestDateTime, new Date("2024-04-02T08:00:00Z"));
  const createdEtag = created?.additionalData?.["@odata.etag"];
  assert.match(String(createdEtag), /^W\/"\d+"$/);
  const createdHeaders = result.getResponseById("1")?.headers;
  assert.equal(kiotaHeader(createdHeaders, "ETag"), createdEtag);
  const patched = parse("2");
  assert.equal(patched?.actionState, "failed");
  const patchedEtag = patched?.additionalData?.["@odata.etag"];
  assert.notEqual(patchedEtag, createdEtag);

  const fetched = result.getResponseById("3");
  assert.equal(kiotaHeader(fetched?.headers, "Content-Type"), dataType);
  assert.equal(kiotaHeader(fetched?.headers, "ETag"), patchedEtag);
  // NOTE: the GET carried no base64 body, so its response body is JSON as
  // OData 4.01 specifies; msgraph-sdk-core 1.0.0-preview.17 reads inner bodies
  // only from base64 strings and leaves this one undefined.
  assert.equal(fetched?.body, undefined);

  const deleted = result.getResponseById("4");
  assert.equal(deleted?.status, 204);
  assert.equal(deleted?.body, undefined);
  assert.equal(kiotaHeader(deleted?.headers, "Content-Type"), undefined);

  const afterDelete = await client
    .api(`${collectionPath}/${id}`)
    .get()
    .catch((error: { statusCode?: number }) => error.statusCode);
  assert.equal(afterDelete, 404);
});
