/**
 * `npm run bench`: generates the data sets, starts the service and the two
 * baselines, drives each workload with autocannon from a separate process
 * and writes `bench/results/<date>.json` and `.md`. `--profile` instead
 * records CPU profiles of the service (see profile.ts).
 */
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

import * as prettier from "prettier";

import { writeDataset, type Dataset } from "./dataset.ts";
import type { OnceResult, RateResult, RateSpec } from "./load.ts";
import { describeMachine } from "./machine.ts";
import {
  choosePinning,
  fetchOnce,
  killAll,
  projectRoot,
  runLoad,
  waitForQuiet,
  type RunningServer,
} from "./processes.ts";
import { runProfiles } from "./profile.ts";
import {
  evaluateTargets,
  fmt,
  median,
  rateCell,
  toMarkdown,
  type BulkCell,
  type Cell,
  type Results,
  type ServerName,
  type Settings,
  type WorkloadName,
} from "./report.ts";
import {
  bulkItemCount,
  bulkSpec,
  collectionPath,
  filteredListQuery,
  getByIdSpec,
  idsAt,
  listSpec,
  patchSpec,
  planIds,
  plannedPositions,
  unfilteredListQuery,
  type IdPlan,
  type RateSettings,
} from "./workloads.ts";
import {
  authHeaders,
  buildBundle,
  createWorkspace,
  log,
  mintToken,
  startBaseline,
  startService,
  type Workspace,
} from "./workspace.ts";

const usage = `usage: npm run bench -- [options]

Benchmarks the service against a raw SQLite server and a bare node:http
server on this machine, and writes bench/results/<date>.json and .md.

  --records N         records of the main data set (default 100000)
  --w5-records N      records of the W5 data set (default 1000000)
  --skip-w5           skip W5 and its data set
  --quick             smoke check: 3 s runs after a 1 s warm-up, 1 run
  --runs N            measured runs per cell (default 3; 1 with --quick)
  --duration S        seconds per measured run (default 10)
  --warmup S          seconds of warm-up before each cell (default 5)
  --connections N     autocannon connections (default 10)
  --seed N            data set seed (default 20240301)
  --profile           record CPU profiles of the service under W1-W4
                      instead of benchmarking (bench/results/profiles/)
  --profile-seconds S seconds of load per profile (default 15)
  --entry E           start the service from the "bundle" that npm start
                      runs (default; built with npm run build first) or
                      through "tsx" from the sources (bin/remote-action-audits.js)
  --keep-work         keep the temporary folder with the data sets
`;

interface Options {
  readonly settings: Settings;
  readonly skipW5: boolean;
  readonly profile: boolean;
  readonly profileSeconds: number;
  readonly keepWork: boolean;
}

function readNumber(
  name: string,
  text: string | undefined,
  fallback: number,
  min: number,
): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value < min) {
    throw new Error(`invalid --${name} '${text}': use a number >= ${min}`);
  }
  return value;
}

function readOptions(args: string[]): Options | undefined {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      records: { type: "string" },
      "w5-records": { type: "string" },
      "skip-w5": { type: "boolean" },
      quick: { type: "boolean" },
      runs: { type: "string" },
      duration: { type: "string" },
      warmup: { type: "string" },
      connections: { type: "string" },
      seed: { type: "string" },
      profile: { type: "boolean" },
      "profile-seconds": { type: "string" },
      "keep-work": { type: "boolean" },
      entry: { type: "string" },
      help: { type: "boolean" },
    },
  });
  if (values.help === true) {
    process.stdout.write(usage);
    return undefined;
  }
  const quick = values.quick === true;
  const entry = values.entry ?? "bundle";
  if (entry !== "bundle" && entry !== "tsx") {
    throw new Error(`invalid --entry '${entry}': use bundle or tsx`);
  }
  const skipW5 = values["skip-w5"] === true;
  const w5Records = readNumber(
    "w5-records",
    values["w5-records"],
    1_000_000,
    2000,
  );
  return {
    settings: {
      mode: quick ? "quick" : "full",
      entry,
      records: readNumber("records", values.records, 100_000, 2000),
      ...(skipW5 ? {} : { w5Records }),
      seed: readNumber("seed", values.seed, 20240301, 0),
      connections: readNumber("connections", values.connections, 10, 1),
      warmupSeconds: readNumber("warmup", values.warmup, quick ? 1 : 5, 0),
      durationSeconds: readNumber(
        "duration",
        values.duration,
        quick ? 3 : 10,
        1,
      ),
      runs: readNumber("runs", values.runs, quick ? 1 : 3, 1),
    },
    skipW5,
    profile: values.profile === true,
    profileSeconds: readNumber(
      "profile-seconds",
      values["profile-seconds"],
      15,
      1,
    ),
    keepWork: values["keep-work"] === true,
  };
}

