/** `GET /beta/$metadata`: the CSDL XML document. */
import { buildCsdlXml } from "../../model/csdl.ts";
import { parseQueryOptions } from "../../odata/query-options.ts";
import type { RouteContext } from "../context.ts";

const document = buildCsdlXml();

export async function getMetadata(context: RouteContext) {
  // TODO: the JSON CSDL form and capability annotations are not generated
  // yet; `$format=json` still returns the XML document.
  parseQueryOptions(context.query, context.services.limits, []);
  return context.reply.code(200).type("application/xml").send(document);
}
