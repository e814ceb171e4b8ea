/**
 * `$metadata` read by an OData code generator. odata2ts (0.34.0) generates
 * a typed TypeScript client from the document the running service serves.
 * The TypeScript compiler checks a small program that uses the client, and
 * the program then lists, creates and patches records on the service.
 *
 * The generated files live under node_modules/.cache, where they can import
 * the project's @odata2ts runtime packages and where Prettier looks not.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";

import { createTestDatabase, type TestDatabase } from "../helpers/backend.ts";
import { createLocalFetch, type LocalFetch } from "./helpers/local-fetch.ts";
import {
  mintToken,
  startServiceProcess,
  type ServiceProcess,
} from "./helpers/service-process.ts";

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const projectRoot = fileURLToPath(new URL("../../", import.meta.url));
const generatorCli = join(
  dirname(require.resolve("@odata2ts/odata2ts")),
  "run-cli.js",
);
const typescriptCli = join(
  dirname(require.resolve("typescript/package.json")),
  "bin",
  "tsc",
);

/** A program that uses the generated client with its types. */
const exerciseSource = `
import { FetchClient } from "@odata2ts/http-client-fetch";
import { GraphService } from "./gen/GraphService";
import { actionState, deviceActionCategory, remoteAction } from "./gen/GraphModel";

export async function exercise(serviceRoot: string, token: string) {
  const client = new FetchClient({ headers: { Authorization: "Bearer " + token } });
  const graph = new GraphService(client, serviceRoot);
  const audits = graph.deviceManagement().remoteActionAudits();

  const created = await audits.create({
    action: remoteAction.remoteLock,
    actionState: actionState.pending,
    requestDateTime: "2024-06-01T10:00:00Z",
    deviceDisplayName: "Generated client",
    deviceIMEI: null,
    deviceOwnerUserPrincipalName: null,
    initiatedByUserPrincipalName: "admin@contoso.com",
    managedDeviceId: null,
    userName: null,
    bulkDeviceActionId: null,
    deviceActionCategory: deviceActionCategory.single,
    deviceActionDetails: [{ key: "source", value: "odata2ts" }],
  });
  const id: string = created.data.id;
  const listed = await audits.query((builder) =>
    builder.select("id", "actionState", "deviceDisplayName").top(10),
  );
  const patched = await graph
    .deviceManagement()
    .remoteActionAudits(id)
    .patch({ actionState: actionState.done });
  const fetched = await graph.deviceManagement().remoteActionAudits(id).query();
  return {
    created: { status: created.status, data: created.data },
    listed: { status: listed.status, data: listed.data },
    patched: { status: patched.status, data: patched.data },
    fetched: { status: fetched.status, data: fetched.data },
  };
}
`;

const compilerOptions = {
  target: "es2022",
  module: "esnext",
  moduleResolution: "bundler",
  lib: ["es2022", "dom"],
  strict: true,
  noEmit: true,
  skipLibCheck: true,
  types: [],
};

let database: TestDatabase;
let service: ServiceProcess;
let localFetch: LocalFetch;
let workDirectory: string;
let originalFetch: typeof fetch;

before(async () => {
  database = await createTestDatabase();
  service = await startServiceProcess({
    dataDir: database.directory,
    db: database.db,
  });
  localFetch = createLocalFetch();
  // The generated client calls the global fetch; this one refuses hosts
  // that are not this machine and records every exchange.
  originalFetch = globalThis.fetch;
  globalThis.fetch = localFetch.fetch as typeof fetch;
  workDirectory = join(
    projectRoot,
    "node_modules",
    ".cache",
    `raa-odata2ts-${randomUUID()}`,
  );
  mkdirSync(workDirectory, { recursive: true });
});

after(async () => {
  globalThis.fetch = originalFetch;
  rmSync(workDirectory, { recursive: true, force: true });
  await service?.stop("SIGTERM");
  await database.drop();
});

test("odata2ts generates a client that compiles", async () => {
  const response = await localFetch.fetch(`${service.origin}/beta/$metadata`);
  assert.equal(response.status, 200);
  writeFileSync(join(workDirectory, "metadata.xml"), await response.text());
  writeFileSync(
    join(workDirectory, "tsconfig.json"),
    JSON.stringify({ compilerOptions, include: ["gen/*.ts", "exercise.ts"] }),
  );

  const generated = await run(
    process.execPath,
    [
      generatorCli,
      "-s",
      "metadata.xml",
      "-o",
      "gen",
      "-m",
      "service",
      "-e",
      "ts",
      "-name",
      "Graph",
    ],
    { cwd: workDirectory },
  );
  assert.match(generated.stdout, /Successfully finished!/);
  for (const file of ["GraphModel.ts", "QGraph.ts", "GraphService.ts"]) {
    assert.ok(existsSync(join(workDirectory, "gen", file)), file);
  }
  const model = readFileSync(
    join(workDirectory, "gen", "GraphModel.ts"),
    "utf8",
  );
  assert.match(model, /export interface remoteActionAudit extends entity \{/);
  assert.match(model, /launchRemoteHelp = "launchRemoteHelp"/);
  assert.match(
    model,
    /deviceActionDetails: Array<keyValuePair_2OfString_String>;/,
  );

  writeFileSync(join(workDirectory, "exercise.ts"), exerciseSource);
  // tsc exits non-zero and prints the errors when the program is mistyped.
  await run(process.execPath, [typescriptCli, "-p", workDirectory]);
});

test("generated client lists, creates and patches", async () => {
  const before = localFetch.exchanges.length;
  const module = (await import(
    pathToFileURL(join(workDirectory, "exercise.ts")).href
  )) as {
    exercise(serviceRoot: string, token: string): Promise<any>; // generated types
  };
  const token = await mintToken(database.directory);
  const result = await module.exercise(`${service.origin}/beta`, token);

  assert.equal(result.created.status, 201);
  const id = result.created.data.id;
  assert.match(id, /^[0-9a-f-]{36}$/);
  assert.equal(result.created.data.actionState, "pending");
  assert.deepEqual(result.created.data.deviceActionDetails, [
    { key: "source", value: "odata2ts" },
  ]);

  assert.equal(result.listed.status, 200);
  assert.deepEqual(
    result.listed.data.value.map((record: Record<string, unknown>) => [
      record.id,
      record.actionState,
      record.deviceDisplayName,
    ]),
    [[id, "pending", "Generated client"]],
  );

  assert.equal(result.patched.status, 200);
  assert.equal(result.patched.data.actionState, "done");
  assert.equal(result.fetched.status, 200);
  assert.equal(result.fetched.data.actionState, "done");
  assert.equal(result.fetched.data.deviceDisplayName, "Generated client");

  const sent = localFetch.exchanges
    .slice(before)
    .map((exchange) => [
      exchange.method,
      exchange.url.replace(service.origin, ""),
      exchange.status,
    ]);
  const entity = `/beta/deviceManagement/remoteActionAudits('${id}')`;
  assert.deepEqual(sent, [
    ["POST", "/beta/deviceManagement/remoteActionAudits", 201],
    [
      "GET",
      "/beta/deviceManagement/remoteActionAudits" +
        "?%24select=id%2CactionState%2CdeviceDisplayName&%24top=10",
      200,
    ],
    ["PATCH", entity, 200],
    ["GET", entity, 200],
  ]);
});