/**
 * Before each measured run the harness waits (up to the timeout) until
 * other processes use less than this share of one CPU, so that a test suite
 * or build running beside it does not land in the numbers unnoticed. The
 * "other CPU %" column shows what remained.
 */
const quietPercent = 15;
const quietTimeoutSeconds = 30;
/** Seconds of waiting allowed over a whole run, so a busy machine cannot stall it. */
let quietBudgetSeconds = 180;

async function waitBeforeRun(): Promise<void> {
  if (quietBudgetSeconds <= 0) return;
  const timeout = Math.min(quietTimeoutSeconds, quietBudgetSeconds);
  const waited = await waitForQuiet(quietPercent, timeout);
  quietBudgetSeconds -= waited;
  if (waited > timeout) {
    log(
      `other processes kept the machine busy for ${Math.round(waited)} s; measuring anyway`,
    );
  }
}

/** Runs a warm-up and then the measured runs of one rate workload. */
async function measureRate(
  workspace: Workspace,
  settings: Settings,
  server: RunningServer,
  serverName: ServerName,
  workload: WorkloadName,
  records: number,
  spec: (rate: RateSettings) => RateSpec,
): Promise<Cell> {
  const rate = (durationSeconds: number): RateSettings => ({
    origin: server.origin,
    serverPid: server.pid,
    token: workspace.token,
    connections: settings.connections,
    durationSeconds,
  });
  const cpu = workspace.pinning?.loadCpu;
  if (settings.warmupSeconds > 0) {
    await runLoad(
      spec(rate(settings.warmupSeconds)),
      workspace.file("warmup.json"),
      cpu,
    );
  }
  const runs: RateResult[] = [];
  for (let run = 0; run < settings.runs; run++) {
    await waitBeforeRun();
    const result = await runLoad(
      spec(rate(settings.durationSeconds)),
      workspace.file(`${workload}.json`),
      cpu,
    );
    if (result.mode !== "rate") throw new Error("expected a rate result");
    runs.push(result);
  }
  const cell = rateCell(serverName, workload, records, runs, server.rssMiB());
  log(
    `${workload} ${serverName}: ${Math.round(cell.requestsPerSecond)} req/s, ` +
      `p50 ${cell.p50Ms.toFixed(2)} ms, p99 ${cell.p99Ms.toFixed(2)} ms, ` +
      `server CPU ${cell.serverCpuPercent.toFixed(0)}%, ` +
      `load CPU ${cell.loadCpuPercent.toFixed(0)}%, ` +
      `other CPU ${cell.otherCpuPercent.toFixed(0)}%, RSS ${cell.rssMiB.toFixed(1)} MiB${cell.failures === undefined ? "" : `; ${cell.failures}`}`,
  );
  return cell;
}

