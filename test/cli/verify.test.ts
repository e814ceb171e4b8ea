import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";

import Sqlite from "better-sqlite3";

import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";

const run = promisify(execFile);
const cli = new URL("../../bin/remote-action-audits.js", import.meta.url)
  .pathname;

/** Runs `verify` on a file and returns its exit code and output. */
async function verify(db: string) {
  try {
    const { stdout } = await run(process.execPath, [cli, "verify", "--db", db]);
    return { code: 0, stdout };
  } catch (error) {
    const failure = error as { code: number; stdout: string };
    return { code: failure.code, stdout: failure.stdout };
  }
}

let directory = "";
let db = "";
before(async () => {
  directory = mkdtempSync(join(tmpdir(), "raa-verify-"));
  db = join(directory, "audits.db");
  const store = await openSqliteStore(db);
  const context = { receivedAt: new Date(), actor: { subject: "s" } };
  for (let i = 0; i < 30; i++) {
    const id = `v${i}`;
    const record = (await store.get(id))?.record;
    assert.equal(record, undefined);
    await store.applyBulk(
      [{ kind: "upsert", id, changes: { deviceIMEI: String(i) } }],
      { continueOnError: false, ...context },
    );
    await store.update(id, { actionState: 4 }, context);
  }
  await store.delete("v7", context);
  await store.close();
});
after(() => rmSync(directory, { recursive: true, force: true }));

test("verify passes an untouched store", async () => {
  const result = await verify(db);
  assert.equal(result.code, 0);
  assert.equal(result.stdout, "ok: 61 versions of 30 records verified\n");
});

test("verify reports an edited version", async () => {
  const connection = new Sqlite(db);
  connection
    .prepare(
      `UPDATE remote_action_audit_versions SET "actorSubject" = 'someone'
       WHERE "recordId" = 'v12' AND "version" = 2`,
    )
    .run();
  connection.close();
  const result = await verify(db);
  assert.equal(result.code, 1);
  assert.equal(
    result.stdout,
    "broken: record 'v12' version 2: hash does not match the version's content\n",
  );
});

test("verify reports an edited record", async () => {
  const connection = new Sqlite(db);
  connection
    .prepare(
      `UPDATE remote_action_audit_versions SET "actorSubject" = 's'
       WHERE "recordId" = 'v12' AND "version" = 2`,
    )
    .run();
  connection
    .prepare(
      `UPDATE remote_action_audits SET "deviceIMEI" = 'x' WHERE "id" = 'v3'`,
    )
    .run();
  connection.close();
  const result = await verify(db);
  assert.equal(result.code, 1);
  assert.equal(
    result.stdout,
    "broken: record 'v3' version 2: the stored record differs from its " +
      "latest version's snapshot\n",
  );
});

test("verify reports a removed version", async () => {
  const connection = new Sqlite(db);
  connection
    .prepare(
      `UPDATE remote_action_audits SET "deviceIMEI" = '3' WHERE "id" = 'v3'`,
    )
    .run();
  connection
    .prepare(
      `DELETE FROM remote_action_audit_versions WHERE "recordId" = 'v20' AND "version" = 1`,
    )
    .run();
  connection.close();
  const result = await verify(db);
  assert.equal(result.code, 1);
  assert.equal(
    result.stdout,
    "broken: record 'v20' version 2: version 1 is missing\n",
  );
});

test("verify on a missing file fails without creating it", async () => {
  const missing = join(directory, "absent", "audits.db");
  const result = await run(process.execPath, [
    cli,
    "verify",
    "--db",
    missing,
  ]).then(
    () => ({ code: 0, stderr: "" }),
    (error: { code: number; stderr: string }) => error,
  );
  assert.equal(result.code, 1);
  assert.equal(
    result.stderr,
    `remote-action-audits: no database file at ${missing}; check --db or --data-dir\n`,
  );
  assert.equal(existsSync(join(directory, "absent")), false);
});
