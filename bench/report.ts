/**
 * The results of one harness run: cells per server and workload, the
 * service/baseline ratios, the targets, and their Markdown form.
 */
import type { MachineInfo } from "./machine.ts";
import type { RateResult } from "./load.ts";

export type ServerName = "service" | "raw-sqlite" | "bare-http";

export type WorkloadName =
  "W1" | "W2" | "W2-orderby" | "W3" | "W4" | "W5" | "W5-orderby";

export const workloadTitles: Readonly<Record<WorkloadName, string>> = {
  W1: "GET by id, 1,000 rotating ids",
  W2: "list $filter=actionState eq 'failed', $orderby=requestDateTime desc, $top=50",
  "W2-orderby":
    "fallback list $orderby=requestDateTime desc, $top=50 (no $filter)",
  W3: "PATCH actionState, 1,000 rotating ids",
  W4: "bulk PATCH /beta, 10,000 items",
  W5: "W2 on the W5 data set",
  "W5-orderby": "W2-orderby on the W5 data set",
};

export interface RateCell {
  readonly kind: "rate";
  readonly server: ServerName;
  readonly workload: WorkloadName;
  readonly records: number;
  readonly runs: readonly RateResult[];
  /** Medians over the runs, each metric on its own. */
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Server and load generator CPU over a run, as % of one CPU. */
  readonly serverCpuPercent: number;
  readonly loadCpuPercent: number;
  /** CPU of all other processes on the machine during the runs. */
  readonly otherCpuPercent: number;
  /**
   * Server CPU microseconds per 2xx answer. Unlike req/s it does not depend
   * on whether the server or the round trip limited the run.
   */
  readonly serverCpuMicrosPerRequest: number;
  /** RSS of the server after the last run. */
  readonly rssMiB: number;
  /** Non-2xx answers and errors over all runs, when there were any. */
  readonly failures?: string;
}

export interface BulkCell {
  readonly kind: "bulk";
  readonly server: ServerName;
  readonly workload: "W4";
  readonly records: number;
  readonly runs: readonly { status: number; seconds: number }[];
  /** Median seconds of one bulk request and the items per second it gives. */
  readonly seconds: number;
  readonly itemsPerSecond: number;
  readonly rssMiB: number;
  readonly failures?: string;
}

export interface SkippedCell {
  readonly kind: "skipped";
  readonly server: ServerName;
  readonly workload: WorkloadName;
  readonly reason: string;
}

export type Cell = RateCell | BulkCell | SkippedCell;

export interface Settings {
  readonly mode: "full" | "quick";
  /** How the service was started; see `ServiceEntry` in workspace.ts. */
  readonly entry: "bundle" | "tsx";
  readonly records: number;
  /** Records of the W5 data set, or undefined when W5 was skipped. */
  readonly w5Records?: number;
  readonly seed: number;
  readonly connections: number;
  readonly warmupSeconds: number;
  readonly durationSeconds: number;
  readonly runs: number;
}

export interface Results {
  readonly date: string;
  readonly settings: Settings;
  readonly machine: MachineInfo;
  readonly datasets: readonly {
    readonly records: number;
    readonly generateSeconds: number;
    readonly fileMiB: number;
  }[];
  /** Milliseconds from spawn to the first 200 of a GET by id, per start. */
  readonly startupMs: readonly number[];
  /** Status and message of the service's answer to the W2 URL. */
  readonly filterProbe: { readonly status: number; readonly message: string };
  readonly cells: readonly Cell[];
  readonly serviceRssAfterW1ToW3MiB?: number;
  readonly servicePeakRssMiB?: number;
  readonly notes: readonly string[];
  readonly totalSeconds: number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length % 2 === 1) return sorted[middle] as number;
  return ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** Builds a rate cell from its measured runs. */
export function rateCell(
  server: ServerName,
  workload: WorkloadName,
  records: number,
  runs: readonly RateResult[],
  rssMiB: number,
): RateCell {
  const non2xx = runs.reduce((sum, run) => sum + run.non2xx, 0);
  const errors = runs.reduce((sum, run) => sum + run.errors, 0);
  const statuses = new Set(
    runs.flatMap((run) =>
      Object.keys(run.statusCounts).filter((s) => !s.startsWith("2")),
    ),
  );
  const failures =
    non2xx + errors === 0
      ? undefined
      : `${non2xx} non-2xx answers (status ${[...statuses].join(", ")}) and ` +
        `${errors} errors`;
  return {
    kind: "rate",
    server,
    workload,
    records,
    runs,
    requestsPerSecond: median(runs.map((run) => run.requestsPerSecond)),
    p50Ms: median(runs.map((run) => run.p50Ms)),
    p99Ms: median(runs.map((run) => run.p99Ms)),
    serverCpuPercent: median(runs.map((run) => run.serverCpuPercent)),
    serverCpuMicrosPerRequest: median(
      runs.map((run) => (run.serverCpuPercent * 1e4) / run.requestsPerSecond),
    ),
    loadCpuPercent: median(runs.map((run) => run.loadCpuPercent)),
    otherCpuPercent: median(runs.map((run) => run.otherCpuPercent)),
    rssMiB,
    ...(failures === undefined ? {} : { failures }),
  };
}