/** Sends one warm-up bulk request and then the measured ones. */
async function measureBulk(
  workspace: Workspace,
  settings: Settings,
  server: RunningServer,
  serverName: ServerName,
  records: number,
  idBlocks: string[][],
): Promise<BulkCell> {
  const spec = bulkSpec(server.origin, workspace.token, idBlocks, () =>
    workspace.file("bulk-body.json"),
  );
  await waitBeforeRun();
  const result = (await runLoad(
    spec,
    workspace.file("W4.json"),
    workspace.pinning?.loadCpu,
  )) as OnceResult;
  const measured = result.requests.slice(1);
  const bad = result.requests.filter((r) => r.status !== 200);
  const seconds = median(measured.map((r) => r.seconds));
  const itemsPerSecond = (idBlocks[0]?.length ?? 0) / seconds;
  const cell: BulkCell = {
    kind: "bulk",
    server: serverName,
    workload: "W4",
    records,
    runs: measured,
    seconds,
    itemsPerSecond,
    rssMiB: server.rssMiB(),
    ...(bad.length === 0
      ? {}
      : { failures: `status ${bad.map((r) => r.status).join(", ")}` }),
  };
  log(
    `W4 ${serverName}: ${Math.round(itemsPerSecond)} items/s ` +
      `(${seconds.toFixed(3)} s per request), RSS ${cell.rssMiB.toFixed(1)} MiB`,
  );
  return cell;
}

/** Asks the service for the W2 URL; a 400 means `$filter` is not wired in. */
async function probeFilter(
  server: RunningServer,
  token: string,
): Promise<{ status: number; message: string }> {
  const answer = await fetchOnce(
    `${server.origin}${collectionPath}?${filteredListQuery}`,
    authHeaders(token),
  );
  if (answer.status === 200) return { status: 200, message: "ok" };
  let message = answer.body;
  try {
    const parsed = JSON.parse(answer.body) as { error?: { message?: string } };
    message = parsed.error?.message ?? message;
  } catch {
    // The body is not JSON; keep the text.
  }
  return { status: answer.status, message };
}

function fileMiB(file: string): number {
  return statSync(file).size / 2 ** 20;
}

async function generate(
  workspace: Workspace,
  name: string,
  records: number,
  seed: number,
  keep: Set<number>,
): Promise<Dataset> {
  const file = join(workspace.dir, name);
  log(`generating ${records} records into ${file}`);
  const dataset = await writeDataset({ file, records, seed, keepIdsAt: keep });
  log(
    `generated in ${dataset.generateSeconds.toFixed(1)} s, ` +
      `${fileMiB(file).toFixed(0)} MiB`,
  );
  return dataset;
}

function copyDatabase(from: string, to: string): string {
  copyFileSync(from, to);
  return to;
}

interface MainPhase {
  readonly cells: Cell[];
  readonly startupMs: number[];
  readonly filterProbe: { status: number; message: string };
  readonly serviceRssAfterW1ToW3MiB: number;
  readonly servicePeakRssMiB: number;
}

