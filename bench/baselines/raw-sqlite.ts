/**
 * Baseline (b): a node:http server that runs the service's SQL for the
 * benchmark workloads with prepared better-sqlite3 statements and the
 * service's pragmas (WAL, synchronous=FULL), without Fastify, Kysely, OData
 * parsing or token checks. It writes the same history rows (snapshot and
 * hash chain) as the service, so a file it changed still passes `verify`.
 *
 * It understands only the requests of the workloads: GET and PATCH of one
 * record, the W2 list (with or without the `actionState eq 'failed'`
 * filter, always ordered by requestDateTime descending) and the bulk PATCH
 * of `/beta` whose items set `actionState` on existing records. The bulk
 * PATCH uses the batched statements of the service's bulk writer.
 *
 * usage: node --import tsx bench/baselines/raw-sqlite.ts --port N --db FILE
 */
import { randomUUID } from "node:crypto";
import {
  createServer,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import { parseArgs } from "node:util";

import Sqlite from "better-sqlite3";

import { dataContentType } from "../../src/http/graph-headers.ts";
import { canonicalFromDate } from "../../src/model/datetime.ts";
import {
  properties,
  type AuditRecord,
  type KeyValuePair,
} from "../../src/model/entity.ts";
import {
  actionState,
  deviceActionCategory,
  remoteAction,
  type EnumType,
} from "../../src/model/enums.ts";
import { buildVersion } from "../../src/store/history.ts";
import { recordsTable, versionsTable } from "../../src/store/table.ts";

const { values } = parseArgs({
  options: {
    port: { type: "string" },
    host: { type: "string", default: "127.0.0.1" },
    db: { type: "string" },
  },
});
if (values.port === undefined || values.db === undefined) {
  throw new Error("usage: raw-sqlite.ts --port N --db FILE");
}

const connection = new Sqlite(values.db);
connection.pragma("journal_mode = WAL");
connection.pragma("synchronous = FULL");
connection.pragma("busy_timeout = 5000");

type Row = Omit<AuditRecord, "deviceActionDetails"> & {
  deviceActionDetails: string;
  changeSeq: number;
};

const columns = [...properties.map((p) => p.name), "changeSeq"];
const selectById = connection.prepare<[string], Row>(
  `select * from "${recordsTable}" where "id" = ?`,
);
const selectFailedPage = connection.prepare<[number, number], Row>(
  `select *, "requestDateTime" as "sortKey0" from "${recordsTable}" ` +
    `where "actionState" = ? order by "requestDateTime" desc, "id" limit ?`,
);
const selectPage = connection.prepare<[number], Row>(
  `select *, "requestDateTime" as "sortKey0" from "${recordsTable}" ` +
    `order by "requestDateTime" desc, "id" limit ?`,
);
const selectLastVersion = connection.prepare<
  [string],
  { version: number; hash: string }
>(
  `select "version", "hash" from "${versionsTable}" where "recordId" = ? ` +
    `order by "version" desc limit 1`,
);
const insertVersion = connection.prepare(
  `insert into "${versionsTable}" ("recordId", "version", "changeKind", ` +
    `"snapshot", "actorSubject", "actorAppId", "actorUserPrincipalName", ` +
    `"requestId", "changedAt", "previousHash", "hash") ` +
    `values (?, ?, 'updated', ?, null, null, null, ?, ?, ?, ?) returning "seq"`,
);
const updateRow = connection.prepare(
  `update "${recordsTable}" set ` +
    columns.map((column) => `"${column}" = ?`).join(", ") +
    ` where "id" = ?`,
);

/** Member names by value; values past the array are absent. */
function namesOf(type: EnumType): string[] {
  const names: string[] = [];
  for (const member of type.members) names[member.value] = member.name;
  return names;
}
const actionNames = namesOf(remoteAction);
const stateNames = namesOf(actionState);
const categoryNames = namesOf(deviceActionCategory);
const stateValues = new Map(actionState.members.map((m) => [m.name, m.value]));

/** Drops trailing zero fraction digits, as Graph sends dates. */
function graphDate(canonical: string): string {
  const dot = canonical.indexOf(".");
  const whole = canonical.slice(0, dot);
  const fraction = canonical.slice(dot + 1, -1).replace(/0+$/, "");
  return fraction === "" ? `${whole}Z` : `${whole}.${fraction}Z`;
}

function recordOf(row: Row): AuditRecord {
  return {
    id: row.id,
    action: row.action,
    actionState: row.actionState,
    requestDateTime: row.requestDateTime,
    deviceDisplayName: row.deviceDisplayName,
    deviceIMEI: row.deviceIMEI,
    deviceOwnerUserPrincipalName: row.deviceOwnerUserPrincipalName,
    initiatedByUserPrincipalName: row.initiatedByUserPrincipalName,
    managedDeviceId: row.managedDeviceId,
    userName: row.userName,
    bulkDeviceActionId: row.bulkDeviceActionId,
    deviceActionCategory: row.deviceActionCategory,
    deviceActionDetails: JSON.parse(row.deviceActionDetails) as KeyValuePair[],
  };
}

/** The Graph JSON object of a record, in the service's property order. */
function graphJson(record: AuditRecord, changeSeq: number) {
  const action =
    record.action > (remoteAction.unknownFutureValue ?? Infinity)
      ? "unknownFutureValue"
      : actionNames[record.action];
  return {
    "@odata.type": "#microsoft.graph.remoteActionAudit",
    "@odata.etag": `W/"${changeSeq}"`,
    id: record.id,
    action,
    actionState: stateNames[record.actionState],
    requestDateTime: graphDate(record.requestDateTime),
    deviceDisplayName: record.deviceDisplayName,
    deviceIMEI: record.deviceIMEI,
    deviceOwnerUserPrincipalName: record.deviceOwnerUserPrincipalName,
    initiatedByUserPrincipalName: record.initiatedByUserPrincipalName,
    managedDeviceId: record.managedDeviceId,
    userName: record.userName,
    bulkDeviceActionId: record.bulkDeviceActionId,
    deviceActionCategory: categoryNames[record.deviceActionCategory],
    deviceActionDetails: record.deviceActionDetails,
  };
}

const collectionPrefix = "/beta/deviceManagement/remoteActionAudits";

function metadataUrl(request: IncomingMessage, suffix: string): string {
  return (
    `http://${request.headers.host ?? "127.0.0.1"}/beta/$metadata#` +
    `deviceManagement/remoteActionAudits${suffix}`
  );
}

function send(response: ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    "Content-Type": dataContentType,
    "Content-Length": Buffer.byteLength(text),
    "OData-Version": "4.0",
  });
  response.end(text);
}

