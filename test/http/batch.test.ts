import assert from "node:assert/strict";
import {
  after,
  afterEach,
  before,
  beforeEach,
  describe,
  test,
} from "node:test";

import {
  base,
  capturedLogger,
  collectionUrl,
  startTestService,
  type TestResponse,
  type TestService,
} from "../helpers/service.ts";

const batchUrl = "/beta/$batch";
const collection = "/deviceManagement/remoteActionAudits";
const dataType =
  "application/json;odata.metadata=minimal;odata.streaming=true;" +
  "IEEE754Compatible=false;charset=utf-8";
const uuidPattern =
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const readOnly = "DeviceManagementManagedDevices.Read.All";

type Inner = Record<string, unknown>;

function sendBatch(
  service: TestService,
  requests: unknown,
  headers: Record<string, string> = {},
): Promise<TestResponse> {
  return service.request({
    method: "POST",
    url: batchUrl,
    headers,
    payload: { requests } as Record<string, unknown>,
  });
}

/** The JSON of a record as the service returns it. */
function recordJson(
  fields: Record<string, unknown>,
  etag: string,
  context = true,
): Record<string, unknown> {
  return {
    ...(context
      ? {
          "@odata.context":
            `${base}/beta/$metadata#deviceManagement/` +
            `remoteActionAudits/$entity`,
        }
      : {}),
    "@odata.type": "#microsoft.graph.remoteActionAudit",
    "@odata.etag": etag,
    id: "",
    action: "unknown",
    actionState: "none",
    requestDateTime: "",
    deviceDisplayName: null,
    deviceIMEI: null,
    deviceOwnerUserPrincipalName: null,
    initiatedByUserPrincipalName: null,
    managedDeviceId: null,
    userName: null,
    bulkDeviceActionId: null,
    deviceActionCategory: "single",
    deviceActionDetails: [],
    ...fields,
  };
}

/** A Graph error body as an inner response carries it. */
function errorJson(
  code: string,
  message: string,
  inner: Inner,
): Record<string, unknown> {
  const headers = inner.headers as Record<string, string>;
  const body = inner.body as { error?: { innerError?: { date?: string } } };
  return {
    error: {
      code,
      message,
      innerError: {
        date: body?.error?.innerError?.date,
        "request-id": headers["request-id"],
        "client-request-id": headers["client-request-id"],
      },
    },
  };
}

/**
 * Asserts one inner response exactly. Its request-id is a fresh GUID,
 * echoed as client-request-id; `headers` lists the other headers.
 */
function assertInner(
  inner: Inner | undefined,
  expected: {
    id: string;
    status: number;
    headers: Record<string, string>;
    body?: unknown;
    atomicityGroup?: string;
  },
) {
  assert.ok(inner !== undefined, `response ${expected.id} is present`);
  const headers = inner.headers as Record<string, string>;
  const requestId = headers["request-id"];
  assert.match(String(requestId), uuidPattern);
  assert.deepEqual(inner, {
    id: expected.id,
    status: expected.status,
    headers: {
      "request-id": requestId,
      "client-request-id": headers["client-request-id"] ?? requestId,
      "OData-Version": "4.0",
      ...expected.headers,
    },
    ...(expected.body === undefined ? {} : { body: expected.body }),
    ...(expected.atomicityGroup === undefined
      ? {}
      : { atomicityGroup: expected.atomicityGroup }),
  });
}

function byId(response: TestResponse): Map<string, Inner> {
  const responses = response.json.responses as Inner[];
  return new Map(responses.map((inner) => [String(inner.id), inner]));
}

function assertBatchOk(response: TestResponse, count: number) {
  assert.equal(response.status, 200, response.text);
  assert.equal(response.headers["content-type"], dataType);
  assert.deepEqual(Object.keys(response.json), ["responses"]);
  assert.equal(response.json.responses.length, count);
}

/** Asserts a 400 for a malformed batch, with the exact message. */
function assertMalformed(response: TestResponse, message: string) {
  assert.equal(response.status, 400, response.text);
  assert.equal(response.headers["content-type"], "application/json");
  assert.equal(response.json.error.code, "BadRequest");
  assert.equal(response.json.error.message, message);
}

