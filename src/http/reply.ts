/** Helpers that send Graph data responses. */
import type { StoredRecord, WriteContext } from "../store/store.ts";
import { toGraphJson } from "../model/serialize.ts";
import type { RouteContext } from "./context.ts";
import type { ApiReply } from "./exchange.ts";
import { dataContentType } from "./graph-headers.ts";
import { contextUrl } from "./links.ts";

export function sendData(
  reply: ApiReply,
  status: number,
  body: unknown,
): ApiReply {
  return reply.code(status).type(dataContentType).send(JSON.stringify(body));
}

/** Adds one applied preference to the `Preference-Applied` header. */
export function applyPreference(reply: ApiReply, preference: string): void {
  const current = reply.getHeader("Preference-Applied");
  const value =
    current === undefined ? preference : `${String(current)}, ${preference}`;
  reply.header("Preference-Applied", value);
}

/**
 * Tells whether record JSON shows enum members added after
 * `unknownFutureValue` (Graph's evolvable enums). Call it while building a
 * body that carries records: the preference is then applied, and named
 * once in `Preference-Applied`.
 */
export function includeUnknownEnumMembers(context: RouteContext): boolean {
  if (!context.prefer.includeUnknownEnumMembers) return false;
  const applied = context.reply.getHeader("Preference-Applied") ?? "";
  const names = applied.split(",").map((name) => name.trim());
  if (!names.includes(unknownEnumMembersPreference)) {
    applyPreference(context.reply, unknownEnumMembersPreference);
  }
  return true;
}

const unknownEnumMembersPreference = "include-unknown-enum-members";

/** The JSON of one record as a single-entity response body. */
export function entityBody(
  context: RouteContext,
  stored: StoredRecord,
  select?: readonly string[],
): Record<string, unknown> {
  return {
    "@odata.context": contextUrl(context.base, { select, entity: true }),
    ...toGraphJson(stored.record, {
      select,
      includeUnknownEnumMembers: includeUnknownEnumMembers(context),
      etag: stored.etag,
    }),
  };
}

/** Sends 204 for `Prefer: return=minimal`, else the given status and entity. */
export function sendWritten(
  context: RouteContext,
  status: number,
  stored: StoredRecord,
): ApiReply {
  const { reply, prefer } = context;
  reply.header("ETag", stored.etag);
  if (prefer.returnMinimal) {
    applyPreference(reply, "return=minimal");
    return reply.code(204).send();
  }
  if (prefer.returnRepresentation)
    applyPreference(reply, "return=representation");
  return sendData(reply, status, entityBody(context, stored));
}

/** The write context of a request: its time and who sent it. */
export function writeContext(context: RouteContext): WriteContext {
  const principal = context.principal;
  return {
    receivedAt: context.receivedAt,
    actor: {
      subject: principal.subject,
      appId: principal.appId,
      userPrincipalName: principal.userPrincipalName,
      requestId: context.request.id,
    },
  };
}
