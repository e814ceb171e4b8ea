import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { withDefaults } from "../../src/model/serialize.ts";
import type { SqlStore } from "../../src/store/sql-store.ts";
import {
  createTestDatabase,
  openTestStore,
  type TestDatabase,
} from "../helpers/backend.ts";

let database: TestDatabase;
let store: SqlStore;

before(async () => {
  database = await createTestDatabase();
  store = await openTestStore(database.db);
});

after(async () => {
  await store.close();
  await database.drop();
});

const context = { receivedAt: new Date("2026-01-02T03:04:05Z"), actor: {} };

function record(id: string) {
  return withDefaults({ id }, id, context.receivedAt);
}

test("get skips uncommitted records", async () => {
  let insideTransaction: unknown;
  let outsideTransaction: unknown = "not read";
  await store.transaction(async (transaction) => {
    await transaction.create(record("pending-1"), context);
    insideTransaction = (await transaction.get("pending-1"))?.record.id;
    outsideTransaction = await store.get("pending-1");
  });
  assert.equal(insideTransaction, "pending-1");
  assert.equal(outsideTransaction, undefined);
  assert.equal((await store.get("pending-1"))?.record.id, "pending-1");
});

test("get sees a committed update", async () => {
  await store.create(record("updated-1"), context);
  const previous = await store.get("updated-1");
  await store.update("updated-1", { actionState: 3 }, context);
  const current = await store.get("updated-1");
  assert.equal(previous?.record.actionState, 0);
  assert.equal(current?.record.actionState, 3);
  assert.notEqual(current?.etag, previous?.etag);
});

test("get after rollback finds nothing", async () => {
  await assert.rejects(
    store.transaction(async (transaction) => {
      await transaction.create(record("rolled-back-1"), context);
      throw new Error("abandon the transaction");
    }),
    /abandon the transaction/,
  );
  assert.equal(await store.get("rolled-back-1"), undefined);
});
