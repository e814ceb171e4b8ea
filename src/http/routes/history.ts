/**
 * `GET /history/remoteActionAudits/{id}`: the versions of one record,
 * oldest first, with paging. Each version carries what its hash covers,
 * so a client can check the chain itself.
 */
import { apiErrors } from "../../errors.ts";
import { parseQueryOptions } from "../../odata/query-options.ts";
import { openToken, sealToken } from "../../odata/skiptoken.ts";
import type { Version } from "../../store/history.ts";
import type { RouteContext } from "../context.ts";
import { sendData } from "../reply.ts";

export async function getHistory(context: RouteContext, id: string) {
  const { services, reply } = context;
  const options = parseQueryOptions(context.query, services.limits, [
    "top",
    "skiptoken",
    "format",
  ]);
  const pageSize = Math.min(
    options.top ?? services.limits.maxPageSize,
    services.limits.maxPageSize,
  );
  const afterVersion =
    options.skipToken === undefined ? 0 : readAfterVersion(options.skipToken);

  const versions = await services.store.history(id, afterVersion, pageSize + 1);
  if (versions.length === 0 && afterVersion === 0) {
    throw apiErrors.historyNotFound(id);
  }
  const page = versions.slice(0, pageSize);
  const body: Record<string, unknown> = {
    value: page.map(versionJson),
  };
  const last = page[page.length - 1];
  if (versions.length > pageSize && last !== undefined) {
    const token = sealToken({ afterVersion: last.version });
    const top = options.top === undefined ? "" : `$top=${options.top}&`;
    body["@odata.nextLink"] =
      `${context.base}/history/remoteActionAudits/${encodeURIComponent(id)}` +
      `?${top}$skiptoken=${encodeURIComponent(token)}`;
  }
  return sendData(reply, 200, body);
}

function readAfterVersion(token: string): number {
  const body = openToken(token, "$skiptoken") as { afterVersion?: unknown };
  const after = body?.afterVersion;
  return typeof after === "number" && Number.isInteger(after) ? after : 0;
}

function versionJson(version: Version) {
  return {
    version: version.version,
    changeKind: version.changeKind,
    changedAt: version.changedAt,
    actor: {
      subject: version.actorSubject,
      appId: version.actorAppId,
      userPrincipalName: version.actorUserPrincipalName,
    },
    requestId: version.requestId,
    snapshot: version.snapshot === null ? null : JSON.parse(version.snapshot),
    previousHash: version.previousHash,
    hash: version.hash,
  };
}
