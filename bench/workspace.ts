/**
 * The harness's workspace (temporary folder, signing key and token) and
 * the start commands of the service and the baselines.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";

import { loadLocalKeys } from "../src/auth/local-keys.ts";
import {
  freePort,
  projectRoot,
  startServer,
  type Pinning,
  type RunningServer,
} from "./processes.ts";
import type { ServerName } from "./report.ts";
import { entityPath } from "./workloads.ts";

export function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

/**
 * How the service is started: from the esbuild bundle that `npm start`
 * runs (`npm run build` makes it), or from the TypeScript sources through
 * tsx, as `bin/remote-action-audits.js` does.
 */
export type ServiceEntry = "bundle" | "tsx";

export const bundlePath = join(projectRoot, "dist", "remote-action-audits.mjs");

/** Builds the bundle with the project's `build` script. */
export function buildBundle(): void {
  const result = spawnSync("npm", ["run", "build", "--silent"], {
    cwd: projectRoot,
    encoding: "utf8",
  });
  if (result.status !== 0) {
    throw new Error(`npm run build failed: ${result.stderr}${result.stdout}`);
  }
}

/** Folders and credentials shared by every phase of one run. */
export interface Workspace {
  readonly dir: string;
  readonly dataDir: string;
  readonly token: string;
  readonly pinning: Pinning | undefined;
  readonly entry: ServiceEntry;
  /** Returns a fresh path in the workspace for a spec or body file. */
  file(name: string): string;
}

/** Creates the signing key as `serve` would, then asks `token` for a token. */
export async function mintToken(dataDir: string): Promise<string> {
  await loadLocalKeys(dataDir, { create: true });
  const result = spawnSync(
    process.execPath,
    [
      join(projectRoot, "bin", "remote-action-audits.js"),
      "token",
      "--data-dir",
      dataDir,
      "--lifetime",
      "86400",
    ],
    { cwd: projectRoot, encoding: "utf8" },
  );
  if (result.status !== 0) {
    throw new Error(`the token command failed: ${result.stderr}`);
  }
  return result.stdout.trim();
}

export function createWorkspace(
  pinning: Pinning | undefined,
  token: string,
  dir: string,
  entry: ServiceEntry,
): Workspace {
  let counter = 0;
  return {
    dir,
    dataDir: join(dir, "data"),
    token,
    pinning,
    entry,
    file: (name) => join(dir, `${String(++counter).padStart(3, "0")}-${name}`),
  };
}

/** Builds the arguments after `node` that start the service on a file. */
export function serviceArgs(
  workspace: Workspace,
  db: string,
  port: number,
  nodeOptions: readonly string[] = [],
): string[] {
  const script =
    workspace.entry === "bundle"
      ? bundlePath
      : join(projectRoot, "bin", "remote-action-audits.js");
  return [
    ...nodeOptions,
    script,
    "serve",
    "--port",
    String(port),
    "--db",
    db,
    "--data-dir",
    workspace.dataDir,
    "--throttle",
    "off",
    "--log-level",
    "warn",
    "--auth",
    "local",
  ];
}

export function authHeaders(token: string) {
  return { authorization: `Bearer ${token}`, accept: "application/json" };
}

/** Starts the service on a database file; ready once a GET by id returns 200. */
export async function startService(
  workspace: Workspace,
  db: string,
  readyId: string,
  nodeOptions: readonly string[] = [],
): Promise<RunningServer> {
  const port = await freePort();
  return startServer({
    name: "service",
    nodeArgs: serviceArgs(workspace, db, port, nodeOptions),
    port,
    cpu: workspace.pinning?.serverCpu,
    readyPath: entityPath(readyId),
    readyHeaders: authHeaders(workspace.token),
  });
}

export async function startBaseline(
  workspace: Workspace,
  server: Exclude<ServerName, "service">,
  db: string,
  bodyFile: string,
  readyId: string,
): Promise<RunningServer> {
  const port = await freePort();
  const script = join(projectRoot, "bench", "baselines", `${server}.ts`);
  const extra =
    server === "raw-sqlite" ? ["--db", db] : ["--body-file", bodyFile];
  return startServer({
    name: server,
    nodeArgs: ["--import", "tsx", script, "--port", String(port), ...extra],
    port,
    cpu: workspace.pinning?.serverCpu,
    readyPath: entityPath(readyId),
    readyHeaders: authHeaders(workspace.token),
  });
}
