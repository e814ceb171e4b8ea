/**
 * Bulk update: a JSON array of entities (Graph's `PATCH /beta` form) or an
 * OData 4.01 delta payload on the collection. Each item with an existing id
 * is merged, an item with a new id or none is created, and an item marked
 * `@removed` is deleted. Atomic unless the client prefers
 * `continue-on-error`.
 */
import { ApiError, apiErrors, quote } from "../../errors.ts";
import {
  isJsonObject,
  readEntityBody,
  describeJson,
} from "../../model/validate.ts";
import { toGraphJson } from "../../model/serialize.ts";
import {
  decodeComponent,
  parseQueryOptions,
} from "../../odata/query-options.ts";
import type {
  BulkOperation,
  BulkOutcome,
  Precondition,
} from "../../store/store.ts";
import { readEntityTags } from "../preconditions.ts";
import { readJsonBody } from "../body.ts";
import type { RouteContext } from "../context.ts";
import { contextUrl } from "../links.ts";
import {
  applyPreference,
  includeUnknownEnumMembers,
  sendData,
  writeContext,
} from "../reply.ts";

/** A bulk item after validation, or the error that rejects it. */
type ItemPlan =
  | { readonly kind: "valid"; readonly operation: BulkOperation }
  | {
      readonly kind: "invalid";
      readonly id?: string;
      readonly failedOperation: string;
      readonly error: ApiError;
    };

/**
 * `PATCH /` and `PATCH /deviceManagement/remoteActionAudits`. Only the
 * collection path takes the `{"value": […]}` and delta payload forms.
 */
export async function applyBulkUpdate(
  context: RouteContext,
  onCollection: boolean,
) {
  const { services, prefer, reply } = context;
  parseQueryOptions(context.query, services.limits, ["format"]);
  const items = readItems(readJsonBody(context.request), onCollection);
  if (items.length > services.limits.maxBulkItems) {
    throw apiErrors.tooLarge(
      `The bulk request has ${items.length} items, more than the ` +
        `maxBulkItems setting (${services.limits.maxBulkItems}). ` +
        `Split it into smaller requests.`,
    );
  }

  const continueOnError = prefer.continueOnError !== undefined;
  const plans = items.map(planItem);
  const firstInvalid = plans.findIndex((plan) => plan.kind === "invalid");
  if (!continueOnError && firstInvalid >= 0) {
    throw itemError(plans, firstInvalid);
  }

  const operations = plans.flatMap((plan) =>
    plan.kind === "valid" ? [plan.operation] : [],
  );
  const outcomes = await services.store.applyBulk(operations, {
    continueOnError,
    ...writeContext(context),
  });
  const results = mergeOutcomes(plans, outcomes);
  const failedAt = results.findIndex((r) => r.kind === "invalid");
  if (!continueOnError && failedAt >= 0) throw itemError(results, failedAt);

  logFailures(context, results);
  if (continueOnError) applyPreference(reply, prefer.continueOnError as string);
  if (prefer.returnMinimal && failedAt < 0) {
    applyPreference(reply, "return=minimal");
    return reply.code(204).send();
  }
  return sendData(reply, 200, {
    "@odata.context": contextUrl(context.base),
    value: results.map((result) => resultJson(context, result)),
  });
}

/** Finds the item array in the accepted body forms. */
function readItems(body: unknown, onCollection: boolean): unknown[] {
  if (Array.isArray(body)) return body;
  if (onCollection && isJsonObject(body) && Array.isArray(body.value)) {
    const context = body["@context"] ?? body["@odata.context"];
    if (context === undefined || isDeltaContext(context)) return body.value;
    throw apiErrors.bodyRead(
      `The payload context ${quote(context)} is not a delta payload. ` +
        `Use '#$delta' or send a plain JSON array.`,
    );
  }
  const accepted = onCollection
    ? 'a JSON array of entities, {"value": [...]}, or a delta payload'
    : "a JSON array of entities";
  throw apiErrors.bodyRead(
    `A bulk update body must be ${accepted}, not ${describeJson(body)}.`,
  );
}

/** Accepts the 4.01 `#$delta` and the 4.0 `…#<entity set>/$delta` forms. */
function isDeltaContext(value: unknown): boolean {
  if (typeof value !== "string") return false;
  return value.endsWith("#$delta") || value.endsWith("/$delta");
}