function sendError(response: ServerResponse, status: number, message: string) {
  send(response, status, { error: { code: "BadRequest", message } });
}

/**
 * Applies `actionState` to one record inside the caller's transaction, with
 * the same reads and writes as the service's update: the current row, the
 * last version, a new version and the new row.
 */
function updateState(
  id: string,
  state: number,
  requestId: string,
): { record: AuditRecord; seq: number } | undefined {
  const row = selectById.get(id);
  if (row === undefined) return undefined;
  const record = { ...recordOf(row), actionState: state };
  const last = selectLastVersion.get(id);
  const fields = updatedVersion(
    record,
    last,
    requestId,
    canonicalFromDate(new Date()),
  );
  const inserted = insertVersion.get(
    fields.recordId,
    fields.version,
    fields.snapshot,
    fields.requestId,
    fields.changedAt,
    fields.previousHash,
    fields.hash,
  ) as { seq: number };
  const seq = inserted.seq;
  const rowValues: Record<string, unknown> = {
    ...record,
    deviceActionDetails: JSON.stringify(record.deviceActionDetails),
    changeSeq: seq,
  };
  updateRow.run(...columns.map((column) => rowValues[column]), id);
  return { record, seq };
}

/** Builds the "updated" version that follows `last`, for an anonymous caller. */
function updatedVersion(
  record: AuditRecord,
  last: { version: number; hash: string } | undefined,
  requestId: string,
  changedAt: string,
) {
  return buildVersion(
    {
      recordId: record.id,
      changeKind: "updated",
      record,
      actor: { requestId },
      changedAt,
    },
    last,
  );
}

