/**
 * `npm run bench -- --profile`: runs the service under `node --cpu-prof`
 * for W1-W4, one fresh process and database copy per workload, and writes
 * a summary of where the CPU time went to `bench/results/<date>-profile.md`.
 * The raw `.cpuprofile` files go to `bench/results/profiles/<date>/<workload>/`
 * for Chrome DevTools or speedscope.
 */
import {
  copyFileSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";

import * as prettier from "prettier";

import { writeDataset } from "./dataset.ts";
import type { OnceResult, RateResult, RateSpec } from "./load.ts";
import { describeMachine } from "./machine.ts";
import { fetchOnce, projectRoot, runLoad, waitForQuiet } from "./processes.ts";
import { fmt, type Settings } from "./report.ts";
import {
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
  type RateSettings,
} from "./workloads.ts";
import {
  authHeaders,
  bundlePath,
  log,
  startService,
  type Workspace,
} from "./workspace.ts";

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
  readonly columnNumber: number;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}

/** The parts of V8's `.cpuprofile` JSON that the summary reads. */
interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  /** Microseconds, on the same clock as the sample times. */
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  /** Microseconds between one sample and the one before it. */
  readonly timeDeltas: readonly number[];
}

export interface ProfileEntry {
  readonly name: string;
  readonly micros: number;
}

export interface ProfileSummary {
  /** Sampled microseconds after the skipped start, idle included. */
  readonly totalMicros: number;
  readonly idleMicros: number;
  /** Self time per function, largest first. */
  readonly self: readonly ProfileEntry[];
  /** Time with the function anywhere on the stack, largest first. */
  readonly inclusive: readonly ProfileEntry[];
  /** Self time per package or source folder, largest first. */
  readonly areas: readonly ProfileEntry[];
}

const rootUrl = pathToFileURL(projectRoot).href;
const bundleUrl = pathToFileURL(bundlePath).href;

/** First bundle line (0-based) of each module, in line order. */
let bundleModules: { line: number; path: string }[] | undefined;

/**
 * Returns the source file of a line of the esbuild bundle, from the
 * `// src/…` or `// node_modules/…` comment that esbuild writes before
 * each module it inlines.
 */
function bundleSource(line: number): string | undefined {
  if (bundleModules === undefined) {
    bundleModules = [];
    const lines = readFileSync(bundlePath, "utf8").split("\n");
    lines.forEach((text, index) => {
      const match = /^\/\/ ((?:src|node_modules)\/\S+\.[cm]?[jt]s)$/.exec(text);
      if (match !== null) {
        bundleModules?.push({ line: index, path: match[1] as string });
      }
    });
  }
  let found: string | undefined;
  for (const module of bundleModules) {
    if (module.line > line) break;
    found = module.path;
  }
  return found;
}

/**
 * Names the file of a frame: a project path (bundle lines mapped back to
 * their source file), `pkg:<package>/<file>`, or a `node:` module.
 */
function frameFile(frame: CallFrame): string {
  const path = framePath(frame);
  const modules = path.lastIndexOf("node_modules/");
  if (modules < 0) return path;
  return `pkg:${path.slice(modules + "node_modules/".length)}`;
}

function framePath(frame: CallFrame): string {
  const url = frame.url;
  if (url === bundleUrl) {
    return bundleSource(frame.lineNumber) ?? "dist/remote-action-audits.mjs";
  }
  if (url.startsWith(rootUrl)) return url.slice(rootUrl.length + 1);
  return url;
}

function frameKey(frame: CallFrame): string {
  const name = frame.functionName === "" ? "(anonymous)" : frame.functionName;
  if (frame.url === "") return name;
  const file = frameFile(frame);
  // Project frames show no line: tsx strips the line breaks of what it
  // compiles, and a bundle line means nothing in the sources.
  if (file.startsWith("src/") || frame.url === bundleUrl) {
    return `${name} ${file}`;
  }
  return `${name} ${file}:${frame.lineNumber + 1}`;
}

/** Names the area of a frame: a package, a source folder or V8 itself. */
function frameArea(frame: CallFrame): string {
  if (frame.url === "") {
    return frame.functionName.startsWith("(") ? frame.functionName : "(native)";
  }
  const file = frameFile(frame);
  if (file.startsWith("pkg:")) {
    const parts = file.slice(4).split("/");
    const scoped = parts[0]?.startsWith("@") === true;
    return `package ${parts.slice(0, scoped ? 2 : 1).join("/")}`;
  }
  if (file.startsWith("node:")) return "node: built-in modules";
  if (file.startsWith("src/") || file.startsWith("bin/")) {
    return file.split("/").slice(0, -1).join("/") || file;
  }
  return file;
}

function addTo(map: Map<string, number>, key: string, micros: number): void {
  map.set(key, (map.get(key) ?? 0) + micros);
}

