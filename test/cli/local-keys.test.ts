import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

const loader = `
import { loadLocalKeys } from ${JSON.stringify(
  new URL("../../src/auth/local-keys.ts", import.meta.url).href,
)};
const keys = await loadLocalKeys(process.argv[1], { create: true });
process.stdout.write(keys.kid);
`;

/** Runs loadLocalKeys in a new process and returns its kid or error. */
function loadInProcess(dataDir: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "--input-type=module", "-e", loader, dataDir],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk) => (out += chunk));
    child.stderr.on("data", (chunk) => (err += chunk));
    child.on("close", (code) => {
      if (code === 0) resolve(out);
      else reject(new Error(`exit ${code}: ${err}`));
    });
  });
}

test("processes starting together share one key", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "raa-keys-"));
  try {
    const kids = await Promise.all(
      Array.from({ length: 4 }, () => loadInProcess(dataDir)),
    );
    assert.equal(new Set(kids).size, 1, kids.join(" "));
    assert.match(kids[0] ?? "", /^[0-9a-f-]{36}$/);
    assert.deepEqual(readdirSync(join(dataDir, "keys")), [
      "local-signing-key.json",
    ]);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
