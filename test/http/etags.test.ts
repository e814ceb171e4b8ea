import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import {
  collectionUrl,
  startTestService,
  type TestService,
} from "../helpers/service.ts";

describe("etags and preconditions", () => {
  let service: TestService;
  let etag = "";
  before(async () => {
    service = await startTestService();
    const created = await service.request({
      method: "POST",
      url: collectionUrl,
      payload: { id: "e1", actionState: "pending" },
    });
    etag = String(created.headers.etag);
  });
  after(() => service.close());

  const stored = async () =>
    (await service.request({ url: `${collectionUrl}/e1` })).json;

  test("etag changes on every change", async () => {
    assert.equal(etag, 'W/"1"');
    const patched = await service.request({
      method: "PATCH",
      url: `${collectionUrl}/e1`,
      headers: { "if-match": etag },
      payload: { actionState: "active" },
    });
    assert.equal(patched.status, 200);
    assert.equal(patched.headers.etag, 'W/"2"');
    assert.equal(patched.json["@odata.etag"], 'W/"2"');
    etag = 'W/"2"';
    const list = await service.request({ url: collectionUrl });
    assert.equal(list.json.value[0]["@odata.etag"], 'W/"2"');
  });

  test("stale If-Match is 412 and changes nothing", async () => {
    const response = await service.request({
      method: "PATCH",
      url: `${collectionUrl}/e1`,
      headers: { "if-match": 'W/"1"' },
      payload: { actionState: "failed" },
    });
    assert.equal(response.status, 412);
    assert.equal(response.json.error.code, "PreconditionFailed");
    assert.equal(
      response.json.error.message,
      'If-Match failed: the record \'e1\' has the ETag W/"2", not W/"1". ' +
        "Read it again and retry with the new ETag.",
    );
    assert.equal((await stored()).actionState, "active");
    const history = await service.request({
      url: "/history/remoteActionAudits/e1",
    });
    assert.equal(history.json.value.length, 2);
  });

  test("strong form and lists of tags match weakly", async () => {
    const response = await service.request({
      method: "PATCH",
      url: `${collectionUrl}/e1`,
      headers: { "if-match": '"7", "2"' },
      payload: { deviceIMEI: "1" },
    });
    assert.equal(response.status, 200);
    etag = String(response.headers.etag);
  });

  test("If-Match star needs an existing record", async () => {
    const missing = await service.request({
      method: "PATCH",
      url: `${collectionUrl}/nobody`,
      headers: { "if-match": "*" },
      payload: { deviceIMEI: "1" },
    });
    assert.equal(missing.status, 412);
    assert.equal(
      missing.json.error.message,
      "If-Match failed: no remoteActionAudit has the id 'nobody'.",
    );
    const present = await service.request({
      method: "PATCH",
      url: `${collectionUrl}/e1`,
      headers: { "if-match": "*" },
      payload: { deviceIMEI: "2" },
    });
    assert.equal(present.status, 200);
    etag = String(present.headers.etag);
  });

  test("If-None-Match on get is 304", async () => {
    const response = await service.request({
      url: `${collectionUrl}/e1`,
      headers: { "if-none-match": etag },
    });
    assert.equal(response.status, 304);
    assert.equal(response.text, "");
    assert.equal(response.headers.etag, etag);
    const changed = await service.request({
      url: `${collectionUrl}/e1`,
      headers: { "if-none-match": 'W/"1"' },
    });
    assert.equal(changed.status, 200);
  });

  test("malformed If-Match is 400", async () => {
    const response = await service.request({
      method: "DELETE",
      url: `${collectionUrl}/e1`,
      headers: { "if-match": "2" },
    });
    assert.equal(response.status, 400);
    assert.equal(
      response.json.error.message,
      "The If-Match header '2' is not '*' or a list of entity tags such as " +
        'W/"42". Send the ETag exactly as it was returned.',
    );
    assert.equal((await stored()).id, "e1");
  });

  test("delete with a stale If-Match is 412", async () => {
    const response = await service.request({
      method: "DELETE",
      url: `${collectionUrl}/e1`,
      headers: { "if-match": 'W/"1"' },
    });
    assert.equal(response.status, 412);
    assert.equal((await stored()).id, "e1");
  });

  test("bulk item etag mismatch fails that item", async () => {
    const atomic = await service.request({
      method: "PATCH",
      url: "/beta",
      payload: [
        { id: "e2" },
        { id: "e1", "@odata.etag": 'W/"1"', actionState: "done" },
      ],
    });
    assert.equal(atomic.status, 412);
    assert.equal(
      atomic.json.error.message,
      "Item 1 (id 'e1'): If-Match failed: the record 'e1' has the ETag " +
        `${etag}, not W/"1". Read it again and retry with the new ETag. ` +
        "Nothing was changed.",
    );
    const e2 = await service.request({ url: `${collectionUrl}/e2` });
    assert.equal(e2.status, 404);

    const lenient = await service.request({
      method: "PATCH",
      url: "/beta",
      headers: { prefer: "odata.continue-on-error" },
      payload: [
        { id: "e1", "@odata.etag": 'W/"1"', actionState: "done" },
        { id: "e1", "@odata.etag": etag, actionState: "failed" },
      ],
    });
    assert.equal(lenient.status, 200);
    assert.equal(
      lenient.json.value[0]["@Core.DataModificationException"].responseCode,
      412,
    );
    assert.equal(lenient.json.value[1].actionState, "failed");
    assert.equal((await stored()).actionState, "failed");
  });
});