/** W1-W4 on the main data set, for the service and both baselines. */
async function runMainPhase(
  workspace: Workspace,
  settings: Settings,
  dataset: Dataset,
  plan: IdPlan,
): Promise<MainPhase> {
  const readIds = idsAt(dataset.ids, plan.readPositions);
  const writeIds = idsAt(dataset.ids, plan.writePositions);
  const bulkIds = plan.bulkPositions.map((block) => idsAt(dataset.ids, block));
  const firstId = readIds[0] as string;
  const records = dataset.records;
  const cells: Cell[] = [];

  const serviceDb = copyDatabase(
    dataset.file,
    join(workspace.dir, "service.db"),
  );
  const startupMs: number[] = [];
  let firstBody = "";
  for (let start = 0; start < 3; start++) {
    const server = await startService(workspace, serviceDb, firstId);
    startupMs.push(server.startMs);
    firstBody = server.firstBody;
    await server.stop();
  }
  log(
    `service start to first answer: ${startupMs.map((ms) => ms.toFixed(0)).join(", ")} ms`,
  );
  const bodyFile = workspace.file("fixed-record.json");
  writeFileSync(bodyFile, firstBody);

  let filterProbe = { status: 0, message: "not probed" };
  let serviceRssAfterW1ToW3MiB = Number.NaN;
  let servicePeakRssMiB = Number.NaN;
  for (const serverName of ["service", "raw-sqlite", "bare-http"] as const) {
    const server =
      serverName === "service"
        ? await startService(workspace, serviceDb, firstId)
        : await startBaseline(
            workspace,
            serverName,
            copyDatabase(dataset.file, join(workspace.dir, `${serverName}.db`)),
            bodyFile,
            firstId,
          );
    try {
      const measure = (
        workload: WorkloadName,
        spec: (r: RateSettings) => RateSpec,
      ) =>
        measureRate(
          workspace,
          settings,
          server,
          serverName,
          workload,
          records,
          spec,
        );
      cells.push(await measure("W1", (r) => getByIdSpec(r, readIds)));
      if (serverName === "bare-http") continue;

      if (serverName === "service") {
        filterProbe = await probeFilter(server, workspace.token);
      }
      if (filterProbe.status === 200) {
        cells.push(await measure("W2", (r) => listSpec(r, filteredListQuery)));
      } else {
        if (serverName === "service") {
          cells.push({
            kind: "skipped",
            server: serverName,
            workload: "W2",
            reason: `the service answers ${filterProbe.status}: ${filterProbe.message}`,
          });
        }
        cells.push(
          await measure("W2-orderby", (r) => listSpec(r, unfilteredListQuery)),
        );
      }
      cells.push(await measure("W3", (r) => patchSpec(r, writeIds)));
      if (serverName === "service") {
        serviceRssAfterW1ToW3MiB = server.rssMiB();
      }
      cells.push(
        await measureBulk(
          workspace,
          settings,
          server,
          serverName,
          records,
          bulkIds,
        ),
      );
      if (serverName === "service") servicePeakRssMiB = server.peakRssMiB();
    } finally {
      await server.stop();
    }
  }
  return {
    cells,
    startupMs,
    filterProbe,
    serviceRssAfterW1ToW3MiB,
    servicePeakRssMiB,
  };
}

/** W5: the W2 query (or its fallback) on the large data set. */
async function runW5Phase(
  workspace: Workspace,
  settings: Settings,
  w5Records: number,
  filterSupported: boolean,
): Promise<{ cells: Cell[]; dataset: Dataset }> {
  const dataset = await generate(
    workspace,
    "w5.db",
    w5Records,
    settings.seed,
    new Set([0]),
  );
  const firstId = dataset.ids.get(0) as string;
  const workload: WorkloadName = filterSupported ? "W5" : "W5-orderby";
  const query = filterSupported ? filteredListQuery : unfilteredListQuery;
  const cells: Cell[] = [];
  // W5 only reads, so both servers use the same file one after the other.
  for (const serverName of ["service", "raw-sqlite"] as const) {
    const server =
      serverName === "service"
        ? await startService(workspace, dataset.file, firstId)
        : await startBaseline(workspace, serverName, dataset.file, "", firstId);
    try {
      cells.push(
        await measureRate(
          workspace,
          settings,
          server,
          serverName,
          workload,
          w5Records,
          (r) => listSpec(r, query),
        ),
      );
    } finally {
      await server.stop();
    }
  }
  rmSync(dataset.file, { force: true });
  return { cells, dataset };
}

async function writeFormatted(file: string, text: string): Promise<void> {
  const config = (await prettier.resolveConfig(file)) ?? {};
  writeFileSync(
    file,
    await prettier.format(text, { ...config, filepath: file }),
  );
}

function stamp(date: Date): string {
  return date.toISOString().slice(0, 16).replace(":", "-") + "Z";
}

