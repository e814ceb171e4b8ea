/**
 * `GET /beta/$metadata`: the CSDL document, as XML (the default) or as
 * CSDL JSON on `$format=json`, `$format=application/json` or an `Accept`
 * header that ranks JSON above XML.
 */
import { apiErrors, quote } from "../../errors.ts";
import { buildCsdlJson } from "../../model/csdl-json.ts";
import { buildCsdlXml } from "../../model/csdl.ts";
import { parseQueryOptions, splitQuery } from "../../odata/query-options.ts";
import { preferredMediaType } from "../accept.ts";
import type { RouteContext } from "../context.ts";

const xmlDocument = buildCsdlXml();
const jsonDocument = JSON.stringify(buildCsdlJson());

type MetadataFormat = "application/xml" | "application/json";

export async function getMetadata(context: RouteContext) {
  const format = metadataFormat(context);
  const body = format === "application/json" ? jsonDocument : xmlDocument;
  return context.reply.code(200).type(format).send(body);
}

function metadataFormat(context: RouteContext): MetadataFormat {
  const [format, rest] = takeFormat(context.query);
  // The other options are checked as on any resource: none is accepted.
  parseQueryOptions(rest, context.services.limits, []);
  if (format === undefined) {
    const accept = context.request.headers.accept;
    return preferredMediaType(accept, [
      "application/xml",
      "application/json",
    ]) as MetadataFormat;
  }
  const type = format.split(";")[0]?.trim().toLowerCase();
  if (type === "json" || type === "application/json") return "application/json";
  if (type === "xml" || type === "application/xml") return "application/xml";
  throw apiErrors.badRequest(
    `The value ${quote(format)} of '$format' is not supported on $metadata. ` +
      `Use '$format=application/json' or '$format=application/xml'.`,
  );
}

/** Splits `$format` (any case, `$` optional) from the rest of the query. */
function takeFormat(query: string): [string | undefined, string] {
  let format: string | undefined;
  const rest: string[] = [];
  for (const part of query === "" ? [] : query.split("&")) {
    const [pair] = splitQuery(part);
    const name = pair?.[0].replace(/^\$/, "").toLowerCase();
    if (name !== "format") {
      rest.push(part);
      continue;
    }
    if (format !== undefined) {
      throw apiErrors.badRequest(
        "The query option '$format' appears more than once. Send each option once.",
      );
    }
    format = pair?.[1];
  }
  return [format, rest.join("&")];
}