describe("batch", () => {
  let service: TestService;
  beforeEach(async () => {
    service = await startTestService();
  });
  afterEach(() => service.close());

  const count = async () =>
    (await service.request({ url: `${collectionUrl}/$count` })).text;

  test("dependency chain of every method", async () => {
    const response = await sendBatch(service, [
      {
        id: "1",
        method: "POST",
        url: collection,
        headers: { "Content-Type": "application/json" },
        body: {
          id: "b-1",
          action: "remoteLock",
          requestDateTime: "2024-01-01T00:00:00Z",
        },
      },
      {
        id: "2",
        method: "PATCH",
        url: `${collection}/b-1`,
        headers: { "content-type": "application/json" },
        body: { actionState: "done" },
        dependsOn: ["1"],
      },
      { id: "3", method: "GET", url: `${collection}/b-1`, dependsOn: ["2"] },
      { id: "4", method: "DELETE", url: `${collection}/b-1`, dependsOn: ["3"] },
      { id: "5", method: "GET", url: `${collection}/$count`, dependsOn: ["4"] },
    ]);
    assertBatchOk(response, 5);
    const [created, patched, fetched, deleted, counted] = response.json
      .responses as Inner[];
    const fields = {
      id: "b-1",
      action: "remoteLock",
      requestDateTime: "2024-01-01T00:00:00Z",
    };
    assertInner(created, {
      id: "1",
      status: 201,
      headers: {
        Location: `${base}/beta/deviceManagement/remoteActionAudits/b-1`,
        ETag: 'W/"1"',
        "Content-Type": dataType,
      },
      body: recordJson(fields, 'W/"1"'),
    });
    const done = recordJson({ ...fields, actionState: "done" }, 'W/"2"');
    assertInner(patched, {
      id: "2",
      status: 200,
      headers: { ETag: 'W/"2"', "Content-Type": dataType },
      body: done,
    });
    assertInner(fetched, {
      id: "3",
      status: 200,
      headers: { ETag: 'W/"2"', "Content-Type": dataType },
      body: done,
    });
    assertInner(deleted, { id: "4", status: 204, headers: {} });
    assertInner(counted, {
      id: "5",
      status: 200,
      headers: { "Content-Type": "text/plain;charset=utf-8" },
      body: "0",
    });
  });

  test("failed dependency answers 424", async () => {
    const response = await sendBatch(service, [
      { id: "a", method: "DELETE", url: `${collection}/missing` },
      {
        id: "b",
        method: "POST",
        url: collection,
        body: { id: "never" },
        dependsOn: ["A"],
      },
      { id: "c", method: "GET", url: `${collection}/$count`, dependsOn: ["b"] },
      { id: "d", method: "POST", url: collection, body: { id: "runs" } },
    ]);
    assertBatchOk(response, 4);
    const inner = byId(response);
    const a = inner.get("a")!;
    assertInner(a, {
      id: "a",
      status: 404,
      headers: { "Content-Type": "application/json" },
      body: errorJson(
        "ResourceNotFound",
        "No remoteActionAudit has the id 'missing'.",
        a,
      ),
    });
    const b = inner.get("b")!;
    assertInner(b, {
      id: "b",
      status: 424,
      headers: { "Content-Type": "application/json" },
      body: errorJson(
        "FailedDependency",
        "The request was not run because it depends on request 'a', " +
          "which failed with status 404.",
        b,
      ),
    });
    const c = inner.get("c")!;
    assertInner(c, {
      id: "c",
      status: 424,
      headers: { "Content-Type": "application/json" },
      body: errorJson(
        "FailedDependency",
        "The request was not run because it depends on request 'b', " +
          "which failed with status 424.",
        c,
      ),
    });
    assert.equal(inner.get("d")!.status, 201);
    assert.equal(await count(), "1");
  });

  test("URL forms relative to the service root", async () => {
    const urls = [
      "/deviceManagement/remoteActionAudits/$count",
      "deviceManagement/remoteActionAudits/%24count",
      "/beta/deviceManagement/remoteActionAudits/$count",
      "beta/deviceManagement/remoteActionAudits/$count",
      "/deviceManagement/remoteActionAudits?%24top=1&%24select=id",
    ];
    await service.request({
      method: "POST",
      url: collectionUrl,
      payload: { id: "u" },
    });
    const response = await sendBatch(
      service,
      urls.map((url, index) => ({ id: String(index), method: "get", url })),
    );
    assertBatchOk(response, urls.length);
    const inner = response.json.responses as Inner[];
    for (const counted of inner.slice(0, 4)) {
      assert.equal(counted.status, 200, JSON.stringify(counted));
      assert.equal(counted.body, "1");
    }
    assert.deepEqual(inner[4]!.body, {
      "@odata.context": `${base}/beta/$metadata#deviceManagement/remoteActionAudits(id)`,
      value: [
        {
          "@odata.type": "#microsoft.graph.remoteActionAudit",
          "@odata.etag": 'W/"1"',
          id: "u",
        },
      ],
    });
  });

  test("absolute and nested URLs rejected", async () => {
    const response = await sendBatch(service, [
      {
        id: "1",
        method: "GET",
        url: `https://graph.microsoft.com/beta${collection}`,
      },
      { id: "2", method: "POST", url: "/$batch", body: { requests: [] } },
    ]);
    assertBatchOk(response, 2);
    const [absolute, nested] = response.json.responses as Inner[];
    assertInner(absolute, {
      id: "1",
      status: 400,
      headers: { "Content-Type": "application/json" },
      body: errorJson(
        "BadRequest",
        "The inner request URL 'https://graph.microsoft.com/beta/deviceManagement/" +
          "remoteActionAudits' is absolute. Send a URL relative to the " +
          "service root, such as '/deviceManagement/remoteActionAudits'.",
        absolute!,
      ),
    });
    assertInner(nested, {
      id: "2",
      status: 400,
      headers: { "Content-Type": "application/json" },
      body: errorJson(
        "BadRequest",
        "A batch request cannot contain another $batch request. " +
          "Send the inner requests in the outer batch.",
        nested!,
      ),
    });
  });

  test("base64 body without headers", async () => {
    const body = Buffer.from(
      JSON.stringify({
        id: "b64",
        action: "rebootNow",
        requestDateTime: "2024-02-02T00:00:00Z",
      }),
    ).toString("base64");
    const response = await sendBatch(service, [
      { id: "1", method: "POST", url: collection, body },
    ]);
    assertBatchOk(response, 1);
    const inner = response.json.responses[0] as Inner;
    assert.equal(inner.status, 201);
    assert.equal(
      typeof inner.body,
      "string",
      "the response body is base64 too",
    );
    const decoded = JSON.parse(
      Buffer.from(String(inner.body), "base64").toString(),
    );
    assert.deepEqual(
      decoded,
      recordJson(
        {
          id: "b64",
          action: "rebootNow",
          requestDateTime: "2024-02-02T00:00:00Z",
        },
        'W/"1"',
      ),
    );
  });

  test("inner headers in any case apply", async () => {
    await service.request({
      method: "POST",
      url: collectionUrl,
      payload: { id: "h" },
    });
    const response = await sendBatch(service, [
      {
        id: "1",
        method: "PATCH",
        url: `${collection}/h`,
        headers: { "IF-MATCH": 'W/"9"', "CONTENT-TYPE": "application/json" },
        body: { actionState: "done" },
      },
      {
        id: "2",
        method: "PATCH",
        url: `${collection}/h`,
        headers: { PREFER: "return=minimal", "Client-Request-Id": "mine" },
        body: { actionState: "failed" },
        dependsOn: ["1"],
      },
      {
        id: "3",
        method: "PATCH",
        url: `${collection}/h`,
        headers: { "Content-Type": "text/plain" },
        body: "actionState=done",
      },
    ]);
    assertBatchOk(response, 3);
    const inner = byId(response);
    const mismatch = inner.get("1")!;
    assert.equal(mismatch.status, 412);
    assert.equal((mismatch.body as any).error.code, "PreconditionFailed");
    assert.equal(inner.get("2")!.status, 424, "a 412 is a failure");

    const textBody = inner.get("3")!;
    assertInner(textBody, {
      id: "3",
      status: 415,
      headers: { "Content-Type": "application/json" },
      body: errorJson(
        "UnsupportedMediaType",
        "The Content-Type 'text/plain' is not supported. " +
          "Send the body as 'Content-Type: application/json'.",
        textBody,
      ),
    });

    const minimal = await sendBatch(service, [
      {
        id: "m",
        method: "PATCH",
        url: `${collection}/h`,
        headers: { PREFER: "return=minimal", "Client-Request-Id": "mine" },
        body: { actionState: "failed" },
      },
    ]);
    const answer = minimal.json.responses[0] as Inner;
    assertInner(answer, {
      id: "m",
      status: 204,
      headers: {
        "client-request-id": "mine",
        ETag: 'W/"2"',
        "Preference-Applied": "return=minimal",
      },
    });
  });

  test("inner token overrides outer token", async () => {
    const reader = await service.token({ scopes: [readOnly] });
    const response = await sendBatch(
      service,
      [
        { id: "read", method: "GET", url: `${collection}/$count` },
        { id: "write", method: "POST", url: collection, body: { id: "w" } },
        {
          id: "own",
          method: "POST",
          url: collection,
          headers: { authorization: `Bearer ${await service.token()}` },
          body: { id: "own" },
        },
        {
          id: "bad",
          method: "GET",
          url: collection,
          headers: { Authorization: "Bearer not-a-token" },
        },
      ],
      { authorization: `Bearer ${reader}` },
    );
    assertBatchOk(response, 4);
    const inner = byId(response);
    assert.equal(inner.get("read")!.status, 200);
    const write = inner.get("write")!;
    assert.equal(write.status, 403);
    assert.equal((write.body as any).error.code, "Forbidden");
    assert.equal(inner.get("own")!.status, 201);
    const bad = inner.get("bad")!;
    assert.equal(bad.status, 401);
    assert.equal((bad.body as any).error.code, "InvalidAuthenticationToken");
    assert.match(
      String((bad.headers as Record<string, string>)["WWW-Authenticate"]),
      /^Bearer error="invalid_token"/,
    );
    assert.equal(await count(), "1");
  });

  test("envelope without a token answers 401", async () => {
    const response = await sendBatch(
      service,
      [{ id: "1", method: "GET", url: "/$metadata" }],
      { authorization: "" },
    );
    assert.equal(response.status, 401);
    assert.equal(response.json.error.code, "InvalidAuthenticationToken");
  });

  test("continue-on-error preference applied", async () => {
    const response = await sendBatch(
      service,
      [{ id: "1", method: "GET", url: `${collection}/$count` }],
      { prefer: "odata.continue-on-error" },
    );
    assertBatchOk(response, 1);
    assert.equal(
      response.headers["preference-applied"],
      "odata.continue-on-error",
    );
  });

  test("GET on $batch answers 405", async () => {
    const response = await service.request({ url: batchUrl });
    assert.equal(response.status, 405);
    assert.equal(response.headers.allow, "POST");
    assert.equal(
      response.json.error.message,
      "The method 'GET' is not allowed on '/beta/$batch'. Allowed methods: POST.",
    );
  });
});

