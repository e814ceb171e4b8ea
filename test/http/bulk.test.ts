import assert from "node:assert/strict";
import { after, afterEach, before, describe, test } from "node:test";

import {
  base,
  collectionUrl,
  startTestService,
  type TestService,
} from "../helpers/service.ts";

/** The example request body of Graph's "Update remoteActionAudits" page. */
const graphPageExample = `[
  {
    "@odata.type": "#microsoft.graph.remoteActionAudit",
    "action": "String",
    "actionState": "String",
    "deviceDisplayName": "String",
    "deviceIMEI": "String",
    "deviceOwnerUserPrincipalName": "String",
    "id": "String(identifier)",
    "initiatedByUserPrincipalName": "String",
    "managedDeviceId": "String",
    "requestDateTime": "DateTimeOffset",
    "userName": "String"
  }
]
`;

const validExample = graphPageExample
  .replace('"action": "String"', '"action": "factoryReset"')
  .replace('"actionState": "String"', '"actionState": "done"')
  .replace('"DateTimeOffset"', '"2024-05-06T07:08:09Z"');

const typeAnnotation = { "@odata.type": "#microsoft.graph.remoteActionAudit" };

describe("bulk update", () => {
  let service: TestService;
  before(async () => {
    service = await startTestService();
  });
  afterEach(async () => {
    // Each test starts from an empty table.
    const all = await service.request({ url: `${collectionUrl}?$select=id` });
    const removals = all.json.value.map((item: { id: string }) => ({
      id: item.id,
      "@removed": {},
    }));
    if (removals.length === 0) return;
    const cleared = await service.request({
      method: "PATCH",
      url: "/beta",
      payload: removals,
    });
    assert.equal(cleared.status, 200);
  });
  after(() => service.close());

  const count = async () =>
    Number((await service.request({ url: `${collectionUrl}/$count` })).text);

  test("Graph page example as sent is 400 naming each value", async () => {
    const response = await service.request({
      method: "PATCH",
      url: "/beta",
      headers: { "content-type": "application/json" },
      payload: graphPageExample,
    });
    assert.equal(response.status, 400);
    assert.equal(response.json.error.code, "RequestBodyRead");
    const message: string = response.json.error.message;
    assert.ok(
      message.startsWith("Item 0 (id 'String(identifier)'): "),
      message,
    );
    assert.match(
      message,
      /The property 'action' has the invalid value 'String'\./,
    );
    assert.match(
      message,
      /The property 'actionState' has the invalid value 'String'\./,
    );
    assert.match(
      message,
      /The property 'requestDateTime' has the invalid value 'DateTimeOffset'\./,
    );
    assert.ok(message.endsWith(" Nothing was changed."), message);
    assert.equal(await count(), 0);
  });

  test("Graph page example with valid values is 200", async () => {
    const response = await service.request({
      method: "PATCH",
      url: "/beta",
      headers: { "content-type": "application/json" },
      payload: validExample,
    });
    assert.equal(response.status, 200);
    const entity = {
      ...typeAnnotation,
      id: "String(identifier)",
      action: "factoryReset",
      actionState: "done",
      requestDateTime: "2024-05-06T07:08:09Z",
      deviceDisplayName: "String",
      deviceIMEI: "String",
      deviceOwnerUserPrincipalName: "String",
      initiatedByUserPrincipalName: "String",
      managedDeviceId: "String",
      userName: "String",
      bulkDeviceActionId: null,
      deviceActionCategory: "single",
      deviceActionDetails: [],
    };
    const etag: string = response.json.value[0]["@odata.etag"];
    assert.match(etag, /^W\/"\d+"$/);
    assert.deepEqual(response.json, {
      "@odata.context": `${base}/beta/$metadata#deviceManagement/remoteActionAudits`,
      value: [{ ...entity, "@odata.etag": etag }],
    });
    const stored = await service.request({
      url: `${collectionUrl}/${encodeURIComponent("String(identifier)")}`,
    });
    assert.equal(stored.status, 200);
    const { "@odata.context": _context, ...storedEntity } = stored.json;
    assert.deepEqual(storedEntity, { ...entity, "@odata.etag": etag });
  });

  test("items update, create and delete in order", async () => {
    await service.request({
      method: "POST",
      url: collectionUrl,
      payload: { id: "keep", actionState: "pending", deviceIMEI: "1" },
    });
    await service.request({
      method: "POST",
      url: collectionUrl,
      payload: { id: "gone" },
    });
    const response = await service.request({
      method: "PATCH",
      url: collectionUrl,
      payload: {
        "@context": "#$delta",
        value: [
          { id: "keep", actionState: "done" },
          { id: "fresh", action: "remoteLock" },
          { "@removed": { reason: "deleted" }, id: "gone" },
          { action: "rebootNow" },
        ],
      },
    });
    assert.equal(response.status, 200, response.text);
    const [updated, created, removed, generated] = response.json.value;
    assert.equal(updated.id, "keep");
    assert.equal(updated.actionState, "done");
    assert.equal(updated.deviceIMEI, "1");
    assert.equal(created.id, "fresh");
    assert.equal(created.action, "remoteLock");
    assert.deepEqual(removed, {
      id: "gone",
      "@removed": { reason: "deleted" },
    });
    assert.match(generated.id, /^[0-9a-f]{8}-[0-9a-f]{4}-7/);
    assert.equal(await count(), 3);
    const get = await service.request({ url: `${collectionUrl}/gone` });
    assert.equal(get.status, 404);
  });

  test("value wrapper and OData 4.0 deleted entities", async () => {
    await service.request({
      method: "POST",
      url: collectionUrl,
      payload: { id: "old" },
    });
    const response = await service.request({
      method: "PATCH",
      url: collectionUrl,
      payload: {
        "@odata.context": `${base}/beta/$metadata#deviceManagement/remoteActionAudits/$delta`,
        value: [
          {
            "@odata.context": `${base}/beta/$metadata#deviceManagement/remoteActionAudits/$deletedEntity`,
            id: `${base}/beta/deviceManagement/remoteActionAudits('old')`,
            reason: "deleted",
          },
        ],
      },
    });
    assert.equal(response.status, 200, response.text);
    assert.deepEqual(response.json.value, [
      { id: "old", "@removed": { reason: "deleted" } },
    ]);
    assert.equal(await count(), 0);
  });

  test("an invalid 500th item changes nothing", async () => {
    const items = Array.from({ length: 600 }, (_, n) => ({
      id: `item-${n}`,
      actionState: n === 499 ? "exploded" : "done",
    }));
    const response = await service.request({
      method: "PATCH",
      url: collectionUrl,
      payload: items,
    });
    assert.equal(response.status, 400);
    assert.equal(
      response.json.error.message,
      "Item 499 (id 'item-499'): The property 'actionState' has the invalid " +
        "value 'exploded'. Expected a member name of " +
        "'microsoft.graph.actionState': none, pending, canceled, active, " +
        "done, failed, notSupported. Nothing was changed.",
    );
    assert.equal(await count(), 0);
  });

  test("a delete of a missing id rolls back the rest", async () => {
    const response = await service.request({
      method: "PATCH",
      url: "/beta",
      payload: [{ id: "a" }, { id: "b" }, { id: "nobody", "@removed": {} }],
    });
    assert.equal(response.status, 404);
    assert.equal(response.json.error.code, "ResourceNotFound");
    assert.equal(
      response.json.error.message,
      "Item 2 (id 'nobody'): No remoteActionAudit has the id 'nobody'. " +
        "Nothing was changed.",
    );
    assert.equal(await count(), 0);
  });

  test("continue-on-error applies the valid items", async () => {
    const items = Array.from({ length: 500 }, (_, n) => ({
      id: `item-${n}`,
      actionState: n === 499 ? "exploded" : "done",
    }));
    const response = await service.request({
      method: "PATCH",
      url: collectionUrl,
      headers: { prefer: "odata.continue-on-error" },
      payload: items,
    });
    assert.equal(response.status, 200);
    assert.equal(
      response.headers["preference-applied"],
      "odata.continue-on-error",
    );
    assert.equal(response.json.value.length, 500);
    assert.equal(response.json.value[0].actionState, "done");
    assert.deepEqual(response.json.value[499], {
      id: "item-499",
      "@Core.DataModificationException": {
        failedOperation: "update",
        responseCode: 400,
        info: {
          code: "RequestBodyRead",
          message:
            "The property 'actionState' has the invalid value 'exploded'. " +
            "Expected a member name of 'microsoft.graph.actionState': none, " +
            "pending, canceled, active, done, failed, notSupported.",
        },
      },
    });
    assert.equal(await count(), 499);
    const failed = await service.request({ url: `${collectionUrl}/item-499` });
    assert.equal(failed.status, 404);
  });

  test("continue-on-error reports a failed delete", async () => {
    const response = await service.request({
      method: "PATCH",
      url: "/beta",
      headers: { prefer: "continue-on-error" },
      payload: [{ id: "a" }, { id: "ghost", "@removed": {} }],
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers["preference-applied"], "continue-on-error");
    assert.equal(response.json.value[0].id, "a");
    assert.deepEqual(response.json.value[1], {
      id: "ghost",
      "@Core.DataModificationException": {
        failedOperation: "delete",
        responseCode: 404,
        info: {
          code: "ResourceNotFound",
          message: "No remoteActionAudit has the id 'ghost'.",
        },
      },
    });
    assert.equal(await count(), 1);
  });

  test("return=minimal is 204", async () => {
    const response = await service.request({
      method: "PATCH",
      url: "/beta",
      headers: { prefer: "return=minimal" },
      payload: [{ id: "quiet" }],
    });
    assert.equal(response.status, 204);
    assert.equal(response.text, "");
    assert.equal(await count(), 1);
  });

  test("body shapes that are not bulk payloads", async () => {
    const cases: [string, unknown, string][] = [
      [
        "/beta",
        { value: [] },
        "A bulk update body must be a JSON array of entities, not an object.",
      ],
      [
        collectionUrl,
        { "@context": "#Collection(x)", value: [] },
        "The payload context '#Collection(x)' is not a delta payload. " +
          "Use '#$delta' or send a plain JSON array.",
      ],
      [
        collectionUrl,
        "text",
        "A bulk update body must be a JSON array of entities, " +
          "{\"value\": [...]}, or a delta payload, not 'text'.",
      ],
    ];
    for (const [url, payload, message] of cases) {
      const response = await service.request({
        method: "PATCH",
        url,
        headers: { "content-type": "application/json" },
        payload: JSON.stringify(payload),
      });
      assert.equal(response.status, 400);
      assert.equal(response.json.error.message, message);
    }
  });

  test("items of the wrong type or shape", async () => {
    const response = await service.request({
      method: "PATCH",
      url: "/beta",
      payload: [{ id: "x" }, { "@odata.type": "#microsoft.graph.user" }],
    });
    assert.equal(response.status, 400);
    assert.equal(
      response.json.error.message,
      "Item 1: The @odata.type '#microsoft.graph.user' does not name " +
        "'microsoft.graph.remoteActionAudit'. Send " +
        "'#microsoft.graph.remoteActionAudit' or omit the annotation. " +
        "Nothing was changed.",
    );
    const removedWithoutId = await service.request({
      method: "PATCH",
      url: "/beta",
      payload: [{ "@removed": {} }],
    });
    assert.equal(removedWithoutId.status, 400);
    assert.equal(
      removedWithoutId.json.error.message,
      "Item 0: The item is marked removed but has no id. Give the id of the " +
        "record to delete as a non-empty string. Nothing was changed.",
    );
    assert.equal(await count(), 0);
  });
});
