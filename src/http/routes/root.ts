/** The service root: the service document. */
import { parseQueryOptions } from "../../odata/query-options.ts";
import type { RouteContext } from "../context.ts";
import { serviceRoot } from "../links.ts";
import { sendData } from "../reply.ts";

/** `GET /beta`: the OData service document. */
export async function getServiceDocument(context: RouteContext) {
  parseQueryOptions(context.query, context.services.limits, ["format"]);
  return sendData(context.reply, 200, {
    "@odata.context": `${serviceRoot(context.base)}/$metadata`,
    value: [
      { name: "deviceManagement", kind: "Singleton", url: "deviceManagement" },
    ],
  });
}
