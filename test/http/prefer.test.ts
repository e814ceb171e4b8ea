import assert from "node:assert/strict";
import { after, beforeEach, describe, test } from "node:test";

import {
  base,
  collectionUrl,
  startTestService,
  type TestService,
} from "../helpers/service.ts";

/** A member added after unknownFutureValue in Graph's remoteAction enum. */
const newMember = "launchRemoteHelp";

describe("Prefer", () => {
  let service: TestService;
  beforeEach(async () => {
    await service?.close();
    service = await startTestService();
    for (const id of ["p-1", "p-2", "p-3"]) {
      const created = await service.request({
        method: "POST",
        url: collectionUrl,
        payload: { id, action: newMember },
      });
      assert.equal(created.status, 201);
    }
  });
  after(() => service.close());

  const patch = (prefer?: string) =>
    service.request({
      method: "PATCH",
      url: `${collectionUrl}/p-1`,
      headers: prefer === undefined ? {} : { prefer },
      payload: { actionState: "done" },
    });

  test("return=minimal on update", async () => {
    const response = await patch("return=minimal");
    assert.equal(response.status, 204);
    assert.equal(response.text, "");
    assert.equal(response.headers["preference-applied"], "return=minimal");
    assert.equal(response.headers.etag, 'W/"4"');
    assert.equal(response.headers["content-type"], undefined);
  });

  test("return=minimal on create", async () => {
    const response = await service.request({
      method: "POST",
      url: collectionUrl,
      headers: { prefer: "return=minimal" },
      payload: { id: "p-9" },
    });
    const url = `${base}/beta/deviceManagement/remoteActionAudits/p-9`;
    assert.equal(response.status, 204);
    assert.equal(response.text, "");
    assert.equal(response.headers["preference-applied"], "return=minimal");
    assert.equal(response.headers.location, url);
    assert.equal(response.headers["odata-entityid"], url);
    assert.equal(response.headers.etag, 'W/"4"');
  });

  test("return=representation on update and create", async () => {
    const updated = await patch("return=representation");
    assert.equal(updated.status, 200);
    assert.equal(updated.json.actionState, "done");
    assert.equal(
      updated.headers["preference-applied"],
      "return=representation",
    );

    const created = await service.request({
      method: "POST",
      url: collectionUrl,
      headers: { prefer: "return=representation" },
      payload: { id: "p-8" },
    });
    assert.equal(created.status, 201);
    assert.equal(created.json.id, "p-8");
    assert.equal(
      created.headers["preference-applied"],
      "return=representation",
    );
    assert.equal(created.headers["odata-entityid"], undefined);
  });

  test("maxpagesize in both spellings", async () => {
    for (const name of ["odata.maxpagesize", "maxpagesize"]) {
      const response = await service.request({
        url: `${collectionUrl}?$orderby=id`,
        headers: { prefer: `${name}=2` },
      });
      assert.equal(response.status, 200);
      assert.equal(response.headers["preference-applied"], `${name}=2`);
      assert.deepEqual(
        response.json.value.map((record: { id: string }) => record.id),
        ["p-1", "p-2"],
      );
      assert.match(response.json["@odata.nextLink"], /\$skiptoken=/);
    }
  });

  test("invalid maxpagesize is ignored", async () => {
    for (const value of ["0", "-1", "two", "1.5"]) {
      const response = await service.request({
        url: collectionUrl,
        headers: { prefer: `odata.maxpagesize=${value}` },
      });
      assert.equal(response.status, 200, value);
      assert.equal(response.headers["preference-applied"], undefined, value);
      assert.equal(response.json.value.length, 3, value);
    }
  });

  test("continue-on-error on bulk update", async () => {
    for (const name of ["odata.continue-on-error", "continue-on-error"]) {
      const response = await service.request({
        method: "PATCH",
        url: collectionUrl,
        headers: { prefer: name },
        payload: [
          { id: "p-2", actionState: "failed" },
          { id: "p-3", actionState: "unknown-state" },
        ],
      });
      assert.equal(response.status, 200, name);
      assert.equal(response.headers["preference-applied"], name);
      assert.equal(response.json.value[0].actionState, "failed");
      assert.equal(
        response.json.value[1]["@Core.DataModificationException"].responseCode,
        400,
      );
    }
  });

  test("include-unknown-enum-members on reads", async () => {
    const urls = [
      `${collectionUrl}/p-1`,
      `${collectionUrl}?$top=1`,
      `${collectionUrl}/delta`,
    ];
    for (const url of urls) {
      const plain = await service.request({ url });
      assert.equal(plain.headers["preference-applied"], undefined, url);
      assert.doesNotMatch(plain.text, new RegExp(newMember), url);
      assert.match(plain.text, /"action":"unknownFutureValue"/, url);

      const preferred = await service.request({
        url,
        headers: { prefer: "include-unknown-enum-members" },
      });
      assert.equal(
        preferred.headers["preference-applied"],
        "include-unknown-enum-members",
        url,
      );
      assert.match(preferred.text, /"action":"launchRemoteHelp"/, url);
      assert.doesNotMatch(preferred.text, /unknownFutureValue/, url);
    }
  });

  test("include-unknown-enum-members on writes", async () => {
    const updated = await patch("include-unknown-enum-members");
    assert.equal(updated.json.action, newMember);
    assert.equal(
      updated.headers["preference-applied"],
      "include-unknown-enum-members",
    );

    const bulk = await service.request({
      method: "PATCH",
      url: collectionUrl,
      headers: { prefer: "include-unknown-enum-members" },
      payload: [{ id: "p-2" }, { id: "p-3" }],
    });
    assert.equal(bulk.status, 200);
    assert.deepEqual(
      bulk.json.value.map((record: { action: string }) => record.action),
      [newMember, newMember],
    );
    assert.equal(
      bulk.headers["preference-applied"],
      "include-unknown-enum-members",
    );
  });

  test("several preferences in one header", async () => {
    const minimal = await patch("return=minimal, include-unknown-enum-members");
    assert.equal(minimal.status, 204);
    // A 204 carries no record, so the enum preference is not applied.
    assert.equal(minimal.headers["preference-applied"], "return=minimal");

    const listed = await service.request({
      url: `${collectionUrl}?$orderby=id`,
      headers: {
        prefer: "odata.maxpagesize=1, include-unknown-enum-members",
      },
    });
    assert.equal(
      listed.headers["preference-applied"],
      "odata.maxpagesize=1, include-unknown-enum-members",
    );
  });

  test("unknown preferences are ignored", async () => {
    const response = await service.request({
      url: `${collectionUrl}/p-1`,
      headers: { prefer: "respond-async, wait=10, odata.track-changes, x" },
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers["preference-applied"], undefined);
    assert.equal(response.json.id, "p-1");

    const written = await patch("handling=strict");
    assert.equal(written.status, 200);
    assert.equal(written.headers["preference-applied"], undefined);
  });
});
