import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import {
  base,
  collectionUrl,
  createRecords,
  startTestService,
  type TestService,
} from "../helpers/service.ts";

const records = [
  {
    id: "r1",
    actionState: "done",
    deviceDisplayName: "Bravo",
    requestDateTime: "2024-01-03T00:00:00Z",
  },
  {
    id: "r2",
    actionState: "failed",
    deviceDisplayName: null,
    requestDateTime: "2024-01-01T00:00:00Z",
  },
  {
    id: "r3",
    actionState: "pending",
    deviceDisplayName: "Alpha",
    requestDateTime: "2024-01-02T00:00:00Z",
  },
  {
    id: "r4",
    actionState: "failed",
    deviceDisplayName: "Alpha",
    requestDateTime: "2024-01-04T00:00:00Z",
  },
  {
    id: "r5",
    actionState: "none",
    deviceDisplayName: "charlie",
    requestDateTime: "2024-01-05T00:00:00Z",
  },
];

function ids(body: { value: { id: string }[] }): string[] {
  return body.value.map((item) => item.id);
}

describe("query options", () => {
  let service: TestService;
  before(async () => {
    service = await startTestService();
    await createRecords(service, records);
  });
  after(() => service.close());

  const list = (query: string) =>
    service.request({ url: `${collectionUrl}?${query}` });

  async function assertBadRequest(query: string, message: string) {
    const response = await list(query);
    assert.equal(response.status, 400, response.text);
    assert.equal(response.json.error.code, "BadRequest");
    assert.equal(response.json.error.message, message);
  }

  test("list without options returns all by id", async () => {
    const response = await list("");
    assert.equal(response.status, 200);
    assert.equal(
      response.json["@odata.context"],
      `${base}/beta/$metadata#deviceManagement/remoteActionAudits`,
    );
    assert.deepEqual(ids(response.json), ["r1", "r2", "r3", "r4", "r5"]);
    assert.equal(response.json["@odata.nextLink"], undefined);
    assert.equal(response.json["@odata.count"], undefined);
  });

  test("orderby a property, nulls first ascending", async () => {
    const response = await list("$orderby=deviceDisplayName");
    assert.deepEqual(ids(response.json), ["r2", "r3", "r4", "r1", "r5"]);
  });

  test("orderby descending, nulls last, id breaks ties", async () => {
    const response = await list("$orderby=deviceDisplayName desc");
    assert.deepEqual(ids(response.json), ["r5", "r1", "r3", "r4", "r2"]);
  });

  test("orderby enum sorts by member value", async () => {
    const response = await list("$orderby=actionState desc,requestDateTime");
    // failed=5, done=4, pending=1, none=0
    assert.deepEqual(ids(response.json), ["r2", "r4", "r1", "r3", "r5"]);
  });

  test("top, skip and count", async () => {
    const response = await list(
      "$orderby=requestDateTime&$skip=1&$top=2&$count=true",
    );
    assert.equal(response.status, 200);
    assert.equal(response.json["@odata.count"], 5);
    assert.deepEqual(ids(response.json), ["r3", "r1"]);
    assert.equal(response.json["@odata.nextLink"], undefined);
  });

  test("top=0 returns no rows", async () => {
    const response = await list("$top=0&$count=true");
    assert.deepEqual(response.json.value, []);
    assert.equal(response.json["@odata.count"], 5);
  });

  test("select projects and names the projection", async () => {
    const response = await list("$select=deviceDisplayName&$top=1");
    assert.deepEqual(response.json, {
      "@odata.context": `${base}/beta/$metadata#deviceManagement/remoteActionAudits(deviceDisplayName)`,
      value: [
        {
          "@odata.type": "#microsoft.graph.remoteActionAudit",
          "@odata.etag": 'W/"1"',
          id: "r1",
          deviceDisplayName: "Bravo",
        },
      ],
    });
  });

  test("select names a property once", async () => {
    const response = await list("$select=action,action&$top=1");
    assert.equal(
      response.json["@odata.context"],
      `${base}/beta/$metadata#deviceManagement/remoteActionAudits(action)`,
    );
    assert.deepEqual(Object.keys(response.json.value[0]), [
      "@odata.type",
      "@odata.etag",
      "id",
      "action",
    ]);
  });

  test("select star returns every property", async () => {
    const response = await list("$select=*&$top=1");
    // 13 properties, @odata.type and @odata.etag.
    assert.equal(Object.keys(response.json.value[0]).length, 15);
  });

  test("option names without $ and in any case", async () => {
    for (const query of ["top=1", "$Top=1", "TOP=1", "%24top=1"]) {
      const response = await list(query);
      assert.equal(response.status, 200, query);
      assert.deepEqual(ids(response.json), ["r1"], query);
    }
  });

  test("custom options without $ are ignored", async () => {
    const response = await list("tenant=contoso&$top=1");
    assert.equal(response.status, 200);
    assert.deepEqual(ids(response.json), ["r1"]);
  });

  test("plus in the query is a space", async () => {
    const response = await list("$orderby=requestDateTime+desc&$top=1");
    assert.deepEqual(ids(response.json), ["r5"]);
  });

  test("unknown $ option", async () => {
    await assertBadRequest(
      "$foo=1",
      "The query option '$foo' is not supported. Supported options: " +
        "$filter, $search, $select, $orderby, $top, $skip, $count, " +
        "$expand, $format, $skiptoken, $deltatoken.",
    );
  });

  test("duplicate option, also across spellings", async () => {
    for (const query of ["$top=1&$top=2", "$top=1&top=2", "$TOP=1&$top=1"]) {
      await assertBadRequest(
        query,
        "The query option '$top' appears more than once. Send each option once.",
      );
    }
  });

  test("invalid top, skip and count values", async () => {
    await assertBadRequest(
      "$top=-1",
      "The value '-1' of '$top' is invalid. Use a non-negative integer such as '$top=10'.",
    );
    await assertBadRequest(
      "$skip=ten",
      "The value 'ten' of '$skip' is invalid. Use a non-negative integer such as '$skip=10'.",
    );
    await assertBadRequest(
      "$count=yes",
      "The value 'yes' of '$count' is invalid. Use '$count=true' or '$count=false'.",
    );
    await assertBadRequest(
      "$top=2000000",
      "The value 2000000 of '$top' exceeds the maxTop setting (1000000). " +
        "Request at most 1000000 rows.",
    );
  });

  test("unknown properties in select and orderby", async () => {
    await assertBadRequest(
      "$select=actionstate",
      "Could not find a property named 'actionstate' on type " +
        "'microsoft.graph.remoteActionAudit'. Did you mean 'actionState'?",
    );
    await assertBadRequest(
      "$orderby=color desc",
      "Could not find a property named 'color' on type " +
        "'microsoft.graph.remoteActionAudit'.",
    );
    await assertBadRequest(
      "$select=id,,action",
      "The '$select' option has an empty item. Separate property names with single commas.",
    );
  });

  test("orderby on the collection property", async () => {
    await assertBadRequest(
      "$orderby=deviceActionDetails",
      "The collection 'deviceActionDetails' cannot be used as a value. Use " +
        "'deviceActionDetails/any(d: …)' or 'deviceActionDetails/all(d: …)'.",
    );
  });

  test("expand and format", async () => {
    await assertBadRequest(
      "$expand=device",
      "The query option '$expand' is not supported, because " +
        "'microsoft.graph.remoteActionAudit' has no navigation properties.",
    );
    await assertBadRequest(
      "$format=xml",
      "The value 'xml' of '$format' is not supported. Use '$format=json' or omit the option.",
    );
    const json = await list("$format=json&$top=1");
    assert.equal(json.status, 200);
  });

  test("invalid percent-encoding", async () => {
    await assertBadRequest(
      "$orderby=%E0%A4%A",
      "The query text '%E0%A4%A' has an invalid percent-encoding. Encode '%' as '%25'.",
    );
  });

  test("options a resource does not take", async () => {
    const response = await service.request({
      url: `${collectionUrl}/r1?$top=1`,
    });
    assert.equal(response.status, 400);
    assert.equal(
      response.json.error.message,
      "The query option '$top' is not supported on this resource.",
    );
  });
});
