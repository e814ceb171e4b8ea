/** Helpers that send Graph data responses. */
import type { FastifyReply } from "fastify";

import type { StoredRecord, WriteContext } from "../store/store.ts";
import { toGraphJson } from "../model/serialize.ts";
import type { RouteContext } from "./context.ts";
import { dataContentType } from "./graph-headers.ts";
import { contextUrl } from "./links.ts";

export function sendData(
  reply: FastifyReply,
  status: number,
  body: unknown,
): FastifyReply {
  return reply.code(status).type(dataContentType).send(JSON.stringify(body));
}

/** Adds one applied preference to the `Preference-Applied` header. */
export function applyPreference(reply: FastifyReply, preference: string): void {
  const current = reply.getHeader("Preference-Applied");
  const value =
    current === undefined ? preference : `${String(current)}, ${preference}`;
  reply.header("Preference-Applied", value);
}

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
      includeUnknownEnumMembers: context.prefer.includeUnknownEnumMembers,
      etag: stored.etag,
    }),
  };
}

/** Sends 204 for `Prefer: return=minimal`, else the given status and entity. */
export function sendWritten(
  context: RouteContext,
  status: number,
  stored: StoredRecord,
): FastifyReply {
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
