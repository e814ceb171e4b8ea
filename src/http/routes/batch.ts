/**
 * `POST /$batch`: Graph's JSON batching. The envelope needs a valid token;
 * each inner request is then authorized, throttled and logged as if it
 * were sent alone. A well-formed batch answers 200 with one response per
 * request, in request order; a malformed one answers 400.
 */
import { parseQueryOptions } from "../../odata/query-options.ts";
import { planBatch } from "../batch/batch-order.ts";
import { readBatchItems } from "../batch/batch-request.ts";
import { runBatchUnits } from "../batch/batch-runner.ts";
import { readJsonBody } from "../body.ts";
import type { RouteContext } from "../context.ts";
import { applyPreference, sendData } from "../reply.ts";

export async function runBatch(context: RouteContext) {
  const { services, prefer, reply } = context;
  parseQueryOptions(context.query, services.limits, []);
  const items = readBatchItems(readJsonBody(context.request));
  const units = planBatch(items);
  context.request.log.info(
    { requests: items.length, units: units.length },
    "batch started",
  );
  const responses = await runBatchUnits(context, units);
  // Independent requests always run to the end, as in Graph, so the
  // OData continue-on-error preference holds for every batch.
  if (prefer.continueOnError !== undefined) {
    applyPreference(reply, prefer.continueOnError);
  }
  return sendData(reply, 200, { responses });
}
