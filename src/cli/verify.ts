/**
 * `remote-action-audits verify`: recomputes every version chain of a store
 * and checks each record against its latest version. Exits 1 and names the
 * first broken link when it finds one.
 */
import { join } from "node:path";
import { parseArgs } from "node:util";

import { verifyHistory } from "../store/verify.ts";
import { openStore } from "./open-store.ts";
import { createLogger } from "./serve.ts";
import { defaultPostgresSettings } from "./serve-options.ts";
import { databaseFileName, defaultDataDir } from "./serve-options.ts";

export const verifyUsage = `usage: remote-action-audits verify [options]

Checks that no stored version was edited or removed.

  --data-dir DIR   data directory of the service (default ./data, or RAA_DATA_DIR)
  --db FILE        database (default <data-dir>/${databaseFileName}, or RAA_DB)
`;

/** Runs the check and returns the exit code. */
export async function runVerify(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: { "data-dir": { type: "string" }, db: { type: "string" } },
  });
  const dataDir = values["data-dir"] ?? env.RAA_DATA_DIR ?? defaultDataDir;
  const db =
    values.db ??
    env.RAA_DB ??
    env.DATABASE_URL ??
    join(dataDir, databaseFileName);
  const logger = createLogger("warn");
  const store = await openStore(db, logger, defaultPostgresSettings, {
    mustExist: true,
  });
  const terminal = process.stderr.isTTY === true;
  try {
    const result = await verifyHistory(store.db, (versions) => {
      if (terminal) process.stderr.write(`\rverified ${versions} versions`);
    });
    if (terminal) process.stderr.write("\n");
    if (result.broken !== undefined) {
      const { recordId, version, reason } = result.broken;
      process.stdout.write(
        `broken: record '${recordId}' version ${version}: ${reason}\n`,
      );
      return 1;
    }
    process.stdout.write(
      `ok: ${result.versions} versions of ${result.records} records verified\n`,
    );
    return 0;
  } finally {
    await store.close();
  }
}