function sorted(map: Map<string, number>): ProfileEntry[] {
  return [...map]
    .map(([name, micros]) => ({ name, micros }))
    .sort((a, b) => b.micros - a.micros);
}

/**
 * Summarizes a profile, skipping samples taken in the first `skipMicros`
 * (the process start). Each sample counts for the time until the next one.
 */
export function summarizeProfile(
  profile: CpuProfile,
  skipMicros: number,
): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) {
    for (const child of node.children ?? []) parentOf.set(child, node.id);
  }
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const areas = new Map<string, number>();
  let totalMicros = 0;
  let idleMicros = 0;

  let time = profile.startTime;
  const from = profile.startTime + skipMicros;
  for (let i = 0; i < profile.samples.length; i++) {
    time += profile.timeDeltas[i] ?? 0;
    const duration = profile.timeDeltas[i + 1] ?? 0;
    if (time < from) continue;
    const node = byId.get(profile.samples[i] as number);
    if (node === undefined) continue;
    totalMicros += duration;
    const frame = node.callFrame;
    if (frame.functionName === "(idle)") {
      idleMicros += duration;
      continue;
    }
    addTo(self, frameKey(frame), duration);
    addTo(areas, frameArea(frame), duration);
    const seen = new Set<string>();
    for (
      let id: number | undefined = node.id;
      id !== undefined;
      id = parentOf.get(id)
    ) {
      const ancestor = byId.get(id);
      if (
        ancestor === undefined ||
        ancestor.callFrame.functionName === "(root)"
      ) {
        break;
      }
      const key = frameKey(ancestor.callFrame);
      if (seen.has(key)) continue;
      seen.add(key);
      addTo(inclusive, key, duration);
    }
  }
  return {
    totalMicros,
    idleMicros,
    self: sorted(self),
    inclusive: sorted(inclusive),
    areas: sorted(areas),
  };
}

interface ProfiledWorkload {
  readonly name: string;
  readonly title: string;
  /** Requests (or bulk items) that the service answered with 2xx. */
  readonly served: number;
  readonly unit: "request" | "item";
  readonly summary: ProfileSummary;
  readonly file: string;
}

function percentOf(part: number, whole: number): string {
  return whole === 0 ? "0.0" : ((100 * part) / whole).toFixed(1);
}

function entryTable(
  entries: readonly ProfileEntry[],
  busy: number,
  count: number,
): string[] {
  const rows = entries
    .slice(0, count)
    .map(
      (entry) =>
        `| ${percentOf(entry.micros, busy)} | ${fmt(entry.micros / 1000)} | \`${entry.name}\` |`,
    );
  return [
    "| % of busy | ms | function or area |",
    "| --- | --- | --- |",
    ...rows,
  ];
}

function workloadSection(workload: ProfiledWorkload): string[] {
  const { summary } = workload;
  const busy = summary.totalMicros - summary.idleMicros;
  const perUnit = workload.served === 0 ? Number.NaN : busy / workload.served;
  const interesting = summary.inclusive.filter(
    (entry) => entry.name.includes(" src/") || entry.name.includes(" pkg:"),
  );
  return [
    `## ${workload.name}: ${workload.title}`,
    "",
    `Sampled ${fmt(summary.totalMicros / 1000)} ms, busy ` +
      `${percentOf(busy, summary.totalMicros)}%; ${fmt(workload.served)} ` +
      `${workload.unit}s answered, ${perUnit.toFixed(1)} µs busy per ` +
      `${workload.unit}. Profile: \`${workload.file}\`.`,
    "",
    "### Self time by area",
    "",
    ...entryTable(summary.areas, busy, 15),
    "",
    "### Self time by function",
    "",
    ...entryTable(summary.self, busy, 25),
    "",
    "### Inclusive time, project and package functions",
    "",
    ...entryTable(interesting, busy, 30),
    "",
  ];
}

