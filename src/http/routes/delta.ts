/**
 * Delta queries in Graph's pattern: the first round returns every record,
 * page by page, and ends with an `@odata.deltaLink`; following that link
 * returns what changed since, with deleted records as `@removed`.
 *
 * A round is the set of changes between two change-stream positions taken
 * from the store: `since` (the end of the previous round) and `upTo` (taken
 * when the round starts). Every page of a round uses the same two, so a
 * change that commits during the round is returned by the next one. How a
 * position is made complete on each database is explained by the store
 * dialects.
 */
import { findProperty } from "../../model/entity.ts";
import { toGraphJson } from "../../model/serialize.ts";
import { parseQueryOptions } from "../../odata/query-options.ts";
import { invalidToken, openToken, sealToken } from "../../odata/skiptoken.ts";
import type { ChangePosition, DeltaItem } from "../../store/store.ts";
import type { RouteContext } from "../context.ts";
import { collectionPath, serviceRoot } from "../links.ts";
import {
  applyPreference,
  includeUnknownEnumMembers,
  sendData,
} from "../reply.ts";

/** The state a delta or next link carries. */
interface DeltaState {
  readonly kind: "delta" | "page";
  readonly since?: ChangePosition;
  readonly upTo?: ChangePosition;
  readonly afterId?: string;
  /** The `$select` of the first request, which every link repeats. */
  readonly select?: readonly string[];
}

/** `GET /deviceManagement/remoteActionAudits/delta` */
export async function getDelta(context: RouteContext) {
  const { services, prefer, reply } = context;
  const options = parseQueryOptions(context.query, services.limits, [
    "select",
    "format",
    "skiptoken",
    "deltatoken",
  ]);
  const state = readState(options.deltaToken, options.skipToken, (text) =>
    services.store.isChangePosition(text),
  );
  const select = state?.select ?? options.select;
  const base = `${serviceRoot(context.base)}/${collectionPath}/delta`;

  if (options.deltaToken === "latest") {
    const position = await services.store.changePosition();
    return sendData(reply, 200, {
      "@odata.context": deltaContext(context, select),
      value: [],
      "@odata.deltaLink": link(base, "$deltatoken", {
        kind: "delta",
        since: position,
        select,
      }),
    });
  }

  let pageSize = services.limits.maxPageSize;
  if (prefer.maxPageSize !== undefined) {
    pageSize = Math.min(pageSize, prefer.maxPageSize.value);
    applyPreference(
      reply,
      `${prefer.maxPageSize.name}=${prefer.maxPageSize.value}`,
    );
  }
  const page = await services.store.delta({
    since: state?.since,
    upTo: state?.upTo,
    afterId: state?.afterId,
    limit: pageSize + 1,
  });
  const items = page.items.slice(0, pageSize);
  const last = items[items.length - 1];

  const body: Record<string, unknown> = {
    "@odata.context": deltaContext(context, select),
    value: items.map((item) => itemJson(context, item, select)),
  };
  if (page.items.length > pageSize && last !== undefined) {
    body["@odata.nextLink"] = link(base, "$skiptoken", {
      kind: "page",
      since: state?.since,
      upTo: page.upTo,
      afterId: itemId(last),
      select,
    });
  } else {
    body["@odata.deltaLink"] = link(base, "$deltatoken", {
      kind: "delta",
      since: page.upTo,
      select,
    });
  }
  return sendData(reply, 200, body);
}

function readState(
  deltaToken: string | undefined,
  skipToken: string | undefined,
  isPosition: (text: string) => boolean,
): DeltaState | undefined {
  // NOTE: the history is never pruned, so no delta token expires and no
  // request returns 410; a retention window would add that check here.
  if (skipToken !== undefined) {
    return openState(skipToken, "$skiptoken", "page", isPosition);
  }
  if (deltaToken !== undefined && deltaToken !== "latest") {
    return openState(deltaToken, "$deltatoken", "delta", isPosition);
  }
  return undefined;
}

function openState(
  token: string,
  option: string,
  kind: DeltaState["kind"],
  isPosition: (text: string) => boolean,
) {
  const state = openToken(token, option) as Partial<DeltaState> | null;
  if (state?.kind !== kind) {
    throw invalidToken(option, "it is not a token of this kind");
  }
  const position = (value: unknown) =>
    value === undefined || (typeof value === "string" && isPosition(value));
  const valid =
    position(state.since) &&
    position(state.upTo) &&
    (state.afterId === undefined || typeof state.afterId === "string") &&
    (state.select === undefined ||
      (Array.isArray(state.select) &&
        state.select.every(
          (name) =>
            typeof name === "string" && findProperty(name) !== undefined,
        )));
  if (!valid) {
    throw invalidToken(
      option,
      "it does not hold a position of this store; a token from another " +
        "store or an older release cannot be used, so start a new sync",
    );
  }
  return state as DeltaState;
}

function link(base: string, option: string, state: DeltaState): string {
  return `${base}?${option}=${encodeURIComponent(sealToken(state))}`;
}

function deltaContext(context: RouteContext, select?: readonly string[]) {
  const projection = select === undefined ? "" : `(${select.join(",")})`;
  return `${serviceRoot(context.base)}/$metadata#${collectionPath}${projection}/$delta`;
}

function itemId(item: DeltaItem): string {
  return item.kind === "removed" ? item.id : item.record.id;
}

function itemJson(
  context: RouteContext,
  item: DeltaItem,
  select?: readonly string[],
): unknown {
  if (item.kind === "removed") {
    return { id: item.id, "@removed": { reason: "deleted" } };
  }
  return toGraphJson(item.record, {
    select,
    includeUnknownEnumMembers: includeUnknownEnumMembers(context),
    etag: item.etag,
  });
}
