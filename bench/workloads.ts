/**
 * The benchmark workloads as requests: which ids of the data set they use,
 * their paths, headers and bodies.
 */
import { writeFileSync } from "node:fs";

import type { OnceSpec, RateSpec } from "./load.ts";

export const collectionPath = "/beta/deviceManagement/remoteActionAudits";

/** W2's query as the brief states it, percent-encoded for the URL. */
export const filteredListQuery =
  "$filter=actionState%20eq%20'failed'&$orderby=requestDateTime%20desc&$top=50";

/** The W2 variant without `$filter`, for a service that rejects it. */
export const unfilteredListQuery = "$orderby=requestDateTime%20desc&$top=50";

/** Ids that W1 and W3 rotate over. */
export const rotatingIdCount = 1000;

/** Items in one W4 bulk request. */
export const bulkItemCount = 10_000;

/**
 * Positions of the data set whose ids the workloads use: W1 and W3 take
 * 1,000 ids each spread over the whole set, and every W4 request takes
 * 10,000 consecutive positions starting at the middle, wrapping around.
 */
export interface IdPlan {
  readonly readPositions: readonly number[];
  readonly writePositions: readonly number[];
  /** One block of positions per bulk request. */
  readonly bulkPositions: readonly (readonly number[])[];
}

export function planIds(records: number, bulkRequests: number): IdPlan {
  if (records < 2 * rotatingIdCount) {
    throw new Error(
      `--records ${records} is too small: use at least ${2 * rotatingIdCount}`,
    );
  }
  const stride = Math.floor(records / rotatingIdCount);
  const readPositions: number[] = [];
  const writePositions: number[] = [];
  for (let i = 0; i < rotatingIdCount; i++) {
    readPositions.push(i * stride);
    writePositions.push(i * stride + 1);
  }
  const bulkPositions: number[][] = [];
  const middle = Math.floor(records / 2);
  for (let request = 0; request < bulkRequests; request++) {
    const block: number[] = [];
    for (let i = 0; i < bulkItemCount; i++) {
      block.push((middle + request * bulkItemCount + i) % records);
    }
    bulkPositions.push(block);
  }
  return { readPositions, writePositions, bulkPositions };
}

/** Every position of a plan, for the data set writer. */
export function plannedPositions(plan: IdPlan): Set<number> {
  return new Set([
    ...plan.readPositions,
    ...plan.writePositions,
    ...plan.bulkPositions.flat(),
  ]);
}

export function idsAt(
  ids: ReadonlyMap<number, string>,
  positions: readonly number[],
): string[] {
  return positions.map((position) => {
    const id = ids.get(position);
    if (id === undefined)
      throw new Error(`no id kept for position ${position}`);
    return id;
  });
}

export function entityPath(id: string): string {
  return `${collectionPath}/${encodeURIComponent(id)}`;
}

export interface RateSettings {
  readonly origin: string;
  readonly serverPid?: number;
  readonly token: string;
  readonly connections: number;
  readonly durationSeconds: number;
}

function readHeaders(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}`, accept: "application/json" };
}

function writeHeaders(token: string): Record<string, string> {
  return { ...readHeaders(token), "content-type": "application/json" };
}

/** W1: GET one record, rotating over the read ids. */
export function getByIdSpec(settings: RateSettings, ids: string[]): RateSpec {
  return {
    mode: "rate",
    origin: settings.origin,
    method: "GET",
    paths: ids.map(entityPath),
    headers: readHeaders(settings.token),
    connections: settings.connections,
    durationSeconds: settings.durationSeconds,
    serverPid: settings.serverPid,
  };
}

/** W2 and W5: one list query, the same URL on every request. */
export function listSpec(settings: RateSettings, query: string): RateSpec {
  return {
    mode: "rate",
    origin: settings.origin,
    method: "GET",
    paths: [`${collectionPath}?${query}`],
    headers: readHeaders(settings.token),
    connections: settings.connections,
    durationSeconds: settings.durationSeconds,
    serverPid: settings.serverPid,
  };
}

/**
 * W3: PATCH one property of one record, rotating over the write ids. The
 * two bodies alternate so that most updates change the stored value.
 */
export function patchSpec(settings: RateSettings, ids: string[]): RateSpec {
  return {
    mode: "rate",
    origin: settings.origin,
    method: "PATCH",
    paths: ids.map(entityPath),
    bodies: ['{"actionState":"active"}', '{"actionState":"done"}'],
    headers: writeHeaders(settings.token),
    connections: settings.connections,
    durationSeconds: settings.durationSeconds,
    serverPid: settings.serverPid,
  };
}

/**
 * W4: writes one bulk body per id block (Graph's `PATCH /beta` array form,
 * each item setting `actionState`) and returns the spec that sends them.
 */
export function bulkSpec(
  origin: string,
  token: string,
  idBlocks: readonly string[][],
  bodyFile: (index: number) => string,
): OnceSpec {
  const bodyFiles = idBlocks.map((ids, index) => {
    const items = ids.map((id) => ({
      "@odata.type": "#microsoft.graph.remoteActionAudit",
      id,
      actionState: "canceled",
    }));
    const file = bodyFile(index);
    writeFileSync(file, JSON.stringify(items));
    return file;
  });
  return {
    mode: "once",
    origin,
    method: "PATCH",
    path: "/beta",
    bodyFiles,
    headers: writeHeaders(token),
    timeoutSeconds: 300,
  };
}