/** Profiles the service under W1-W4 and writes the summary page. */
export async function runProfiles(
  workspace: Workspace,
  settings: Settings,
  seconds: number,
): Promise<void> {
  const plan = planIds(settings.records, 4);
  const file = join(workspace.dir, "base.db");
  log(`generating ${settings.records} records into ${file}`);
  const dataset = await writeDataset({
    file,
    records: settings.records,
    seed: settings.seed,
    keepIdsAt: plannedPositions(plan),
  });
  const readIds = idsAt(dataset.ids, plan.readPositions);
  const writeIds = idsAt(dataset.ids, plan.writePositions);
  const bulkIds = plan.bulkPositions.map((block) => idsAt(dataset.ids, block));
  const firstId = readIds[0] as string;

  const date = new Date();
  const stamp = `${date.toISOString().slice(0, 16).replace(":", "-")}Z`;
  const profileDir = join(projectRoot, "bench", "results", "profiles", stamp);
  mkdirSync(profileDir, { recursive: true });

  const rate = (origin: string): RateSettings => ({
    origin,
    token: workspace.token,
    connections: settings.connections,
    durationSeconds: seconds,
  });
  let listQuery = filteredListQuery;
  let listName = "W2";
  const workloads: {
    name: string;
    title: string;
    spec: (origin: string) => RateSpec | "bulk";
  }[] = [
    {
      name: "W1",
      title: "GET by id",
      spec: (o) => getByIdSpec(rate(o), readIds),
    },
    { name: "W2", title: "list", spec: (o) => listSpec(rate(o), listQuery) },
    {
      name: "W3",
      title: "PATCH one property",
      spec: (o) => patchSpec(rate(o), writeIds),
    },
    { name: "W4", title: "bulk PATCH of 10,000 items", spec: () => "bulk" },
  ];

  const profiled: ProfiledWorkload[] = [];
  for (const workload of workloads) {
    const db = join(workspace.dir, `profile-${workload.name}.db`);
    copyFileSync(dataset.file, db);
    // Node writes one profile per thread, and tsx's module hooks run on a
    // worker thread, so each workload gets a folder and the main thread's
    // file (thread id 0 in the default name) is the one summarized.
    const workloadDir = join(profileDir, workload.name);
    await waitForQuiet(15, 60);
    const server = await startService(workspace, db, firstId, [
      "--cpu-prof",
      "--cpu-prof-dir",
      workloadDir,
    ]);
    let served = 0;
    let unit: "request" | "item" = "request";
    let title = workload.title;
    try {
      if (workload.name === "W2") {
        const probe = await fetchOnce(
          `${server.origin}${collectionPath}?${filteredListQuery}`,
          authHeaders(workspace.token),
        );
        if (probe.status !== 200) {
          listQuery = unfilteredListQuery;
          listName = "W2-orderby";
          log(
            `the service answered ${probe.status} to $filter; profiling ${listName}`,
          );
        }
        title = `list ${decodeURIComponent(listQuery)}`;
      }
      const spec = workload.spec(server.origin);
      if (spec === "bulk") {
        const bulk = bulkSpec(server.origin, workspace.token, bulkIds, () =>
          workspace.file("bulk-body.json"),
        );
        const result = (await runLoad(
          bulk,
          workspace.file("W4.json"),
          workspace.pinning?.loadCpu,
        )) as OnceResult;
        const ok = result.requests.filter((r) => r.status === 200).length;
        served = ok * (bulkIds[0]?.length ?? 0);
        unit = "item";
      } else {
        const result = (await runLoad(
          spec,
          workspace.file(`${workload.name}.json`),
          workspace.pinning?.loadCpu,
        )) as RateResult;
        served = result.ok;
      }
    } finally {
      await server.stop();
    }
    const mainThread = readdirSync(workloadDir).find((name) =>
      name.includes(`.${server.pid}.0.`),
    );
    if (mainThread === undefined) {
      throw new Error(
        `no main-thread profile of ${server.pid} in ${workloadDir}`,
      );
    }
    const profilePath = join(workloadDir, mainThread);
    const profile = JSON.parse(readFileSync(profilePath, "utf8")) as CpuProfile;
    const summary = summarizeProfile(profile, server.startMs * 1000);
    log(`${workload.name}: ${fmt(served)} ${unit}s, profile ${profilePath}`);
    profiled.push({
      name: workload.name === "W2" ? listName : workload.name,
      title,
      served,
      unit,
      summary,
      file: relative(projectRoot, profilePath),
    });
  }

  const machine = describeMachine(workspace.pinning);
  const lines = [
    `# CPU profiles of the service, ${date.toISOString()}`,
    "",
    `Busy time is the main thread's samples outside \`(idle)\`: CPU work ` +
      `plus blocking calls such as SQLite's fsync on commit, which the ` +
      `sampler attributes to the JavaScript frame that made the call ` +
      `(better-sqlite3 runs inside Kysely's \`executeQuery\`). `,
    "",
    `Each workload ran against a fresh service process under ` +
      `\`node --cpu-prof\` (1 ms sampling) on a copy of a ` +
      `${fmt(settings.records)}-record data set: ${seconds} s of load with ` +
      `${settings.connections} connections (W4: ${bulkIds.length} bulk ` +
      `requests). Samples before the first answer are left out. ` +
      `Machine: ${machine.cpuCount} CPUs (${machine.cpuModel}); ` +
      `${machine.pinning}; Node.js ${machine.node}; commit ${machine.commit}; ` +
      `service started from ${workspace.entry === "bundle" ? "the esbuild bundle" : "the sources through tsx"}.`,
    "",
    ...profiled.flatMap(workloadSection),
  ];
  const out = join(projectRoot, "bench", "results", `${stamp}-profile.md`);
  const config = (await prettier.resolveConfig(out)) ?? {};
  writeFileSync(
    out,
    await prettier.format(lines.join("\n"), { ...config, filepath: out }),
  );
  process.stdout.write(`${lines.join("\n")}\n`);
  log(`wrote ${relative(projectRoot, out)}`);
}
