/**
 * The load generator, run as its own process (pinned to its own core by
 * the harness): reads a load spec from a JSON file, drives one server and
 * prints one JSON result line on stdout.
 *
 * usage: node --import tsx bench/load.ts SPEC.json
 *
 * Latency percentiles come from every response time that autocannon
 * reports (floating-point milliseconds), not from autocannon's own
 * histogram, which keeps whole milliseconds only.
 */
import { readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { request as httpRequest } from "node:http";
import { pathToFileURL } from "node:url";

import autocannon from "autocannon";

/** A fixed-duration run with autocannon, rotating over paths and bodies. */
export interface RateSpec {
  readonly mode: "rate";
  readonly origin: string;
  readonly method: "GET" | "PATCH";
  readonly paths: readonly string[];
  /** Request bodies; request i sends bodies[i % length]. */
  readonly bodies?: readonly string[];
  readonly headers: Readonly<Record<string, string>>;
  readonly connections: number;
  readonly durationSeconds: number;
  /** Process id of the server, for its CPU time over the run. */
  readonly serverPid?: number;
}

/** Sequential single requests, each timed from send to the last byte. */
export interface OnceSpec {
  readonly mode: "once";
  readonly origin: string;
  readonly method: "PATCH";
  readonly path: string;
  /** Files of the request bodies; one request is sent per file. */
  readonly bodyFiles: readonly string[];
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutSeconds: number;
}

export type LoadSpec = RateSpec | OnceSpec;

export interface RateResult {
  readonly mode: "rate";
  /** Responses with a 2xx status. */
  readonly ok: number;
  readonly non2xx: number;
  /** Connection errors and timeouts. */
  readonly errors: number;
  readonly statusCounts: Readonly<Record<string, number>>;
  readonly elapsedSeconds: number;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /**
   * CPU time over the run as % of one CPU: of this load generator, of the
   * server (NaN without `serverPid`), and of everything else on the
   * machine, which shows when other work disturbed the run.
   */
  readonly loadCpuPercent: number;
  readonly serverCpuPercent: number;
  readonly otherCpuPercent: number;
}

export interface OnceResult {
  readonly mode: "once";
  /** Status and seconds of each request, in the order sent. */
  readonly requests: readonly { status: number; seconds: number }[];
}

export type LoadResult = RateResult | OnceResult;

let clockTicks: number | undefined;

/** Clock ticks per second of /proc times (`getconf CLK_TCK`). */
function ticksPerSecond(): number {
  clockTicks ??=
    Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout) ||
    100;
  return clockTicks;
}

/** Busy CPU seconds of the whole machine, from the `cpu` line of /proc/stat. */
function machineBusySeconds(): number {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
  const [, user, nice, system, , , irq, softirq, steal] = line
    .trim()
    .split(/\s+/)
    .map(Number);
  const busy = [user, nice, system, irq, softirq, steal].reduce(
    (sum: number, value) => sum + (value ?? 0),
    0,
  );
  return busy / ticksPerSecond();
}

/** CPU seconds (user + system) of a process, from /proc/PID/stat. */
function processCpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name is in parentheses and may contain spaces.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond();
}

/** Returns the nearest-rank percentile of sorted values. */
export function percentile(sorted: Float64Array, fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil(fraction * sorted.length);
  return sorted[Math.min(Math.max(rank, 1), sorted.length) - 1] as number;
}

