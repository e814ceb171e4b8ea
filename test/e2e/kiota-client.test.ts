/**
 * End-to-end tests with Microsoft's Kiota-based beta SDK
 * (`@microsoft/msgraph-beta-sdk` with `@microsoft/msgraph-sdk-core`) against
 * the service running as a child process over HTTPS with its self-signed
 * certificate.
 *
 * The published SDK has the remoteActionAudit models but no request
 * builders under deviceManagement, so each request is a RequestInformation
 * with the URL template a generated builder would use. Parsing, error
 * mapping and paging are the SDK's own.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";

import {
  Headers,
  HttpMethod,
  RequestInformation,
  type ErrorMappings,
  type Parsable,
  type ParsableFactory,
  type RequestAdapter,
} from "@microsoft/kiota-abstractions";
import {
  createRemoteActionAuditCollectionResponseFromDiscriminatorValue,
  createRemoteActionAuditFromDiscriminatorValue,
  serializeRemoteActionAudit,
  type RemoteActionAudit,
  type RemoteActionAuditCollectionResponse,
} from "@microsoft/msgraph-beta-sdk/models/index.js";
import {
  createODataErrorFromDiscriminatorValue,
  type ODataError,
} from "@microsoft/msgraph-beta-sdk/models/oDataErrors/index.js";
import { PageIterator, type PageCollection } from "@microsoft/msgraph-sdk-core";

import { createKiotaAdapter } from "./helpers/clients.ts";
import { createLocalFetch, type LocalFetch } from "./helpers/local-fetch.ts";
import {
  mintToken,
  startServiceProcess,
  type ServiceProcess,
} from "./helpers/service-process.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/backend.ts";

const collectionTemplate =
  "{+baseurl}/deviceManagement/remoteActionAudits" +
  "{?%24top,%24select,%24orderby,%24count,%24skip}";
const entityTemplate =
  "{+baseurl}/deviceManagement/remoteActionAudits/{remoteActionAudit%2Did}" +
  "{?%24select}";
const countTemplate =
  "{+baseurl}/deviceManagement/remoteActionAudits/$count{?%24filter,%24search}";

/**
 * Error mapping of generated Graph request builders: every error status is
 * parsed as an ODataError.
 */
const errorMappings: ErrorMappings = {
  XXX: createODataErrorFromDiscriminatorValue as ParsableFactory<Parsable>,
};

/** The collection response factory, typed as PageIterator expects it. */
const pageFactory =
  createRemoteActionAuditCollectionResponseFromDiscriminatorValue as ParsableFactory<
    PageCollection<RemoteActionAudit>
  >;

const seedCount = 10;
const pageSize = 3;

function listRequest(query: Record<string, unknown>): RequestInformation {
  const request = new RequestInformation(HttpMethod.GET, collectionTemplate);
  request.setQueryStringParametersFromRawObject(query, {
    top: "%24top",
    select: "%24select",
    orderby: "%24orderby",
    count: "%24count",
    skip: "%24skip",
  });
  request.headers.tryAdd("Accept", "application/json");
  return request;
}

function entityRequest(method: HttpMethod, id: string): RequestInformation {
  const request = new RequestInformation(method, entityTemplate, {
    "remoteActionAudit%2Did": id,
  });
  request.headers.tryAdd("Accept", "application/json");
  return request;
}

function seedBody(index: number): RemoteActionAudit {
  return {
    id: `kiota-${String(index).padStart(2, "0")}`,
    action: "rebootNow",
    actionState: index % 2 === 0 ? "done" : "pending",
    requestDateTime: new Date(Date.UTC(2024, 6, 1, 9, 0, 60 - index)),
    deviceDisplayName: `Kiosk ${index}`,
    managedDeviceId: `device-${index}`,
    initiatedByUserPrincipalName: "admin@contoso.com",
    deviceActionCategory: "single",
  };
}

let directory: string;
let database: TestDatabase;
let service: ServiceProcess;
let localFetch: LocalFetch;
let adapter: RequestAdapter;
const created: RemoteActionAudit[] = [];

before(async () => {
  database = await createTestDatabase();
  directory = database.directory;
  service = await startServiceProcess({
    dataDir: directory,
    db: database.db,
    selfSigned: true,
  });
  localFetch = createLocalFetch(
    readFileSync(join(directory, "tls", "self-signed-cert.pem")),
  );
  const token = await mintToken(directory);
  adapter = createKiotaAdapter(service, localFetch, token);

  for (let index = 1; index <= seedCount; index++) {
    const request = new RequestInformation(HttpMethod.POST, collectionTemplate);
    request.headers.tryAdd("Accept", "application/json");
    request.setContentFromParsable(
      adapter,
      "application/json",
      seedBody(index),
      serializeRemoteActionAudit,
    );
    const record = await adapter.send<RemoteActionAudit>(
      request,
      createRemoteActionAuditFromDiscriminatorValue,
      errorMappings,
    );
    assert.ok(record !== undefined, `create ${index} returned a body`);
    created.push(record);
  }
});