describe("batch validation", () => {
  let service: TestService;
  before(async () => {
    service = await startTestService();
  });
  after(() => service.close());

  const get = (id: string, extra: Record<string, unknown> = {}) => ({
    id,
    method: "GET",
    url: `${collection}/$count`,
    ...extra,
  });

  const cases: [string, unknown, string][] = [
    [
      "no requests member",
      { value: [] },
      "A batch body must be a JSON object with a 'requests' array, not an object without 'requests'.",
    ],
    [
      "requests not an array",
      { requests: { id: "1" } },
      "A batch body must be a JSON object with a 'requests' array, not an object whose 'requests' is an object.",
    ],
    [
      "body an array",
      [get("1")],
      "A batch body must be a JSON object with a 'requests' array, not an array.",
    ],
    [
      "empty requests",
      { requests: [] },
      "The batch has no requests. Send 1 to 20 requests.",
    ],
    [
      "21 requests",
      { requests: Array.from({ length: 21 }, (_, i) => get(String(i))) },
      "The batch has 21 requests, more than the limit of 20. Split it into batches of at most 20 requests.",
    ],
    [
      "request not an object",
      { requests: ["GET /"] },
      "Request 0 of the batch must be a JSON object, not 'GET /'.",
    ],
    [
      "missing id",
      { requests: [{ method: "GET", url: "/" }] },
      "Request 0 of the batch has no 'id'. Give every request a non-empty string id.",
    ],
    [
      "numeric id",
      { requests: [{ id: 1, method: "GET", url: "/" }] },
      "Request 0 of the batch has the id 1. Give every request a non-empty string id.",
    ],
    [
      "missing method",
      { requests: [{ id: "1", url: "/" }] },
      "Request 0 of the batch (id '1') has no 'method'. Give every request a non-empty string method.",
    ],
    [
      "missing url",
      { requests: [get("1"), { id: "2", method: "GET" }] },
      "Request 1 of the batch (id '2') has no 'url'. Give every request a non-empty string url.",
    ],
    [
      "duplicate ids ignoring case",
      { requests: [get("a"), get("A")] },
      "The batch has the request id 'A' more than once (requests 0 and 1; ids are compared ignoring case). Give every request a unique id.",
    ],
    [
      "headers not an object",
      { requests: [get("1", { headers: ["Accept: */*"] })] },
      "Request 0 of the batch (id '1') has headers an array. Send an object of header names and string values.",
    ],
    [
      "unknown dependsOn",
      { requests: [get("1", { dependsOn: ["x"] })] },
      "Request '1' depends on 'x', which is neither a request id nor an atomicity group of the batch.",
    ],
    [
      "dependsOn not an array",
      { requests: [get("1"), get("2", { dependsOn: "1" })] },
      "Request 1 of the batch (id '2') has dependsOn '1'. Send an array of request ids or atomicity group names.",
    ],
    [
      "self dependency",
      { requests: [get("1", { dependsOn: ["1"] })] },
      "Request '1' depends on itself through '1', which makes a cycle. Remove that dependsOn entry.",
    ],
    [
      "cycle",
      {
        requests: [
          get("1", { dependsOn: ["3"] }),
          get("2", { dependsOn: ["1"] }),
          get("3", { dependsOn: ["2"] }),
        ],
      },
      "The dependsOn entries of the batch form a cycle: '1' depends on '3' depends on '2' depends on '1'. Remove one of those entries.",
    ],
    [
      "cycle inside a group",
      {
        requests: [
          get("1", { atomicityGroup: "g", dependsOn: ["2"] }),
          get("2", { atomicityGroup: "g", dependsOn: ["1"] }),
        ],
      },
      "The dependsOn entries of the batch form a cycle: '1' depends on '2' depends on '1'. Remove one of those entries.",
    ],
    [
      "request depends on its own group",
      { requests: [get("1", { atomicityGroup: "g", dependsOn: ["G"] })] },
      "Request '1' depends on itself through 'G', which makes a cycle. Remove that dependsOn entry.",
    ],
    [
      "group not adjacent",
      {
        requests: [
          get("1", { atomicityGroup: "g" }),
          get("2"),
          get("3", { atomicityGroup: "g" }),
        ],
      },
      "The requests of atomicity group 'g' are not adjacent (requests 0 and 2). List the requests of a group one after another.",
    ],
    [
      "group named like a request",
      { requests: [get("1"), get("2", { atomicityGroup: "1" })] },
      "The atomicity group '1' has the same name as the request id '1'. Give groups names that no request uses as its id.",
    ],
    [
      "non-JSON body of an image",
      {
        requests: [
          {
            id: "1",
            method: "POST",
            url: collection,
            headers: { "content-type": "image/png" },
            body: "not base64!",
          },
        ],
      },
      "Request 0 of the batch (id '1'): The body 'not base64!' of a 'image/png' inner request is not base64. Encode bodies that are neither JSON nor text as base64.",
    ],
  ];

  for (const [name, body, message] of cases) {
    test(`400 for ${name}`, async () => {
      const response = await service.request({
        method: "POST",
        url: batchUrl,
        payload: body as Record<string, unknown>,
      });
      assertMalformed(response, message);
    });
  }

  test("400 for a body that is not JSON", async () => {
    const response = await service.request({
      method: "POST",
      url: batchUrl,
      headers: { "content-type": "application/json" },
      payload: "{requests:",
    });
    assert.equal(response.status, 400);
    assert.equal(response.json.error.code, "RequestBodyRead");
    assert.match(
      response.json.error.message,
      /^The request body is not valid JSON: /,
    );
  });

  test("415 for a body that is not JSON typed", async () => {
    const response = await service.request({
      method: "POST",
      url: batchUrl,
      headers: { "content-type": "text/plain" },
      payload: JSON.stringify({ requests: [get("1")] }),
    });
    assert.equal(response.status, 415);
    assert.equal(response.json.error.code, "UnsupportedMediaType");
  });

  test("malformed batch runs no request", async () => {
    const response = await service.request({
      method: "POST",
      url: batchUrl,
      payload: {
        requests: [
          { id: "1", method: "POST", url: collection, body: { id: "x" } },
          get("2", { dependsOn: ["nope"] }),
        ],
      },
    });
    assert.equal(response.status, 400);
    const counted = await service.request({ url: `${collectionUrl}/$count` });
    assert.equal(counted.text, "0");
  });
});

