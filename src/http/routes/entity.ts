/** One remoteActionAudit: get, update (merge) and delete. */
import { apiErrors, quote } from "../../errors.ts";
import { readEntityBody } from "../../model/validate.ts";
import { parseQueryOptions } from "../../odata/query-options.ts";
import { readJsonBody } from "../body.ts";
import type { RouteContext } from "../context.ts";
import { noneMatchHits, readEntityTags } from "../preconditions.ts";
import { entityBody, sendData, sendWritten, writeContext } from "../reply.ts";

/** `GET /deviceManagement/remoteActionAudits/{id}` */
export async function getRecord(context: RouteContext, id: string) {
  const { services, request, reply } = context;
  const options = parseQueryOptions(context.query, services.limits, [
    "select",
    "format",
    "expand",
  ]);
  const ifNoneMatch = readEntityTags(
    "If-None-Match",
    request.headers["if-none-match"],
  );
  const stored = await services.store.get(id);
  if (stored === undefined) throw apiErrors.recordNotFound(id);

  reply.header("ETag", stored.etag);
  if (noneMatchHits(ifNoneMatch, stored.etag)) {
    return reply.code(304).send();
  }
  return sendData(reply, 200, entityBody(context, stored, options.select));
}

/** `PATCH /deviceManagement/remoteActionAudits/{id}`: merge semantics. */
export async function updateRecord(context: RouteContext, id: string) {
  const { services, request } = context;
  parseQueryOptions(context.query, services.limits, ["format"]);
  const ifMatch = readEntityTags("If-Match", request.headers["if-match"]);
  const changes = readEntityBody(readJsonBody(request));
  if (changes.id !== undefined && changes.id !== id) {
    throw apiErrors.bodyRead(
      `The id ${quote(changes.id)} in the body differs from the id ` +
        `${quote(id)} in the URL. The id cannot change; omit it from the body.`,
    );
  }

  const stored = await services.store.update(
    id,
    changes,
    writeContext(context),
    ifMatch,
  );
  if (stored === undefined) throw apiErrors.recordNotFound(id);
  request.log.info({ recordId: id }, "record updated");
  return sendWritten(context, 200, stored);
}

/** `DELETE /deviceManagement/remoteActionAudits/{id}` */
export async function deleteRecord(context: RouteContext, id: string) {
  const { services, request } = context;
  parseQueryOptions(context.query, services.limits, []);
  const ifMatch = readEntityTags("If-Match", request.headers["if-match"]);
  const deleted = await services.store.delete(
    id,
    writeContext(context),
    ifMatch,
  );
  if (!deleted) throw apiErrors.recordNotFound(id);
  request.log.info({ recordId: id }, "record deleted");
  return context.reply.code(204).send();
}
