import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import {
  base,
  collectionUrl,
  startTestService,
  type TestService,
} from "../helpers/service.ts";

const dataType =
  "application/json;odata.metadata=minimal;odata.streaming=true;" +
  "IEEE754Compatible=false;charset=utf-8";

const fullRecord = {
  id: "audit-1",
  action: "factoryReset",
  actionState: "done",
  requestDateTime: "2024-03-01T10:05:09.1234567+02:00",
  deviceDisplayName: "Finance laptop",
  deviceIMEI: "490154203237518",
  deviceOwnerUserPrincipalName: "owner@contoso.com",
  initiatedByUserPrincipalName: "admin@contoso.com",
  managedDeviceId: "6f3c1a52-0000-4000-8000-000000000001",
  userName: "admin@contoso.com",
  bulkDeviceActionId: null,
  deviceActionCategory: "bulk",
  deviceActionDetails: [{ key: "reason", value: "lost" }],
};

const fullRecordJson = {
  "@odata.type": "#microsoft.graph.remoteActionAudit",
  ...fullRecord,
  requestDateTime: "2024-03-01T08:05:09.1234567Z",
};

describe("records", () => {
  let service: TestService;
  before(async () => {
    service = await startTestService();
  });
  after(() => service.close());

  test("service document lists deviceManagement", async () => {
    const response = await service.request({ url: "/beta" });
    assert.equal(response.status, 200);
    assert.equal(response.headers["content-type"], dataType);
    assert.equal(response.headers["odata-version"], "4.0");
    assert.deepEqual(response.json, {
      "@odata.context": `${base}/beta/$metadata`,
      value: [
        {
          name: "deviceManagement",
          kind: "Singleton",
          url: "deviceManagement",
        },
      ],
    });
  });

  test("create returns 201, Location and the entity", async () => {
    const response = await service.request({
      method: "POST",
      url: collectionUrl,
      payload: fullRecord,
    });
    assert.equal(response.status, 201);
    assert.equal(response.headers["content-type"], dataType);
    assert.equal(
      response.headers.location,
      `${base}/beta/deviceManagement/remoteActionAudits/audit-1`,
    );
    assert.equal(response.headers.etag, 'W/"1"');
    assert.deepEqual(response.json, {
      "@odata.context": `${base}/beta/$metadata#deviceManagement/remoteActionAudits/$entity`,
      ...fullRecordJson,
      "@odata.etag": 'W/"1"',
    });
  });

  test("create fills defaults and generates a UUIDv7", async () => {
    const before = Date.now();
    const response = await service.request({
      method: "POST",
      url: collectionUrl,
      payload: {},
    });
    assert.equal(response.status, 201);
    const body = response.json;
    assert.match(
      body.id,
      /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    assert.equal(body.action, "unknown");
    assert.equal(body.actionState, "none");
    assert.equal(body.deviceActionCategory, "single");
    assert.deepEqual(body.deviceActionDetails, []);
    assert.equal(body.deviceDisplayName, null);
    const requested = Date.parse(body.requestDateTime);
    assert.ok(requested >= before - 1000 && requested <= Date.now() + 1000);
  });

  test("create with an existing id is 409", async () => {
    const response = await service.request({
      method: "POST",
      url: collectionUrl,
      payload: { id: "audit-1" },
    });
    assert.equal(response.status, 409);
    assert.equal(response.json.error.code, "Conflict");
    assert.equal(
      response.json.error.message,
      "A remoteActionAudit with the id 'audit-1' already exists. " +
        "Omit the id to have one generated, or PATCH the existing record.",
    );
  });

  test("get returns the entity", async () => {
    const response = await service.request({ url: `${collectionUrl}/audit-1` });
    assert.equal(response.status, 200);
    assert.equal(response.headers.etag, 'W/"1"');
    assert.deepEqual(response.json, {
      "@odata.context": `${base}/beta/$metadata#deviceManagement/remoteActionAudits/$entity`,
      ...fullRecordJson,
      "@odata.etag": 'W/"1"',
    });
  });

  test("get by parenthesized key", async () => {
    const response = await service.request({
      url: `${collectionUrl}('audit-1')`,
    });
    assert.equal(response.status, 200);
    assert.equal(response.json.id, "audit-1");
  });

  test("get with $select projects", async () => {
    const response = await service.request({
      url: `${collectionUrl}/audit-1?$select=action,deviceIMEI`,
    });
    assert.equal(response.status, 200);
    assert.deepEqual(response.json, {
      "@odata.context": `${base}/beta/$metadata#deviceManagement/remoteActionAudits(action,deviceIMEI)/$entity`,
      "@odata.type": "#microsoft.graph.remoteActionAudit",
      "@odata.etag": 'W/"1"',
      id: "audit-1",
      action: "factoryReset",
      deviceIMEI: "490154203237518",
    });
  });

  test("patch merges and returns the entity", async () => {
    const response = await service.request({
      method: "PATCH",
      url: `${collectionUrl}/audit-1`,
      payload: {
        "@odata.type": "microsoft.graph.remoteActionAudit",
        actionState: "failed",
        deviceActionDetails: [],
      },
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers.etag, 'W/"3"');
    assert.deepEqual(response.json, {
      "@odata.context": `${base}/beta/$metadata#deviceManagement/remoteActionAudits/$entity`,
      ...fullRecordJson,
      "@odata.etag": 'W/"3"',
      actionState: "failed",
      deviceActionDetails: [],
    });
    const stored = await service.request({ url: `${collectionUrl}/audit-1` });
    assert.equal(stored.json.actionState, "failed");
    assert.equal(stored.json.deviceDisplayName, "Finance laptop");
  });

  test("patch with return=minimal is 204", async () => {
    const response = await service.request({
      method: "PATCH",
      url: `${collectionUrl}/audit-1`,
      headers: { prefer: "return=minimal" },
      payload: { deviceIMEI: null },
    });
    assert.equal(response.status, 204);
    assert.equal(response.text, "");
    assert.equal(response.headers["preference-applied"], "return=minimal");
    const stored = await service.request({ url: `${collectionUrl}/audit-1` });
    assert.equal(stored.json.deviceIMEI, null);
  });

  test("patch of an unknown id is 404 and creates nothing", async () => {
    const response = await service.request({
      method: "PATCH",
      url: `${collectionUrl}/missing`,
      payload: { actionState: "done" },
    });
    assert.equal(response.status, 404);
    assert.equal(response.json.error.code, "ResourceNotFound");
    const get = await service.request({ url: `${collectionUrl}/missing` });
    assert.equal(get.status, 404);
  });

  test("enum members past unknownFutureValue", async () => {
    await service.request({
      method: "POST",
      url: collectionUrl,
      payload: { id: "future", action: "launchRemoteHelp" },
    });
    const plain = await service.request({ url: `${collectionUrl}/future` });
    assert.equal(plain.json.action, "unknownFutureValue");
    const opted = await service.request({
      url: `${collectionUrl}/future`,
      headers: { prefer: "include-unknown-enum-members" },
    });
    assert.equal(opted.json.action, "launchRemoteHelp");
  });

  test("count returns a plain integer", async () => {
    const response = await service.request({ url: `${collectionUrl}/$count` });
    assert.equal(response.status, 200);
    assert.equal(response.headers["content-type"], "text/plain;charset=utf-8");
    assert.equal(response.text, "3");
    const encoded = await service.request({ url: `${collectionUrl}/%24count` });
    assert.equal(encoded.text, "3");
  });

  test("delete is 204 then get is 404", async () => {
    const response = await service.request({
      method: "DELETE",
      url: `${collectionUrl}/future`,
    });
    assert.equal(response.status, 204);
    assert.equal(response.text, "");
    const get = await service.request({ url: `${collectionUrl}/future` });
    assert.equal(get.status, 404);
    const again = await service.request({
      method: "DELETE",
      url: `${collectionUrl}/future`,
    });
    assert.equal(again.status, 404);
  });

  test("request ids on every response", async () => {
    const own = await service.request({ url: "/beta" });
    const requestId = String(own.headers["request-id"]);
    assert.match(requestId, /^[0-9a-f-]{36}$/);
    assert.equal(own.headers["client-request-id"], requestId);

    const echoed = await service.request({
      url: `${collectionUrl}/missing`,
      headers: { "client-request-id": "my-trace-1" },
    });
    assert.equal(echoed.headers["client-request-id"], "my-trace-1");
    assert.equal(
      echoed.json.error.innerError["client-request-id"],
      "my-trace-1",
    );
    assert.equal(
      echoed.json.error.innerError["request-id"],
      echoed.headers["request-id"],
    );
  });

  test("health endpoints", async () => {
    const live = await service.request({ url: "/healthz" });
    assert.equal(live.status, 200);
    assert.deepEqual(live.json, { status: "ok" });
    const ready = await service.request({ url: "/readyz" });
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.json, { status: "ready" });
  });

  test("metadata is CSDL XML from the model", async () => {
    const response = await service.request({ url: "/beta/$metadata" });
    assert.equal(response.status, 200);
    assert.equal(response.headers["content-type"], "application/xml");
    assert.match(
      response.text,
      /<EntityType Name="remoteActionAudit" BaseType="graph.entity">/,
    );
    assert.match(response.text, /<Member Name="delete" Value="40"\/>/);
    assert.match(
      response.text,
      /<Property Name="deviceActionDetails" Type="Collection\(graph.keyValuePair_2OfString_String\)" Nullable="false"\/>/,
    );
  });
});