after(async () => {
  await service?.stop("SIGTERM");
  await database.drop();
});

/** Awaits a request that must fail and returns the thrown ODataError. */
async function expectODataError(
  sending: Promise<unknown>,
): Promise<ODataError> {
  const reason = await sending.then(
    () => assert.fail("the request succeeded"),
    (error: unknown) => error,
  );
  assert.equal(typeof reason, "object");
  return reason as ODataError;
}

/** A weak ETag, such as `W/"7"`. */
const weakEtagPattern = /^W\/"[^"]+"$/;

function etagOf(record: RemoteActionAudit | undefined): unknown {
  return record?.additionalData?.["@odata.etag"];
}

/** Builds the parsed seed record `index` with the given `@odata.etag`. */
function expectedRecord(index: number, etag: unknown): RemoteActionAudit {
  return {
    additionalData: {
      "@odata.context":
        `${service.origin}/beta/$metadata#deviceManagement/` +
        `remoteActionAudits/$entity`,
      "@odata.etag": etag,
      deviceActionDetails: [],
    },
    odataType: "#microsoft.graph.remoteActionAudit",
    ...seedBody(index),
    deviceIMEI: undefined,
    deviceOwnerUserPrincipalName: undefined,
    userName: undefined,
    bulkDeviceActionId: undefined,
  };
}

test("create parses the 201 entity", () => {
  assert.equal(created.length, seedCount);
  const etag = etagOf(created[0]);
  assert.match(String(etag), weakEtagPattern);
  assert.deepEqual(created[0], expectedRecord(1, etag));

  const exchange = localFetch.exchanges[0]!;
  assert.equal(exchange.method, "POST");
  assert.equal(exchange.status, 201);
  assert.equal(exchange.responseHeaders.get("etag"), etag);
  assert.equal(
    exchange.responseHeaders.get("location"),
    `${service.origin}/beta/deviceManagement/remoteActionAudits/kiota-01`,
  );
  assert.match(
    exchange.requestHeaders.get("authorization") ?? "",
    /^Bearer [\w-]+\.[\w-]+\.[\w-]+$/,
  );
});

test("PageIterator follows next links", async () => {
  const before = localFetch.exchanges.length;
  const headers = new Headers();
  headers.add("Prefer", `odata.maxpagesize=${pageSize}`);
  const request = listRequest({
    select: ["deviceDisplayName", "actionState"],
    orderby: ["requestDateTime"],
    count: true,
  });
  request.headers.addAll(headers);

  const firstPage = await adapter.send<RemoteActionAuditCollectionResponse>(
    request,
    createRemoteActionAuditCollectionResponseFromDiscriminatorValue,
    errorMappings,
  );
  assert.ok(firstPage !== undefined);
  assert.equal(firstPage.odataCount, seedCount);
  assert.equal(firstPage.value?.length, pageSize);
  assert.ok(
    firstPage.odataNextLink?.startsWith(
      `${service.origin}/beta/deviceManagement/remoteActionAudits?`,
    ),
    `next link ${firstPage.odataNextLink} is absolute and on the service`,
  );

  const seen: RemoteActionAudit[] = [];
  const iterator = new PageIterator<RemoteActionAudit>(
    adapter,
    firstPage as PageCollection<RemoteActionAudit>,
    (item) => {
      seen.push(item);
      return true;
    },
    pageFactory,
    errorMappings,
    { headers },
  );
  await iterator.iterate();
  assert.equal(iterator.getPagingState(), "Complete");

  // requestDateTime falls as the seed index rises.
  const expectedIds = created.map((record) => record.id).reverse();
  assert.deepEqual(
    seen.map((item) => item.id),
    expectedIds,
  );
  for (const item of seen) {
    const source = created.find((record) => record.id === item.id)!;
    assert.equal(item.deviceDisplayName, source.deviceDisplayName);
    assert.equal(item.actionState, source.actionState);
    assert.equal(item.action, undefined, "action is not selected");
  }

  const pages = localFetch.exchanges.slice(before);
  assert.equal(pages.length, Math.ceil(seedCount / pageSize));
  for (const page of pages) {
    assert.equal(page.status, 200);
    assert.equal(
      page.requestHeaders.get("prefer"),
      `odata.maxpagesize=${pageSize}`,
    );
    assert.equal(
      page.responseHeaders.get("preference-applied"),
      `odata.maxpagesize=${pageSize}`,
    );
  }
  assert.equal(
    pages[0]!.url,
    `${service.origin}/beta/deviceManagement/remoteActionAudits` +
      `?$select=deviceDisplayName,actionState` +
      `&$orderby=requestDateTime&$count=true`,
  );
});

