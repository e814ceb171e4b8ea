/**
 * The remoteActionAudits collection: list with server-driven paging,
 * `$count`, and create.
 */
import type { Expression, SqlBool } from "kysely";

import { BoundedMap } from "../../bounded-map.ts";
import { generateId } from "../../model/ids.ts";
import { toGraphJson, withDefaults } from "../../model/serialize.ts";
import { checkClientId, readEntityBody } from "../../model/validate.ts";
import {
  parseQueryOptions,
  type QueryOptions,
} from "../../odata/query-options.ts";
import {
  decodeSkipToken,
  encodeSkipToken,
  optionsFingerprint,
} from "../../odata/skiptoken.ts";
import { compileSortKeys, compileWhere } from "../../store/query-plan.ts";
import type { SortKey } from "../../store/store.ts";
import { readJsonBody } from "../body.ts";
import type { RouteContext, Services } from "../context.ts";
import { contextUrl, entityUrl, nextLink } from "../links.ts";
import {
  applyPreference,
  includeUnknownEnumMembers,
  sendData,
  sendWritten,
  writeContext,
} from "../reply.ts";

/** `GET /deviceManagement/remoteActionAudits` */
export async function listRecords(context: RouteContext) {
  const { services, prefer, reply } = context;
  const { options, where, orderBy, fingerprint } = listPlan(
    services,
    context.query,
  );
  const position =
    options.skipToken === undefined
      ? undefined
      : decodeSkipToken(options.skipToken, fingerprint);

  const sent = position?.sent ?? 0;
  const remaining =
    options.top === undefined ? Infinity : Math.max(options.top - sent, 0);
  let pageSize = Math.min(services.limits.maxPageSize, remaining);
  if (prefer.maxPageSize !== undefined) {
    pageSize = Math.min(pageSize, prefer.maxPageSize.value);
    applyPreference(
      reply,
      `${prefer.maxPageSize.name}=${prefer.maxPageSize.value}`,
    );
  }

  const rows =
    pageSize === 0
      ? []
      : await services.store.list({
          where,
          orderBy,
          after: position?.keys,
          // The token already counts the skipped rows of the first page.
          offset: position === undefined ? (options.skip ?? 0) : 0,
          limit: pageSize + 1,
        });
  const page = rows.slice(0, pageSize);
  const last = page[page.length - 1];
  const hasMore = rows.length > pageSize && pageSize < remaining;

  const body: Record<string, unknown> = {
    "@odata.context": contextUrl(context.base, { select: options.select }),
  };
  if (options.count) body["@odata.count"] = await services.store.count(where);
  if (hasMore && last !== undefined) {
    const token = encodeSkipToken(
      { keys: last.keys, sent: sent + page.length },
      fingerprint,
    );
    body["@odata.nextLink"] = nextLink(context.base, options.repeated, token);
  }
  const output = {
    select: options.select,
    includeUnknownEnumMembers: includeUnknownEnumMembers(context),
  };
  body.value = page.map((row) =>
    toGraphJson(row.record, { ...output, etag: row.etag }),
  );
  return sendData(reply, 200, body);
}

interface ListPlan {
  readonly options: QueryOptions;
  readonly where: Expression<SqlBool> | undefined;
  readonly orderBy: readonly SortKey[];
  readonly fingerprint: string;
}

/** Plans kept per query string, for clients that repeat the same list. */
const listPlanCacheSize = 256;
const listPlans = new WeakMap<Services, BoundedMap<string, ListPlan>>();

/**
 * Parses and compiles a list's query options, or reuses the plan of an
 * earlier request with the same query string. A `$filter` that calls
 * `now()` is compiled every time, because its value is the request's time.
 */
function listPlan(services: Services, query: string): ListPlan {
  let plans = listPlans.get(services);
  if (plans === undefined) {
    plans = new BoundedMap(listPlanCacheSize);
    listPlans.set(services, plans);
  }
  const cached = plans.get(query);
  if (cached !== undefined) return cached;

  const options = parseQueryOptions(query, services.limits);
  const expressions = services.store.expressions;
  const plan: ListPlan = {
    options,
    where: compileWhere(options, services.limits, expressions),
    orderBy: compileSortKeys(options, expressions),
    fingerprint: optionsFingerprint(options),
  };
  if (!mentionsNow(options)) plans.set(query, plan);
  return plan;
}

function mentionsNow(options: QueryOptions): boolean {
  const texts = [
    options.filter,
    options.orderByText,
    ...options.aliases.values(),
  ];
  return texts.some((text) => text !== undefined && /now/i.test(text));
}

/** `GET /deviceManagement/remoteActionAudits/$count`: a plain integer. */
export async function countRecords(context: RouteContext) {
  const { services, reply } = context;
  const options = parseQueryOptions(context.query, services.limits, [
    "filter",
    "search",
  ]);
  const where = compileWhere(
    options,
    services.limits,
    services.store.expressions,
  );
  const count = await services.store.count(where);
  return reply.code(200).type("text/plain;charset=utf-8").send(String(count));
}

/** `POST /deviceManagement/remoteActionAudits` */
export async function createRecord(context: RouteContext) {
  const { services, reply } = context;
  parseQueryOptions(context.query, services.limits, ["format"]);
  const body = readJsonBody(context.request);
  const changes = readEntityBody(body);
  const id =
    changes.id === undefined
      ? generateId(context.receivedAt.getTime())
      : checkClientId(changes.id);
  const record = withDefaults(changes, id, context.receivedAt);

  const stored = await services.store.create(record, writeContext(context));
  context.request.log.info({ recordId: id }, "record created");
  const url = entityUrl(context.base, id);
  reply.header("Location", url);
  // OData 4.0 requires OData-EntityId on a 204 response to a create.
  if (context.prefer.returnMinimal) reply.header("OData-EntityId", url);
  return sendWritten(context, 201, stored);
}
