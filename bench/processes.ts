/**
 * Child processes of the harness: the servers under test and the load
 * generator, each pinned to its own CPU with `taskset` when the machine has
 * it and at least two CPUs.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { request as httpRequest, type OutgoingHttpHeaders } from "node:http";
import { createServer } from "node:net";
import { availableParallelism } from "node:os";
import { join } from "node:path";

import type { LoadResult, LoadSpec } from "./load.ts";

export const projectRoot = join(import.meta.dirname, "..");

/** CPUs for the server and the load generator, or undefined when unpinned. */
export interface Pinning {
  readonly serverCpu: number;
  readonly loadCpu: number;
}

/** Chooses CPUs 0 and 1 when `taskset` runs and there are two CPUs. */
export function choosePinning(): Pinning | undefined {
  if (availableParallelism() < 2) return undefined;
  const probe = spawnSync("taskset", ["-c", "0", "true"]);
  if (probe.error !== undefined || probe.status !== 0) return undefined;
  return { serverCpu: 0, loadCpu: 1 };
}

function pinned(cpu: number | undefined, command: string[]): string[] {
  return cpu === undefined
    ? command
    : ["taskset", "-c", String(cpu), ...command];
}

/**
 * Returns a TCP port that was free a moment ago. The service logs its
 * address only at log level info, so the harness picks the port itself
 * rather than passing `--port 0` at level warn.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port =
        typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
}

/** Sends one request on a new connection and reads the whole answer. */
export function fetchOnce(
  url: string,
  headers: OutgoingHttpHeaders,
  method = "GET",
  body?: string,
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      url,
      { method, headers, agent: false, timeout: 10_000 },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            body: Buffer.concat(chunks).toString("utf8"),
          }),
        );
      },
    );
    outgoing.on("timeout", () =>
      outgoing.destroy(new Error(`timed out: ${url}`)),
    );
    outgoing.on("error", reject);
    outgoing.end(body);
  });
}

export interface ServerSpec {
  /** Label in logs and error messages. */
  readonly name: string;
  /** Command after `node`, such as a script and its arguments. */
  readonly nodeArgs: readonly string[];
  readonly port: number;
  readonly cpu?: number;
  /** A request that answers 200 once the server is ready. */
  readonly readyPath: string;
  readonly readyHeaders: OutgoingHttpHeaders;
  readonly env?: NodeJS.ProcessEnv;
  /** Seconds to wait for the first 200 before giving up. */
  readonly startTimeoutSeconds?: number;
}

export interface RunningServer {
  readonly name: string;
  readonly pid: number;
  readonly origin: string;
  /** Milliseconds from spawn to the first 200 of the ready request. */
  readonly startMs: number;
  /** The body of that first answer. */
  readonly firstBody: string;
  /** Resident set size now, in MiB (VmRSS of /proc/PID/status). */
  rssMiB(): number;
  /** Peak resident set size so far, in MiB (VmHWM). */
  peakRssMiB(): number;

  /** Sends SIGTERM and waits for the exit; SIGKILL after 30 seconds. */
  stop(): Promise<void>;
}

function statusField(pid: number, field: string): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status);
  if (match === null) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(match[1]) / 1024;
}

/** Busy and total CPU seconds of the machine, from /proc/stat's first line. */
function machineTimes(): { busy: number; total: number } {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  // Fields: user nice system idle iowait irq softirq steal (guest counted in user).
  const total = values.slice(0, 8).reduce((sum, value) => sum + value, 0);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  return { busy: total - idle, total };
}

/**
 * Waits until the machine is quiet: CPU use below `maxPercent` of one CPU
 * over a one-second sample, while the harness's own processes are idle.
 * Returns the seconds waited; gives up after `timeoutSeconds`.
 */
export async function waitForQuiet(
  maxPercent: number,
  timeoutSeconds: number,
): Promise<number> {
  const started = performance.now();
  const cpuCount = availableParallelism();
  for (;;) {
    const before = machineTimes();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const after = machineTimes();
    const share = (after.busy - before.busy) / (after.total - before.total);
    const waited = (performance.now() - started) / 1000;
    if (100 * share * cpuCount < maxPercent || waited > timeoutSeconds) {
      return waited;
    }
  }
}

const running = new Set<ChildProcess>();

/** Kills every server still running; the harness calls it on any exit. */
export function killAll(): void {
  for (const child of running) child.kill("SIGKILL");
  running.clear();
}

function waitForExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve();
  }
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

/** Starts a server and resolves once its ready request answers 200. */
export async function startServer(spec: ServerSpec): Promise<RunningServer> {
  const command = pinned(spec.cpu, [process.execPath, ...spec.nodeArgs]);
  const started = performance.now();
  const child = spawn(command[0] as string, command.slice(1), {
    cwd: projectRoot,
    env: spec.env ?? process.env,
    stdio: ["ignore", "inherit", "pipe"],
  });
  running.add(child);
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
    process.stderr.write(chunk);
  });
  child.on("exit", () => running.delete(child));

  const origin = `http://127.0.0.1:${spec.port}`;
  const deadline = started + (spec.startTimeoutSeconds ?? 60) * 1000;
  let answer: HttpAnswer | undefined;
  while (answer === undefined) {
    if (child.exitCode !== null) {
      throw new Error(
        `${spec.name} exited with code ${child.exitCode} before answering: ${stderr}`,
      );
    }
    if (performance.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`${spec.name} did not answer ${spec.readyPath} in time`);
    }
    try {
      const reply = await fetchOnce(origin + spec.readyPath, spec.readyHeaders);
      if (reply.status === 200) answer = reply;
      else if (reply.status !== 503) {
        child.kill("SIGKILL");
        throw new Error(
          `${spec.name} answered ${reply.status} to ${spec.readyPath}: ${reply.body}`,
        );
      }
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "ECONNREFUSED" && code !== "ECONNRESET") throw error;
    }
    if (answer === undefined) {
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }
  const startMs = performance.now() - started;
  const pid = child.pid as number;

  return {
    name: spec.name,
    pid,
    origin,
    startMs,
    firstBody: answer.body,
    rssMiB: () => statusField(pid, "VmRSS"),
    peakRssMiB: () => statusField(pid, "VmHWM"),

    async stop() {
      const exited = waitForExit(child);
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Runs the load generator in its own process and returns its result. */
export async function runLoad(
  spec: LoadSpec,
  specFile: string,
  cpu: number | undefined,
): Promise<LoadResult> {
  writeFileSync(specFile, JSON.stringify(spec));
  const command = pinned(cpu, [
    process.execPath,
    "--import",
    "tsx",
    join(projectRoot, "bench", "load.ts"),
    specFile,
  ]);
  const child = spawn(command[0] as string, command.slice(1), {
    cwd: projectRoot,
    stdio: ["ignore", "pipe", "inherit"],
  });
  let stdout = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString("utf8");
  });
  const code = await new Promise<number | null>((resolve) =>
    child.on("exit", resolve),
  );
  if (code !== 0)
    throw new Error(`the load generator exited with code ${code}`);
  return JSON.parse(stdout) as LoadResult;
}