describe("batch atomicity groups", () => {
  let service: TestService;
  beforeEach(async () => {
    service = await startTestService();
    await service.request({
      method: "POST",
      url: collectionUrl,
      payload: { id: "kept", actionState: "pending" },
    });
  });
  afterEach(() => service.close());

  const historyLength = async (id: string) => {
    const response = await service.request({
      url: `/history/remoteActionAudits/${id}`,
    });
    return response.status === 404 ? 0 : response.json.value.length;
  };

  test("group commits together", async () => {
    const response = await sendBatch(service, [
      {
        id: "2",
        method: "PATCH",
        url: `${collection}/g-1`,
        atomicityGroup: "g",
        body: { actionState: "done" },
        dependsOn: ["1"],
      },
      {
        id: "1",
        method: "POST",
        url: collection,
        atomicityGroup: "g",
        body: { id: "g-1" },
      },
      { id: "3", method: "GET", url: `${collection}/g-1`, dependsOn: ["g"] },
    ]);
    assertBatchOk(response, 3);
    const inner = byId(response);
    assert.equal(inner.get("1")!.status, 201);
    assert.equal(inner.get("1")!.atomicityGroup, "g");
    assert.equal(inner.get("2")!.status, 200, "ordered after 1 by dependsOn");
    assert.equal(inner.get("2")!.atomicityGroup, "g");
    assert.equal((inner.get("3")!.body as any).actionState, "done");
    assert.equal(await historyLength("g-1"), 2);
  });

  test("invalid request leaves no change", async () => {
    const response = await sendBatch(service, [
      {
        id: "create",
        method: "POST",
        url: collection,
        atomicityGroup: "all",
        body: { id: "new-1" },
      },
      {
        id: "update",
        method: "PATCH",
        url: `${collection}/kept`,
        atomicityGroup: "all",
        body: { actionState: "done" },
      },
      {
        id: "invalid",
        method: "PATCH",
        url: `${collection}/kept`,
        atomicityGroup: "all",
        body: { actionState: "finished" },
      },
      {
        id: "after",
        method: "DELETE",
        url: `${collection}/kept`,
        atomicityGroup: "all",
      },
      {
        id: "dependent",
        method: "GET",
        url: `${collection}/kept`,
        dependsOn: ["all"],
      },
      { id: "alone", method: "GET", url: `${collection}/kept` },
    ]);
    assertBatchOk(response, 6);
    const inner = byId(response);
    const rolledBack =
      "The request was rolled back because request 'invalid' of " +
      "atomicity group 'all' failed with status 400. No request of the " +
      "group was applied.";
    for (const id of ["create", "update"]) {
      const answer = inner.get(id)!;
      assertInner(answer, {
        id,
        status: 424,
        headers: { "Content-Type": "application/json" },
        body: errorJson("FailedDependency", rolledBack, answer),
        atomicityGroup: "all",
      });
    }
    const invalid = inner.get("invalid")!;
    assert.equal(invalid.status, 400);
    assert.equal((invalid.body as any).error.code, "RequestBodyRead");
    const notRun = inner.get("after")!;
    assertInner(notRun, {
      id: "after",
      status: 424,
      headers: { "Content-Type": "application/json" },
      body: errorJson(
        "FailedDependency",
        rolledBack.replace("was rolled back", "was not run"),
        notRun,
      ),
      atomicityGroup: "all",
    });
    const dependent = inner.get("dependent")!;
    assert.equal(dependent.status, 424);
    assert.equal(
      (dependent.body as any).error.message,
      "The request was not run because it depends on atomicity group " +
        "'all', which failed with status 424.",
    );
    assert.equal(inner.get("alone")!.status, 200);

    const kept = await service.request({ url: `${collectionUrl}/kept` });
    assert.equal(kept.json.actionState, "pending");
    assert.equal(kept.headers.etag, 'W/"1"');
    const created = await service.request({ url: `${collectionUrl}/new-1` });
    assert.equal(created.status, 404);
    assert.equal(await historyLength("kept"), 1);
    assert.equal(await historyLength("new-1"), 0);
  });

  test("group after failed dependency skipped", async () => {
    const response = await sendBatch(service, [
      { id: "x", method: "GET", url: `${collection}/missing` },
      {
        id: "y",
        method: "POST",
        url: collection,
        atomicityGroup: "g",
        body: { id: "y" },
        dependsOn: ["x"],
      },
    ]);
    assertBatchOk(response, 2);
    const y = byId(response).get("y")!;
    assert.equal(y.status, 424);
    assert.equal(
      (y.body as any).error.message,
      "The atomicity group 'g' of this request was not run because it " +
        "depends on request 'x', which failed with status 404.",
    );
    assert.equal(await historyLength("y"), 0);
  });
});

