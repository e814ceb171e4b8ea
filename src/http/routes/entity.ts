/** One remoteActionAudit: get, update (merge) and delete. */
import { apiErrors, quote } from "../../errors.ts";
import { readEntityBody } from "../../model/validate.ts";
import { parseQueryOptions } from "../../odata/query-options.ts";
import { readJsonBody } from "../body.ts";
import type { RouteContext } from "../context.ts";
import { entityBody, sendData, sendWritten } from "../reply.ts";

/** `GET /deviceManagement/remoteActionAudits/{id}` */
export async function getRecord(context: RouteContext, id: string) {
  const { services } = context;
  const options = parseQueryOptions(context.query, services.limits, [
    "select",
    "format",
    "expand",
  ]);
  const record = await services.store.get(id);
  if (record === undefined) throw apiErrors.recordNotFound(id);
  return sendData(
    context.reply,
    200,
    entityBody(context, record, options.select),
  );
}

/** `PATCH /deviceManagement/remoteActionAudits/{id}`: merge semantics. */
export async function updateRecord(context: RouteContext, id: string) {
  const { services } = context;
  parseQueryOptions(context.query, services.limits, ["format"]);
  const changes = readEntityBody(readJsonBody(context.request));
  if (changes.id !== undefined && changes.id !== id) {
    throw apiErrors.bodyRead(
      `The id ${quote(changes.id)} in the body differs from the id ` +
        `${quote(id)} in the URL. The id cannot change; omit it from the body.`,
    );
  }

  const record = await services.store.update(id, changes);
  if (record === undefined) throw apiErrors.recordNotFound(id);
  context.request.log.info({ recordId: id }, "record updated");
  return sendWritten(context, 200, record);
}

/** `DELETE /deviceManagement/remoteActionAudits/{id}` */
export async function deleteRecord(context: RouteContext, id: string) {
  const { services } = context;
  parseQueryOptions(context.query, services.limits, []);
  const deleted = await services.store.delete(id);
  if (!deleted) throw apiErrors.recordNotFound(id);
  context.request.log.info({ recordId: id }, "record deleted");
  return context.reply.code(204).send();
}