export interface Target {
  readonly name: string;
  readonly goal: string;
  readonly measured: string;
  /** Undefined when the run could not measure it. */
  readonly met?: boolean;
}

function findCell(
  results: Results,
  server: ServerName,
  workload: WorkloadName,
): Cell | undefined {
  return results.cells.find(
    (cell) => cell.server === server && cell.workload === workload,
  );
}

function rateOf(
  results: Results,
  server: ServerName,
  workload: WorkloadName,
): RateCell | undefined {
  const cell = findCell(results, server, workload);
  return cell?.kind === "rate" && cell.failures === undefined
    ? cell
    : undefined;
}

function ratioTarget(
  results: Results,
  workload: WorkloadName,
  baseline: ServerName,
  goal: number,
  label = workload,
): Target {
  const service = rateOf(results, "service", workload);
  const base = rateOf(results, baseline, workload);
  const name = `${label} req/s, service / ${baseline}`;
  if (service === undefined || base === undefined) {
    return { name, goal: `>= ${goal}`, measured: "not measured" };
  }
  const ratio = service.requestsPerSecond / base.requestsPerSecond;
  return {
    name,
    goal: `>= ${goal}`,
    measured: `${ratio.toFixed(2)} (${fmt(service.requestsPerSecond)} / ${fmt(base.requestsPerSecond)})`,
    met: ratio >= goal,
  };
}

/** Evaluates the targets against the cells of one run. */
export function evaluateTargets(results: Results): Target[] {
  const targets: Target[] = [
    ratioTarget(results, "W1", "raw-sqlite", 0.85),
    ratioTarget(results, "W1", "bare-http", 0.45),
  ];
  const filtered = rateOf(results, "service", "W2") !== undefined;
  targets.push(ratioTarget(results, "W2", "raw-sqlite", 0.8));
  if (!filtered) {
    targets.push(
      ratioTarget(results, "W2-orderby", "raw-sqlite", 0.8, "W2-orderby"),
    );
  }
  targets.push(ratioTarget(results, "W3", "raw-sqlite", 0.6));

  const bulk = findCell(results, "service", "W4");
  targets.push(
    bulk?.kind === "bulk" && bulk.failures === undefined
      ? {
          name: "W4 items/s, service",
          goal: ">= 50,000",
          measured: fmt(bulk.itemsPerSecond),
          met: bulk.itemsPerSecond >= 50_000,
        }
      : {
          name: "W4 items/s, service",
          goal: ">= 50,000",
          measured: "not measured",
        },
  );

  for (const [small, large] of [
    ["W2", "W5"],
    ["W2-orderby", "W5-orderby"],
  ] as const) {
    const base = rateOf(results, "service", small);
    const big = rateOf(results, "service", large);
    const skipped = findCell(results, "service", large);
    if (base === undefined && big === undefined && skipped === undefined) {
      continue;
    }
    const name = `${large} p99 / ${small} p99, service`;
    if (base === undefined || big === undefined) {
      const reason =
        skipped?.kind === "skipped"
          ? `skipped: ${skipped.reason}`
          : "not measured";
      targets.push({ name, goal: "<= 1.5", measured: reason });
      continue;
    }
    const ratio = big.p99Ms / base.p99Ms;
    targets.push({
      name,
      goal: "<= 1.5",
      measured: `${ratio.toFixed(2)} (${big.p99Ms.toFixed(2)} ms / ${base.p99Ms.toFixed(2)} ms)`,
      met: ratio <= 1.5,
    });
  }

  const rss = results.serviceRssAfterW1ToW3MiB;
  targets.push(
    rss === undefined
      ? {
          name: "service RSS after W1-W3",
          goal: "<= 150 MiB",
          measured: "not measured",
        }
      : {
          name: "service RSS after W1-W3",
          goal: "<= 150 MiB",
          measured: `${rss.toFixed(1)} MiB`,
          met: rss <= 150,
        },
  );
  const startup = median(results.startupMs);
  targets.push({
    name: `start to first answer, ${fmt(results.settings.records)} records`,
    goal: "<= 500 ms",
    measured: `${startup.toFixed(0)} ms (median of ${results.startupMs.length}: ${results.startupMs.map((ms) => ms.toFixed(0)).join(", ")})`,
    met: startup <= 500,
  });
  return targets;
}

/** Formats a number with thousands separators and no fraction. */
export function fmt(value: number): string {
  return Math.round(value).toLocaleString("en-US");
}

function ms(value: number): string {
  return value < 10 ? value.toFixed(2) : value.toFixed(1);
}

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join(
    "\n",
  );
}

/** Columns of the cells table; rows below fill them in this order. */
const cellColumns = [
  "workload",
  "server",
  "records",
  "req/s",
  "p50 ms",
  "p99 ms",
  "server CPU %",
  "server CPU µs/req",
  "load CPU %",
  "other CPU %",
  "RSS MiB",
  "notes",
];