/** Reads `actionState` from a PATCH item; undefined when it is invalid. */
function stateOf(item: unknown): number | undefined {
  if (typeof item !== "object" || item === null) return undefined;
  const name = (item as { actionState?: unknown }).actionState;
  return typeof name === "string" ? stateValues.get(name) : undefined;
}

const updateOne = connection.transaction(updateState);

/** Rows per multi-row statement, as in the service's bulk writer. */
const chunkSize = 1000;

/** Prepared statements whose placeholder count depends on the rows. */
const statementsBySize = new Map<string, Sqlite.Statement>();

function preparedFor(kind: string, rows: number, build: () => string) {
  const key = `${kind}:${rows}`;
  let statement = statementsBySize.get(key);
  if (statement === undefined) {
    statement = connection.prepare(build());
    statementsBySize.set(key, statement);
  }
  return statement;
}

/** Returns `?, ?, …` with `count` placeholders. */
function questionMarks(count: number): string {
  return new Array<string>(count).fill("?").join(", ");
}

/** Returns `(?, …), (?, …)`: `rows` tuples of `columns` placeholders. */
function placeholders(rows: number, columns: number): string {
  return new Array<string>(rows).fill(`(${questionMarks(columns)})`).join(", ");
}

const versionColumns = [
  "seq",
  "recordId",
  "version",
  "changeKind",
  "snapshot",
  "actorSubject",
  "actorAppId",
  "actorUserPrincipalName",
  "requestId",
  "changedAt",
  "previousHash",
  "hash",
];
const reserveSequence = connection.prepare<[string], { seq: number }>(
  `select coalesce(max(seq), 0) as seq from sqlite_sequence where name = ?`,
);

/**
 * Applies `actionState` to many records with the statement shapes of the
 * service's bulk writer: per 1,000 ids one read of the rows and one of
 * their latest versions, then multi-row inserts of the versions and
 * upserts of the rows that set only `actionState` and `changeSeq`.
 */
function updateBatched(
  items: readonly { id: string; state: number }[],
  requestId: string,
): ({ record: AuditRecord; seq: number } | undefined)[] {
  const rows = new Map<string, Row>();
  const latest = new Map<number, { version: number; hash: string }>();
  for (let from = 0; from < items.length; from += chunkSize) {
    const ids = items.slice(from, from + chunkSize).map((item) => item.id);
    const selectRows = preparedFor(
      "rows",
      ids.length,
      () =>
        `select * from "${recordsTable}" where "id" in (${questionMarks(ids.length)})`,
    );
    const found = selectRows.all(...ids) as Row[];
    for (const row of found) rows.set(row.id, row);
    const seqs = found.map((row) => row.changeSeq);
    if (seqs.length === 0) continue;
    const selectVersions = preparedFor(
      "versions",
      seqs.length,
      () =>
        `select "seq", "version", "hash" from "${versionsTable}" where "seq" in (${questionMarks(seqs.length)})`,
    );
    const versions = selectVersions.all(...seqs) as {
      seq: number;
      version: number;
      hash: string;
    }[];
    for (const version of versions) latest.set(version.seq, version);
  }

  const changedAt = canonicalFromDate(new Date());
  const base = reserveSequence.get(versionsTable)?.seq ?? 0;
  const results: ({ record: AuditRecord; seq: number } | undefined)[] = [];
  const versionValues: unknown[][] = [];
  const rowValues: unknown[][] = [];
  for (const item of items) {
    const row = rows.get(item.id);
    if (row === undefined) {
      results.push(undefined);
      continue;
    }
    const record = { ...recordOf(row), actionState: item.state };
    const last = latest.get(row.changeSeq);
    const seq = base + versionValues.length + 1;
    const fields = updatedVersion(record, last, requestId, changedAt);
    const hash = fields.hash;
    versionValues.push([
      seq,
      ...versionColumns
        .slice(1, -1)
        .map((c) => fields[c as keyof typeof fields]),
      hash,
    ]);
    const stored: Record<string, unknown> = {
      ...record,
      deviceActionDetails: JSON.stringify(record.deviceActionDetails),
      changeSeq: seq,
    };
    rowValues.push(columns.map((column) => stored[column]));
    // A later item of the same record continues from this version.
    rows.set(item.id, { ...row, actionState: item.state, changeSeq: seq });
    latest.set(seq, { version: fields.version, hash });
    results.push({ record, seq });
  }

  for (let from = 0; from < versionValues.length; from += chunkSize) {
    const chunk = versionValues.slice(from, from + chunkSize);
    const insert = preparedFor(
      "insert-versions",
      chunk.length,
      () =>
        `insert into "${versionsTable}" (${versionColumns.map((c) => `"${c}"`).join(", ")}) ` +
        `values ${placeholders(chunk.length, versionColumns.length)}`,
    );
    insert.run(...chunk.flat());
  }
  for (let from = 0; from < rowValues.length; from += chunkSize) {
    const chunk = rowValues.slice(from, from + chunkSize);
    const upsert = preparedFor(
      "upsert-rows",
      chunk.length,
      () =>
        `insert into "${recordsTable}" (${columns.map((c) => `"${c}"`).join(", ")}) ` +
        `values ${placeholders(chunk.length, columns.length)} ` +
        `on conflict ("id") do update set "changeSeq" = excluded."changeSeq", ` +
        `"actionState" = excluded."actionState"`,
    );
    upsert.run(...chunk.flat());
  }
  return results;
}

