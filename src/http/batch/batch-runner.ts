/**
 * Runs the units of a batch. Each inner request goes through the same
 * dispatch as a request sent alone: routing, authentication, permission,
 * throttling, content negotiation, its handler, error rendering and one
 * `request completed` log line with its own request-id. Units run as soon
 * as the units they depend on have finished, so independent requests run
 * concurrently.
 */
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";

import { ApiError, apiErrors, quote } from "../../errors.ts";
import type { AuditStore } from "../../store/store.ts";
import type { RouteContext, Services } from "../context.ts";
import { dispatchRequest, logCompleted } from "../dispatch.ts";
import { sendError } from "../error-reply.ts";
import { ApiReply, commonHeaders, type ApiRequest } from "../exchange.ts";
import { resolveResource } from "../router.ts";
import type { BatchUnit, Dependency } from "./batch-order.ts";
import type { BatchItem } from "./batch-request.ts";
import { encodeInnerBody } from "./inner-body.ts";

/** One entry of the `responses` array. */
export interface BatchResponse {
  readonly id: string;
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body?: unknown;
  readonly atomicityGroup?: string;
}

/** An inner request and its reply so far. */
interface Exchange {
  readonly item: BatchItem;
  readonly request: ApiRequest;
  readonly startedAt: number;
  reply: ApiReply;
}

/** Runs every unit and returns the responses in request order. */
export async function runBatchUnits(
  context: RouteContext,
  units: readonly BatchUnit[],
): Promise<BatchResponse[]> {
  const exchanges = new Map<BatchItem, Exchange>();
  const byKey = new Map(units.map((unit) => [unit.key, unit]));
  const running = new Map<string, Promise<void>>();

  const start = (unit: BatchUnit): Promise<void> => {
    let promise = running.get(unit.key);
    if (promise === undefined) {
      promise = Promise.all(
        unit.after.map((key) => start(byKey.get(key)!)),
      ).then(() => runUnit(context, unit, exchanges));
      running.set(unit.key, promise);
    }
    return promise;
  };
  await Promise.all(units.map(start));

  const items = units
    .flatMap((unit) => unit.items)
    .sort((a, b) => a.index - b.index);
  return items.map((item) => batchResponse(item, exchanges.get(item)!.reply));
}

/** Runs one unit, then logs the final status of each of its requests. */
async function runUnit(
  context: RouteContext,
  unit: BatchUnit,
  exchanges: Map<BatchItem, Exchange>,
): Promise<void> {
  await settleUnit(context, unit, exchanges);
  for (const item of unit.items) {
    const { request, reply, startedAt } = exchanges.get(item)!;
    const durationMs = performance.now() - startedAt;
    logCompleted(request.log, request, reply.statusCode, durationMs);
  }
}

async function settleUnit(
  context: RouteContext,
  unit: BatchUnit,
  exchanges: Map<BatchItem, Exchange>,
): Promise<void> {
  const failed = failedDependency(unit.dependencies, exchanges);
  if (failed !== undefined) {
    for (const item of unit.items) {
      exchanges.set(item, rejected(context, item, notRunError(unit, failed)));
    }
    return;
  }
  if (unit.group === undefined) {
    const item = unit.items[0]!;
    exchanges.set(item, await runItem(context, item, context.services.store));
    return;
  }
  await runGroup(context, unit, exchanges);
}

/**
 * Runs the requests of an atomicity group in one store transaction. The
 * first failed request stops the group and rolls the transaction back;
 * the requests before it then report 424, as do those after it.
 */
async function runGroup(
  context: RouteContext,
  unit: BatchUnit,
  exchanges: Map<BatchItem, Exchange>,
): Promise<void> {
  let results: Exchange[] = [];
  try {
    await context.services.store.transaction(async (view) => {
      // A store may run this again after a serialization failure.
      results = [];
      for (const item of unit.items) {
        const exchange = await runItem(context, item, view);
        results.push(exchange);
        if (exchange.reply.statusCode >= 400) throw new GroupFailure();
      }
    });
  } catch (error) {
    if (!(error instanceof GroupFailure)) {
      results = unit.items.map((item) =>
        rejected(context, item, apiErrors.internal(error)),
      );
    }
  }
  const failure = results.find((result) => result.reply.statusCode >= 400);
  if (failure !== undefined) {
    // Earlier requests logged lines such as "record created" before the
    // rollback, so this line records that their changes were undone.
    context.request.log.info(
      {
        atomicityGroup: unit.group,
        batchItemIds: unit.items.map((item) => item.id),
        failedBatchItemId: unit.items[results.indexOf(failure)]?.id,
      },
      "atomicity group rolled back",
    );
  }
  unit.items.forEach((item, position) => {
    const result = results[position];
    if (failure === undefined || result === failure) {
      exchanges.set(item, result!);
      return;
    }
    const error = groupError(unit, failure, result !== undefined);
    exchanges.set(item, rejected(context, item, error, result));
  });
}

/** Thrown inside a group's transaction to roll it back. */
class GroupFailure extends Error {}