function cellRow(cell: Cell): string[] {
  const blank = (count: number) => new Array<string>(count).fill("");
  switch (cell.kind) {
    case "rate":
      return [
        cell.workload,
        cell.server,
        fmt(cell.records),
        fmt(cell.requestsPerSecond),
        ms(cell.p50Ms),
        ms(cell.p99Ms),
        cell.serverCpuPercent.toFixed(0),
        fmt(cell.serverCpuMicrosPerRequest),
        cell.loadCpuPercent.toFixed(0),
        cell.otherCpuPercent.toFixed(0),
        cell.rssMiB.toFixed(1),
        cell.failures ?? "",
      ];
    case "bulk":
      return [
        cell.workload,
        cell.server,
        fmt(cell.records),
        `${fmt(cell.itemsPerSecond)} items/s (${cell.seconds.toFixed(3)} s per request)`,
        ...blank(6),
        cell.rssMiB.toFixed(1),
        cell.failures ?? "",
      ];
    case "skipped":
      return [
        cell.workload,
        cell.server,
        ...blank(cellColumns.length - 3),
        `skipped: ${cell.reason}`,
      ];
  }
}

function ratioRows(results: Results): string[][] {
  const rows: string[][] = [];
  const workloads: WorkloadName[] = [
    "W1",
    "W2",
    "W2-orderby",
    "W3",
    "W5",
    "W5-orderby",
  ];
  for (const workload of workloads) {
    const service = rateOf(results, "service", workload);
    if (service === undefined) continue;
    for (const baseline of ["raw-sqlite", "bare-http"] as const) {
      const base = rateOf(results, baseline, workload);
      if (base === undefined) continue;
      rows.push([
        workload,
        baseline,
        (service.requestsPerSecond / base.requestsPerSecond).toFixed(2),
        (service.p50Ms / base.p50Ms).toFixed(2),
        (service.p99Ms / base.p99Ms).toFixed(2),
        (
          service.serverCpuMicrosPerRequest / base.serverCpuMicrosPerRequest
        ).toFixed(2),
      ]);
    }
  }
  const service = findCell(results, "service", "W4");
  const base = findCell(results, "raw-sqlite", "W4");
  if (service?.kind === "bulk" && base?.kind === "bulk") {
    rows.push([
      "W4",
      "raw-sqlite",
      `${(service.itemsPerSecond / base.itemsPerSecond).toFixed(2)} (items/s)`,
      "",
      "",
      "",
    ]);
  }
  return rows;
}

/** Renders the results as a Markdown page. */
export function toMarkdown(
  results: Results,
  targets: readonly Target[],
): string {
  const { settings, machine } = results;
  const packages = Object.entries(machine.packages)
    .map(([name, version]) => `${name} ${version}`)
    .join(", ");
  const lines = [
    `# Benchmark results, ${results.date}`,
    "",
    `Mode: ${settings.mode}, service started from the ` +
      `${settings.entry === "bundle" ? "esbuild bundle (npm run build)" : "sources through tsx"}; ` +
      `${settings.runs} measured run(s) of ` +
      `${settings.durationSeconds} s per cell after a ${settings.warmupSeconds} s ` +
      `warm-up, ${settings.connections} connections; each cell is the median ` +
      `of its runs. Data set: ${fmt(settings.records)} records ` +
      `(seed ${settings.seed})` +
      (settings.w5Records === undefined
        ? "; W5 skipped."
        : `; W5 on ${fmt(settings.w5Records)} records.`),
    "",
    `Machine: ${machine.cpuCount} CPUs (${machine.cpuModel}), ` +
      `${machine.memoryGiB} GiB, Linux ${machine.kernel}; ${machine.pinning}. ` +
      `Node.js ${machine.node}, SQLite ${machine.sqlite}; ${packages}. ` +
      `Commit ${machine.commit}. Total run time ${fmt(results.totalSeconds)} s.`,
    "",
    "## Cells",
    "",
    table(cellColumns, results.cells.map(cellRow)),
    "",
    "## Ratios, service / baseline",
    "",
    table(
      ["workload", "baseline", "req/s", "p50", "p99", "server CPU µs/req"],
      ratioRows(results),
    ),
    "",
    "## Targets",
    "",
    table(
      ["target", "goal", "measured", "met"],
      targets.map((target) => [
        target.name,
        target.goal,
        target.measured,
        metText(target.met),
      ]),
    ),
    "",
    "## Workloads",
    "",
    ...Object.entries(workloadTitles).map(
      ([name, title]) => `- ${name}: ${title}`,
    ),
  ];
  const notes = [...results.notes];
  const disturbed = results.cells.filter(
    (cell) => cell.kind === "rate" && cell.otherCpuPercent > 10,
  );
  if (disturbed.length > 0) {
    const names = disturbed.map((cell) => `${cell.workload} ${cell.server}`);
    notes.push(
      `Other processes used more than 10% of a CPU during ${names.join(", ")}; ` +
        `those cells are less reliable.`,
    );
  }
  if (notes.length > 0) {
    lines.push("", "## Notes", "", ...notes.map((note) => `- ${note}`));
  }
  return `${lines.join("\n")}\n`;
}

function metText(met: boolean | undefined): string {
  if (met === undefined) return "n/a";
  return met ? "yes" : "no";
}