/** Runs autocannon for the spec's duration and summarizes the responses. */
async function runRate(spec: RateSpec): Promise<RateResult> {
  let latencies = new Float64Array(1 << 16);
  let recorded = 0;
  let ok = 0;
  let non2xx = 0;
  let errors = 0;
  const statusCounts: Record<string, number> = {};
  let next = 0;

  let finish: (result: autocannon.Result) => void = () => {};
  let fail: (error: unknown) => void = () => {};
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  const options: autocannon.Options = {
    url: spec.origin,
    connections: spec.connections,
    duration: spec.durationSeconds,
    headers: { ...spec.headers },
    timeout: 30,
    requests: [
      {
        method: spec.method,
        setupRequest: (request) => {
          const index = next++;
          const path = spec.paths[index % spec.paths.length] as string;
          const bodies = spec.bodies;
          if (bodies === undefined) return { ...request, path };
          return { ...request, path, body: bodies[index % bodies.length] };
        },
      },
    ],
  };
  // The callback form returns the instance, whose events give every
  // response time; the promise form would not.
  const instance = autocannon(options, (error, result) =>
    error === null || error === undefined ? finish(result) : fail(error),
  );

  let started = performance.now();
  let cpuAtStart = process.cpuUsage();
  let machineAtStart = machineBusySeconds();
  let serverAtStart = processCpuSeconds(spec.serverPid);
  instance.on("start", () => {
    started = performance.now();
    cpuAtStart = process.cpuUsage();
    machineAtStart = machineBusySeconds();
    serverAtStart = processCpuSeconds(spec.serverPid);
  });
  instance.on("response", (_client, statusCode, _bytes, responseTime) => {
    statusCounts[statusCode] = (statusCounts[statusCode] ?? 0) + 1;
    if (statusCode < 200 || statusCode > 299) {
      non2xx++;
      return;
    }
    ok++;
    if (recorded === latencies.length) {
      const grown = new Float64Array(latencies.length * 2);
      grown.set(latencies);
      latencies = grown;
    }
    latencies[recorded++] = responseTime;
  });
  instance.on("reqError", () => {
    errors++;
  });

  const result = await done;
  const elapsedSeconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuAtStart);
  const loadSeconds = (cpu.user + cpu.system) / 1e6;
  const serverSeconds = processCpuSeconds(spec.serverPid) - serverAtStart;
  const machineSeconds = machineBusySeconds() - machineAtStart;
  const percent = (seconds: number) => (100 * seconds) / elapsedSeconds;
  const sorted = latencies.subarray(0, recorded).sort();
  return {
    mode: "rate",
    ok,
    non2xx,
    errors: Math.max(errors, result.errors + result.timeouts),
    statusCounts,
    elapsedSeconds,
    requestsPerSecond: ok / elapsedSeconds,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    maxMs: recorded === 0 ? Number.NaN : (sorted[recorded - 1] as number),
    loadCpuPercent: percent(loadSeconds),
    serverCpuPercent: percent(serverSeconds),
    // /proc/stat counts in clock ticks, so small negative differences are
    // rounding and show as 0.
    otherCpuPercent: Math.max(
      0,
      percent(
        machineSeconds -
          loadSeconds -
          (Number.isNaN(serverSeconds) ? 0 : serverSeconds),
      ),
    ),
  };
}

/** Sends one request and resolves with its status once the body is read. */
function sendOnce(
  spec: OnceSpec,
  body: Buffer,
): Promise<{ status: number; seconds: number }> {
  const url = new URL(spec.path, spec.origin);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const outgoing = httpRequest(
      url,
      {
        method: spec.method,
        headers: { ...spec.headers, "Content-Length": body.length },
        timeout: spec.timeoutSeconds * 1000,
      },
      (response) => {
        response.resume();
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            seconds: (performance.now() - started) / 1000,
          }),
        );
      },
    );
    outgoing.on("timeout", () =>
      outgoing.destroy(
        new Error(`no response within ${spec.timeoutSeconds} seconds`),
      ),
    );
    outgoing.on("error", reject);
    outgoing.end(body);
  });
}

async function runOnce(spec: OnceSpec): Promise<OnceResult> {
  const requests: { status: number; seconds: number }[] = [];
  for (const file of spec.bodyFiles) {
    requests.push(await sendOnce(spec, readFileSync(file)));
  }
  return { mode: "once", requests };
}

async function main(): Promise<void> {
  const specFile = process.argv[2];
  if (specFile === undefined) throw new Error("usage: load.ts SPEC.json");
  const spec = JSON.parse(readFileSync(specFile, "utf8")) as LoadSpec;
  const result =
    spec.mode === "rate" ? await runRate(spec) : await runOnce(spec);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main().catch((error: unknown) => {
    process.stderr.write(`load: ${String(error)}\n`);
    process.exitCode = 1;
  });
}