async function benchmark(
  options: Options,
  workspace: Workspace,
): Promise<void> {
  const started = performance.now();
  const settings = options.settings;
  const notes: string[] = [];
  const plan = planIds(settings.records, 1 + settings.runs);
  const bulkIdsNeeded = bulkItemCount * (1 + settings.runs);
  if (settings.records < bulkIdsNeeded) {
    notes.push(
      `W4 needs ${fmt(bulkIdsNeeded)} records to send each bulk request ` +
        `to different records; with ${fmt(settings.records)} the requests ` +
        `repeat records, so its items/s do not compare with a full run.`,
    );
  }
  const dataset = await generate(
    workspace,
    "base.db",
    settings.records,
    settings.seed,
    plannedPositions(plan),
  );
  const datasets = [
    {
      records: dataset.records,
      generateSeconds: dataset.generateSeconds,
      fileMiB: fileMiB(dataset.file),
    },
  ];
  const main = await runMainPhase(workspace, settings, dataset, plan);
  const cells = [...main.cells];
  const filterSupported = main.filterProbe.status === 200;
  if (!filterSupported) {
    notes.push(
      `The service answered ${main.filterProbe.status} to the W2 URL ` +
        `(${main.filterProbe.message}), so W2 and W5 ran as the labeled ` +
        `fallback without $filter: ${unfilteredListQuery}.`,
    );
  }

  if (settings.w5Records === undefined) {
    notes.push("W5 was skipped (--skip-w5).");
    cells.push({
      kind: "skipped",
      server: "service",
      workload: filterSupported ? "W5" : "W5-orderby",
      reason: "--skip-w5",
    });
  } else {
    const w5 = await runW5Phase(
      workspace,
      settings,
      settings.w5Records,
      filterSupported,
    );
    cells.push(...w5.cells);
    datasets.push({
      records: w5.dataset.records,
      generateSeconds: w5.dataset.generateSeconds,
      fileMiB: Number.NaN,
    });
  }
  notes.push(
    "The bare node:http server answers every request with one fixed record, " +
      "so only W1 runs on it.",
  );

  const date = new Date();
  const results: Results = {
    date: date.toISOString(),
    settings,
    machine: describeMachine(workspace.pinning),
    datasets,
    startupMs: main.startupMs,
    filterProbe: main.filterProbe,
    cells,
    serviceRssAfterW1ToW3MiB: main.serviceRssAfterW1ToW3MiB,
    servicePeakRssMiB: main.servicePeakRssMiB,
    notes,
    totalSeconds: (performance.now() - started) / 1000,
  };
  const targets = evaluateTargets(results);
  const outDir = join(projectRoot, "bench", "results");
  mkdirSync(outDir, { recursive: true });
  const name = `${stamp(date)}${settings.mode === "quick" ? "-quick" : ""}`;
  const markdown = toMarkdown(results, targets);
  await writeFormatted(
    join(outDir, `${name}.json`),
    JSON.stringify({ ...results, targets }),
  );
  await writeFormatted(join(outDir, `${name}.md`), markdown);
  process.stdout.write(markdown);
  log(`wrote bench/results/${name}.json and .md`);
}

async function main(): Promise<void> {
  const options = readOptions(process.argv.slice(2));
  if (options === undefined) return;
  const pinning = choosePinning();
  if (pinning === undefined)
    log("taskset or a second CPU is missing: processes are not pinned");
  const dir = mkdtempSync(join(tmpdir(), "raa-bench-"));
  log(`work folder ${dir}`);
  try {
    const token = await mintToken(join(dir, "data"));
    const entry = options.settings.entry;
    if (entry === "bundle") {
      log("building the service bundle (npm run build)");
      buildBundle();
    }
    const workspace = createWorkspace(pinning, token, dir, entry);
    if (options.profile) {
      await runProfiles(workspace, options.settings, options.profileSeconds);
    } else {
      await benchmark(options, workspace);
    }
  } finally {
    killAll();
    if (options.keepWork) log(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    killAll();
    process.exit(130);
  });
}

main().catch((error: unknown) => {
  killAll();
  process.stderr.write(
    `bench: ${error instanceof Error ? error.stack : String(error)}\n`,
  );
  process.exitCode = 1;
});
