/** The machine, runtime and package versions that a result was measured on. */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { availableParallelism, cpus, release, totalmem } from "node:os";
import { join } from "node:path";

import Sqlite from "better-sqlite3";

import { projectRoot, type Pinning } from "./processes.ts";

export interface MachineInfo {
  readonly cpuCount: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly kernel: string;
  readonly node: string;
  readonly sqlite: string;
  readonly packages: Readonly<Record<string, string>>;
  /** Commit of the work tree, with "+changes" when it has uncommitted edits. */
  readonly commit: string;
  readonly pinning: string;
}

const reportedPackages = [
  "fastify",
  "kysely",
  "better-sqlite3",
  "jose",
  "pino",
  "tsx",
  "autocannon",
];

function packageVersion(name: string): string {
  const file = join(projectRoot, "node_modules", name, "package.json");
  try {
    return (JSON.parse(readFileSync(file, "utf8")) as { version: string })
      .version;
  } catch {
    return "not installed";
  }
}

function gitText(args: string[]): string | undefined {
  const result = spawnSync("git", args, { cwd: projectRoot, encoding: "utf8" });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

export function describeMachine(pinning: Pinning | undefined): MachineInfo {
  const memory = new Sqlite(":memory:");
  const sqlite = (
    memory.prepare("select sqlite_version() as version").get() as {
      version: string;
    }
  ).version;
  memory.close();
  const head = gitText(["rev-parse", "--short", "HEAD"]) ?? "unknown";
  const changes = gitText(["status", "--porcelain", "--untracked-files=no"]);
  return {
    cpuCount: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? "unknown",
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
    sqlite,
    packages: Object.fromEntries(
      reportedPackages.map((name) => [name, packageVersion(name)]),
    ),
    commit: changes === undefined || changes === "" ? head : `${head}+changes`,
    pinning:
      pinning === undefined
        ? "none (taskset missing or fewer than 2 CPUs)"
        : `server on CPU ${pinning.serverCpu}, load generator on CPU ${pinning.loadCpu} (taskset)`,
  };
}