const updateMany = connection.transaction(updateBatched);

function handle(
  request: IncomingMessage,
  response: ServerResponse,
  body: string,
) {
  const url = request.url ?? "/";
  const question = url.indexOf("?");
  const path = question < 0 ? url : url.slice(0, question);

  if (request.method === "GET" && path === collectionPrefix) {
    const query = question < 0 ? "" : url.slice(question + 1);
    const rows = query.includes("filter")
      ? selectFailedPage.all(stateValues.get("failed") as number, 51)
      : selectPage.all(51);
    const value = rows
      .slice(0, 50)
      .map((row) => graphJson(recordOf(row), row.changeSeq));
    send(response, 200, { "@odata.context": metadataUrl(request, ""), value });
    return;
  }

  if (path.startsWith(`${collectionPrefix}/`)) {
    const id = decodeURIComponent(path.slice(collectionPrefix.length + 1));
    if (request.method === "GET") {
      const row = selectById.get(id);
      if (row === undefined) return sendError(response, 404, "not found");
      response.setHeader("ETag", `W/"${row.changeSeq}"`);
      send(response, 200, {
        "@odata.context": metadataUrl(request, "/$entity"),
        ...graphJson(recordOf(row), row.changeSeq),
      });
      return;
    }
    if (request.method === "PATCH") {
      const state = stateOf(JSON.parse(body));
      if (state === undefined) {
        return sendError(response, 400, "only actionState is supported");
      }
      const result = updateOne(id, state, randomUUID());
      if (result === undefined) return sendError(response, 404, "not found");
      response.setHeader("ETag", `W/"${result.seq}"`);
      send(response, 200, {
        "@odata.context": metadataUrl(request, "/$entity"),
        ...graphJson(result.record, result.seq),
      });
      return;
    }
  }

  if (request.method === "PATCH" && path === "/beta") {
    const parsed = JSON.parse(body) as unknown;
    if (!Array.isArray(parsed)) return sendError(response, 400, "not an array");
    const items: { id: string; state: number }[] = [];
    for (const item of parsed as { id?: unknown }[]) {
      const state = stateOf(item);
      if (typeof item.id !== "string" || state === undefined) {
        return sendError(response, 400, "each item needs id and actionState");
      }
      items.push({ id: item.id, state });
    }
    const results = updateMany(items, randomUUID());
    send(response, 200, {
      "@odata.context": metadataUrl(request, ""),
      value: results.map((result) =>
        result === undefined ? null : graphJson(result.record, result.seq),
      ),
    });
    return;
  }
  sendError(response, 400, `unsupported request ${request.method} ${url}`);
}

const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on("data", (chunk: Buffer) => chunks.push(chunk));
  request.on("end", () => {
    try {
      handle(request, response, Buffer.concat(chunks).toString("utf8"));
    } catch (error) {
      sendError(response, 500, String(error));
    }
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(values.port), values.host);

function stop() {
  server.close(() => {
    connection.close();
    process.exit(0);
  });
}
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