/** Validates one item into an operation, keeping the error if it fails. */
function planItem(item: unknown): ItemPlan {
  const rawId = isJsonObject(item) ? item.id : undefined;
  const removed = isRemoved(item);
  try {
    const ifMatch = itemEtag(item);
    if (removed) {
      const id = removedItemId(item as Record<string, unknown>);
      return { kind: "valid", operation: { kind: "delete", id, ifMatch } };
    }
    const changes = readEntityBody(item);
    return {
      kind: "valid",
      operation: { kind: "upsert", id: changes.id, changes, ifMatch },
    };
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    const id = typeof rawId === "string" ? rawId : undefined;
    const failedOperation = removed ? "delete" : "update";
    return { kind: "invalid", id, failedOperation, error };
  }
}

/** Reads an item's `@odata.etag`, which must match like `If-Match`. */
function itemEtag(item: unknown): Precondition {
  if (!isJsonObject(item) || item["@odata.etag"] === undefined) {
    return undefined;
  }
  const etag = item["@odata.etag"];
  if (typeof etag !== "string") {
    throw apiErrors.bodyRead(
      `The @odata.etag ${describeJson(etag)} must be a string such as W/"42".`,
    );
  }
  return readEntityTags("@odata.etag", etag);
}

/** Tells whether an item asks for deletion, in the 4.01 or 4.0 form. */
function isRemoved(item: unknown): boolean {
  if (!isJsonObject(item)) return false;
  const context = item["@odata.context"] ?? item["@context"];
  return (
    item["@removed"] !== undefined ||
    item["@odata.removed"] !== undefined ||
    (typeof context === "string" && context.endsWith("/$deletedEntity"))
  );
}

/**
 * Returns the id of a removed item: `{"@removed": {…}, "id": …}` in OData
 * 4.01, or a `$deletedEntity` whose id may be the entity's URL in 4.0.
 */
function removedItemId(item: Record<string, unknown>): string {
  const id = item.id;
  if (typeof id !== "string" || id === "") {
    throw apiErrors.bodyRead(
      `The item is marked removed but has no id. Give the id of ` +
        `the record to delete as a non-empty string.`,
    );
  }
  // Only an absolute entity URL is read as a URL; any other text is the key.
  const match =
    /^https?:\/\/[^?#]*\/remoteActionAudits(?:\('(.*)'\)|\/([^/?#]+))$/i.exec(
      id,
    );
  if (match === null) return id;
  return match[1]?.replace(/''/g, "'") ?? decodeComponent(match[2] ?? "");
}

type ItemResult = ItemPlan | BulkOutcome;

/** Puts store outcomes back beside the items that failed validation. */
function mergeOutcomes(
  plans: readonly ItemPlan[],
  outcomes: readonly BulkOutcome[],
): ItemResult[] {
  let next = 0;
  return plans.map((plan) => {
    if (plan.kind === "invalid") return plan;
    const outcome = outcomes[next++];
    if (outcome === undefined) throw new Error("bulk outcome missing");
    if (outcome.kind !== "failed") return outcome;
    const operation = plan.operation;
    const error =
      outcome.error instanceof ApiError
        ? outcome.error
        : apiErrors.internal(outcome.error);
    return {
      kind: "invalid",
      id: operation.id,
      failedOperation: operation.kind === "delete" ? "delete" : "update",
      error,
    };
  });
}

/** The error for an atomic request: the failed item's own error, located. */
function itemError(results: readonly ItemResult[], index: number): ApiError {
  const result = results[index];
  if (result?.kind !== "invalid") throw new Error("no failed item at index");
  const { error, id } = result;
  const place = `Item ${index}`;
  const message = error.message.startsWith(place)
    ? error.message
    : `${place}${id === undefined ? "" : ` (id ${quote(id)})`}: ${error.message}`;
  const suffix = " Nothing was changed.";
  return new ApiError(error.code, message + suffix, {
    headers: { ...error.headers },
  });
}

function resultJson(context: RouteContext, result: ItemResult): unknown {
  switch (result.kind) {
    case "created":
    case "updated":
      return toGraphJson(result.stored.record, {
        includeUnknownEnumMembers: includeUnknownEnumMembers(context),
        etag: result.stored.etag,
      });
    case "deleted":
      return { id: result.id, "@removed": { reason: "deleted" } };
    case "invalid":
      return {
        ...(result.id === undefined ? {} : { id: result.id }),
        "@Core.DataModificationException": {
          failedOperation: result.failedOperation,
          responseCode: result.error.status,
          info: { code: result.error.code, message: result.error.message },
        },
      };
    case "valid":
    case "failed":
      throw new Error(`unexpected bulk result ${result.kind}`);
  }
}

function logFailures(context: RouteContext, results: readonly ItemResult[]) {
  results.forEach((result, index) => {
    if (result.kind !== "invalid") return;
    context.request.log.info(
      { item: index, recordId: result.id, code: result.error.code },
      "bulk item failed",
    );
  });
}