test("$top and $skip bound the pages", async () => {
  const before = localFetch.exchanges.length;
  const headers = new Headers();
  headers.add("Prefer", `odata.maxpagesize=${pageSize}`);
  const request = listRequest({
    top: 4,
    skip: 2,
    orderby: ["deviceDisplayName desc"],
  });
  request.headers.addAll(headers);
  const firstPage = await adapter.send<RemoteActionAuditCollectionResponse>(
    request,
    createRemoteActionAuditCollectionResponseFromDiscriminatorValue,
    errorMappings,
  );
  assert.ok(firstPage !== undefined);

  const seen: unknown[] = [];
  const iterator = new PageIterator<RemoteActionAudit>(
    adapter,
    firstPage as PageCollection<RemoteActionAudit>,
    (item) => {
      seen.push(item.deviceDisplayName);
      return true;
    },
    pageFactory,
    errorMappings,
    { headers },
  );
  await iterator.iterate();

  // String order: "Kiosk 10" sorts before "Kiosk 2".
  assert.deepEqual(seen, ["Kiosk 7", "Kiosk 6", "Kiosk 5", "Kiosk 4"]);
  assert.equal(localFetch.exchanges.length - before, 2);
});

test("$count returns a number", async () => {
  const request = new RequestInformation(HttpMethod.GET, countTemplate);
  request.headers.tryAdd("Accept", "text/plain;q=0.9");
  const count = await adapter.sendPrimitive<number>(
    request,
    "number",
    errorMappings,
  );
  assert.equal(count, seedCount);
});

test("get returns one entity", async () => {
  const record = await adapter.send<RemoteActionAudit>(
    entityRequest(HttpMethod.GET, "kiota-03"),
    createRemoteActionAuditFromDiscriminatorValue,
    errorMappings,
  );
  assert.deepEqual(record, expectedRecord(3, etagOf(created[2])));
});

test("update merges the sent properties", async () => {
  const request = entityRequest(HttpMethod.PATCH, "kiota-04");
  const changes: RemoteActionAudit = {
    actionState: "failed",
    requestDateTime: new Date("2024-08-09T10:11:12.345Z"),
  };
  request.setContentFromParsable(
    adapter,
    "application/json",
    changes,
    serializeRemoteActionAudit,
  );
  const updated = await adapter.send<RemoteActionAudit>(
    request,
    createRemoteActionAuditFromDiscriminatorValue,
    errorMappings,
  );
  const etag = etagOf(updated);
  assert.match(String(etag), weakEtagPattern);
  assert.notEqual(etag, etagOf(created[3]), "an update changes the ETag");
  assert.equal(localFetch.exchanges.at(-1)!.responseHeaders.get("etag"), etag);
  const expected = { ...expectedRecord(4, etag), ...changes };
  assert.deepEqual(updated, expected);

  const fetched = await adapter.send<RemoteActionAudit>(
    entityRequest(HttpMethod.GET, "kiota-04"),
    createRemoteActionAuditFromDiscriminatorValue,
    errorMappings,
  );
  assert.deepEqual(fetched, expected);
});

test("get after delete raises ODataError 404", async () => {
  await adapter.sendNoResponseContent(
    entityRequest(HttpMethod.DELETE, "kiota-05"),
    errorMappings,
  );
  assert.equal(localFetch.exchanges.at(-1)!.status, 204);

  const error = await expectODataError(
    adapter.send<RemoteActionAudit>(
      entityRequest(HttpMethod.GET, "kiota-05"),
      createRemoteActionAuditFromDiscriminatorValue,
      errorMappings,
    ),
  );
  const exchange = localFetch.exchanges.at(-1)!;
  const requestId = exchange.responseHeaders.get("request-id");
  assert.match(requestId ?? "", /^[0-9a-f-]{36}$/);

  assert.equal(error.responseStatusCode, 404);
  assert.equal(error.errorEscaped?.code, "ResourceNotFound");
  assert.equal(
    error.errorEscaped?.message,
    "No remoteActionAudit has the id 'kiota-05'.",
  );
  assert.equal(error.message, "No remoteActionAudit has the id 'kiota-05'.");
  assert.equal(error.errorEscaped?.innerError?.requestId, requestId);
  // Kiota sends no client-request-id, so the service repeats the request-id.
  assert.equal(exchange.requestHeaders.get("client-request-id"), null);
  assert.equal(error.errorEscaped?.innerError?.clientRequestId, requestId);
  assert.ok(error.errorEscaped?.innerError?.date instanceof Date);
  assert.deepEqual(error.responseHeaders?.["request-id"], [requestId]);
});

test("unknown $select property raises ODataError 400", async () => {
  const error = await expectODataError(
    adapter.send<RemoteActionAuditCollectionResponse>(
      listRequest({ select: ["actionstate"] }),
      createRemoteActionAuditCollectionResponseFromDiscriminatorValue,
      errorMappings,
    ),
  );
  assert.equal(error.responseStatusCode, 400);
  assert.equal(error.errorEscaped?.code, "BadRequest");
  assert.equal(
    error.errorEscaped?.message,
    "Could not find a property named 'actionstate' on type " +
      "'microsoft.graph.remoteActionAudit'. Did you mean 'actionState'?",
  );
});
