import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { sql } from "kysely";

import { versionHash } from "../../src/store/history.ts";
import { verifyHistory } from "../../src/store/verify.ts";
import {
  collectionUrl,
  startTestService,
  type TestService,
} from "../helpers/service.ts";

describe("version history", () => {
  let service: TestService;
  before(async () => {
    service = await startTestService();
  });
  after(() => service.close());

  const history = (id: string, query = "") =>
    service.request({ url: `/history/remoteActionAudits/${id}${query}` });

  test("every write path appends a version", async () => {
    const token = await service.token({
      subject: "admin-sub",
      appId: "admin-app",
      userPrincipalName: "admin@contoso.com",
    });
    const authorization = `Bearer ${token}`;
    const created = await service.request({
      method: "POST",
      url: collectionUrl,
      headers: { authorization },
      payload: { id: "h1", action: "remoteLock" },
    });
    await service.request({
      method: "PATCH",
      url: `${collectionUrl}/h1`,
      payload: { actionState: "done" },
    });
    await service.request({
      method: "PATCH",
      url: "/beta",
      payload: [{ id: "h1", deviceIMEI: "42" }],
    });
    await service.request({ method: "DELETE", url: `${collectionUrl}/h1` });
    await service.request({
      method: "PATCH",
      url: collectionUrl,
      payload: [{ id: "h1", action: "rebootNow" }],
    });

    const response = await history("h1");
    assert.equal(response.status, 200);
    const versions = response.json.value;
    assert.deepEqual(
      versions.map((v: { version: number; changeKind: string }) => [
        v.version,
        v.changeKind,
      ]),
      [
        [1, "created"],
        [2, "updated"],
        [3, "updated"],
        [4, "deleted"],
        [5, "created"],
      ],
    );
    const first = versions[0];
    assert.deepEqual(first.actor, {
      subject: "admin-sub",
      appId: "admin-app",
      userPrincipalName: "admin@contoso.com",
    });
    assert.equal(first.requestId, created.headers["request-id"]);
    assert.equal(first.previousHash, null);
    assert.equal(first.snapshot.action, "remoteLock");
    assert.equal(first.snapshot.id, "h1");
    assert.equal(versions[3].snapshot, null);
    assert.equal(versions[2].snapshot.deviceIMEI, "42");
    assert.equal(versions[4].snapshot.deviceIMEI, null);
    for (let i = 1; i < versions.length; i++) {
      assert.equal(versions[i].previousHash, versions[i - 1].hash);
    }
    assert.deepEqual(versions[1].actor, {
      subject: "test-user",
      appId: "test-app",
      userPrincipalName: null,
    });
  });

  test("history pages with a next link", async () => {
    const first = await history("h1", "?$top=2");
    assert.equal(first.json.value.length, 2);
    const link = new URL(first.json["@odata.nextLink"]);
    assert.equal(link.pathname, "/history/remoteActionAudits/h1");
    const second = await history("h1", link.search);
    assert.deepEqual(
      second.json.value.map((v: { version: number }) => v.version),
      [3, 4],
    );
    const third = await history(
      "h1",
      new URL(second.json["@odata.nextLink"]).search,
    );
    assert.deepEqual(
      third.json.value.map((v: { version: number }) => v.version),
      [5],
    );
    assert.equal(third.json["@odata.nextLink"], undefined);
  });

  test("unknown id is 404 and a token is needed", async () => {
    const missing = await history("never");
    assert.equal(missing.status, 404);
    assert.equal(
      missing.json.error.message,
      "No version history exists for the id 'never'. Records keep their " +
        "history after deletion, so the id was never used.",
    );
    const anonymous = await service.request({
      url: "/history/remoteActionAudits/h1",
      headers: { authorization: "" },
    });
    assert.equal(anonymous.status, 401);
  });

  test("failed writes append no version", async () => {
    await service.request({
      method: "PATCH",
      url: `${collectionUrl}/h1`,
      payload: { actionState: "nonsense" },
    });
    await service.request({
      method: "PATCH",
      url: "/beta",
      payload: [
        { id: "h1", actionState: "done" },
        { id: "h2", action: 5 },
      ],
    });
    const response = await history("h1");
    assert.equal(response.json.value.length, 5);
  });

  test("verify passes on an untouched store", async () => {
    const result = await verifyHistory(service.store.db);
    assert.deepEqual(result, { versions: 5, records: 1 });
  });

  test("verify finds an edited version", async () => {
    await sql`update remote_action_audit_versions
      set "snapshot" = replace("snapshot", '"42"', '"43"')
      where "recordId" = 'h1' and "version" = 3`.execute(service.store.db);
    const result = await verifyHistory(service.store.db);
    assert.deepEqual(result.broken, {
      recordId: "h1",
      version: 3,
      reason: "hash does not match the version's content",
    });
  });

  test("verify finds a rehashed edit by the chain", async () => {
    const rows = await sql<
      Record<string, unknown>
    >`select * from remote_action_audit_versions
      where "recordId" = 'h1' and "version" = 3`.execute(service.store.db);
    const row = rows.rows[0] as Parameters<typeof versionHash>[0];
    const rehashed = versionHash(row);
    await sql`update remote_action_audit_versions set "hash" = ${rehashed}
      where "recordId" = 'h1' and "version" = 3`.execute(service.store.db);
    const result = await verifyHistory(service.store.db);
    assert.deepEqual(result.broken, {
      recordId: "h1",
      version: 4,
      reason: "previousHash does not match the version before it",
    });
  });
});
