/** The service root: the service document. */
import { parseQueryOptions } from "../../odata/query-options.ts";
import type { RouteContext } from "../context.ts";
import { serviceRoot } from "../links.ts";
import { sendData } from "../reply.ts";

/** `GET /beta`: the OData service document. */
export async function getServiceDocument(context: RouteContext) {
  parseQueryOptions(context.query, context.services.limits, ["format"]);
  const warning =
    context.services.authenticator.mode === "none"
      ? { "@remoteActionAudits.authentication": "none" }
      : {};
  return sendData(context.reply, 200, {
    "@odata.context": `${serviceRoot(context.base)}/$metadata`,
    ...warning,
    value: [
      { name: "deviceManagement", kind: "Singleton", url: "deviceManagement" },
    ],
  });
}