describe("batch throttling and logging", () => {
  test("each inner request is throttled", async () => {
    const service = await startTestService({}, { requestsPerApp: 3 });
    try {
      const requests = ["1", "2", "3", "4"].map((id) => ({
        id,
        method: "GET",
        url: `${collection}/$count`,
        dependsOn: id === "1" ? [] : [String(Number(id) - 1)],
      }));
      const response = await sendBatch(service, requests);
      assertBatchOk(response, 4);
      const statuses = (response.json.responses as Inner[]).map(
        (r) => r.status,
      );
      assert.deepEqual(statuses, [200, 200, 200, 429]);
      const throttled = response.json.responses[3] as Inner;
      const headers = throttled.headers as Record<string, string>;
      assert.match(String(headers["Retry-After"]), /^\d+$/);
      assert.equal((throttled.body as any).error.code, "TooManyRequests");
    } finally {
      await service.close();
    }
  });

  test("rolled back group is logged", async () => {
    const { logger, lines } = capturedLogger("info");
    const service = await startTestService({}, {}, logger);
    try {
      const response = await sendBatch(service, [
        {
          id: "1",
          method: "POST",
          url: collection,
          body: { id: "group-create" },
          atomicityGroup: "g",
        },
        {
          id: "2",
          method: "POST",
          url: collection,
          body: { id: "group-bad", actionState: "x" },
          atomicityGroup: "g",
        },
      ]);
      assertBatchOk(response, 2);
      const statuses = (response.json.responses as Inner[]).map(
        (inner) => inner.status,
      );
      assert.deepEqual(statuses, [424, 400]);
      const rolledBack = lines.filter(
        (line) => line.msg === "atomicity group rolled back",
      );
      assert.deepEqual(
        rolledBack.map((line) => [
          line.atomicityGroup,
          line.batchItemIds,
          line.failedBatchItemId,
          line["request-id"],
        ]),
        [["g", ["1", "2"], "2", response.headers["request-id"]]],
      );
      const stored = await service.store.get("group-create");
      assert.equal(stored, undefined);
    } finally {
      await service.close();
    }
  });

  test("inner requests log own lines", async () => {
    const { logger, lines } = capturedLogger("info");
    const service = await startTestService({}, {}, logger);
    const app = service.app;
    try {
      const outer = await app.inject({
        method: "POST",
        url: batchUrl,
        headers: { authorization: `Bearer ${await service.token()}` },
        payload: {
          requests: [
            { id: "one", method: "GET", url: `${collection}/missing` },
            {
              id: "two",
              method: "POST",
              url: collection,
              body: { id: "logged" },
            },
          ],
        },
      });
      assert.equal(outer.statusCode, 200);
      const outerId = outer.headers["request-id"];
      const responses = JSON.parse(outer.body).responses as Inner[];
      const completed = lines.filter(
        (line) => line.msg === "request completed",
      );
      assert.equal(completed.length, 3);

      for (const inner of responses) {
        const innerId = (inner.headers as Record<string, string>)["request-id"];
        assert.notEqual(innerId, outerId);
        const line = completed.find((entry) => entry["request-id"] === innerId);
        assert.ok(line !== undefined, `a line for ${inner.id}`);
        assert.equal(line.batchRequestId, outerId);
        assert.equal(line.batchItemId, inner.id);
        assert.equal(line.status, inner.status);
        assert.equal(line.subject, "test-user");
        assert.equal(line.appId, "test-app");
      }
      const rejected = lines.find((line) => line.msg === "request rejected");
      assert.equal(rejected?.code, "ResourceNotFound");
      assert.equal(rejected?.batchItemId, "one");
      const outerLine = completed.find(
        (line) => line["request-id"] === outerId,
      );
      assert.equal(outerLine?.url, batchUrl);
      assert.equal(outerLine?.status, 200);
    } finally {
      await service.close();
    }
  });
});