async function runItem(
  context: RouteContext,
  item: BatchItem,
  store: AuditStore,
): Promise<Exchange> {
  const startedAt = performance.now();
  const url = innerUrl(item.url);
  if (url instanceof ApiError) {
    const request = innerRequest(context, item, item.url);
    return { item, request, startedAt, reply: errorReply(request, url) };
  }
  const request = innerRequest(context, item, url);
  const services: Services = { ...context.services, store };
  const reply = await dispatchRequest(services, request, "/beta", resolveInner);
  return { item, request, startedAt, reply };
}

/** Resolves an inner URL like an outer one, except that batches do not nest. */
function resolveInner(segments: readonly string[]) {
  if (segments[0] === "$batch") {
    throw apiErrors.badRequest(
      "A batch request cannot contain another $batch request. " +
        "Send the inner requests in the outer batch.",
    );
  }
  return resolveResource(segments);
}

/**
 * Builds the ApiRequest of an inner request. It has its own request-id and
 * carries the outer Authorization header unless it sets its own.
 */
function innerRequest(
  context: RouteContext,
  item: BatchItem,
  url: string,
): ApiRequest {
  const outer = context.request;
  const id = randomUUID();
  const headers: Record<string, string> = { ...item.headers };
  const authorization = outer.headers.authorization;
  if (headers.authorization === undefined && authorization !== undefined) {
    headers.authorization = authorization;
  }
  // A body without a content type is JSON: msgraph-sdk-core sends no headers.
  if (item.body !== undefined && headers["content-type"] === undefined) {
    headers["content-type"] = "application/json";
  }
  return {
    id,
    method: item.method,
    url,
    headers,
    body: item.body?.bytes,
    protocol: outer.protocol,
    host: outer.host,
    log: context.services.log.child({
      "request-id": id,
      batchRequestId: outer.id,
      batchItemId: item.id,
    }),
  };
}

/**
 * Maps an inner URL to a path under `/beta`. The URL is relative to the
 * service root, with or without a leading `/` or a `/beta` prefix. An
 * absolute URL is an error for that request alone.
 */
export function innerUrl(url: string): string | ApiError {
  if (/^[a-z][a-z0-9+.-]*:/i.test(url) || url.startsWith("//")) {
    return apiErrors.badRequest(
      `The inner request URL ${quote(url)} is absolute. Send a URL ` +
        `relative to the service root, such as ` +
        `'/deviceManagement/remoteActionAudits'.`,
    );
  }
  const relative = url.replace(/^\/+/, "").replace(/^beta(?=$|[/?])/, "");
  const path = relative.replace(/^\/+/, "");
  return path === "" || path.startsWith("?") ? `/beta${path}` : `/beta/${path}`;
}

function errorReply(request: ApiRequest, error: ApiError): ApiReply {
  const reply = new ApiReply().headers(commonHeaders(request));
  return sendError(request, reply, error);
}

/**
 * Builds an exchange whose reply is the error. An exchange that ran keeps
 * its request and so its request-id.
 */
function rejected(
  context: RouteContext,
  item: BatchItem,
  error: ApiError,
  earlier?: Exchange,
): Exchange {
  const url = innerUrl(item.url);
  const request =
    earlier?.request ??
    innerRequest(context, item, typeof url === "string" ? url : item.url);
  return {
    item,
    request,
    startedAt: earlier?.startedAt ?? performance.now(),
    reply: errorReply(request, error),
  };
}

function failedDependency(
  dependencies: readonly Dependency[],
  exchanges: ReadonlyMap<BatchItem, Exchange>,
): { dependency: Dependency; status: number } | undefined {
  for (const dependency of dependencies) {
    for (const item of dependency.items) {
      const status = exchanges.get(item)?.reply.statusCode ?? 500;
      if (status >= 400) return { dependency, status };
    }
  }
  return undefined;
}

function notRunError(
  unit: BatchUnit,
  failed: { dependency: Dependency; status: number },
): ApiError {
  const subject =
    unit.group === undefined
      ? "The request"
      : `The atomicity group ${quote(unit.group)} of this request`;
  return apiErrors.failedDependency(
    `${subject} was not run because it depends on ` +
      `${failed.dependency.label}, which failed with status ${failed.status}.`,
  );
}

function groupError(
  unit: BatchUnit,
  failure: Exchange,
  ran: boolean,
): ApiError {
  const outcome = ran ? "was rolled back" : "was not run";
  return apiErrors.failedDependency(
    `The request ${outcome} because request ${quote(failure.item.id)} of ` +
      `atomicity group ${quote(unit.group ?? "")} failed with status ` +
      `${failure.reply.statusCode}. No request of the group was applied.`,
  );
}

/** Renders a reply as a `responses` entry; `Content-Type` is spelled so. */
function batchResponse(item: BatchItem, reply: ApiReply): BatchResponse {
  const headers: Record<string, string> = {};
  for (const [name, value] of reply.headerEntries()) {
    const key = name.toLowerCase() === "content-type" ? "Content-Type" : name;
    headers[key] = value;
  }
  const noBody = reply.statusCode === 204 || reply.statusCode === 304;
  const body = noBody
    ? undefined
    : encodeInnerBody(
        reply.body,
        headers["Content-Type"],
        item.body?.base64 === true,
      );
  return {
    id: item.id,
    status: reply.statusCode,
    headers,
    ...(body === undefined ? {} : { body }),
    ...(item.atomicityGroup === undefined
      ? {}
      : { atomicityGroup: item.atomicityGroup }),
  };
}
