/**
 * Reads the body of `POST /$batch` (OData 4.01 JSON batch format, as Graph
 * accepts it) into validated items. Every problem with the envelope is a
 * 400 that names the request and the field. Problems of one inner request,
 * such as its URL or its entity body, go into that request's own response.
 */
import { ApiError, apiErrors, quote } from "../../errors.ts";
import { describeJson, isJsonObject } from "../../model/validate.ts";
import { readInnerBody, type InnerBody } from "./inner-body.ts";

/** Graph's limit on requests per batch; its SDKs split batches at 20. */
export const maxBatchRequests = 20;

/** One inner request after validation. */
export interface BatchItem {
  /** Position in the `requests` array. */
  readonly index: number;
  readonly id: string;
  /** Upper-case method name. */
  readonly method: string;
  /** The URL as sent, relative to the service root. */
  readonly url: string;
  /** Header values by lowercase name. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: InnerBody;
  readonly dependsOn: readonly string[];
  readonly atomicityGroup?: string;
}

/** Reads and validates the batch envelope; throws 400 for a malformed one. */
export function readBatchItems(body: unknown): BatchItem[] {
  const requests = isJsonObject(body) ? body.requests : undefined;
  if (!Array.isArray(requests)) {
    throw apiErrors.badRequest(
      `A batch body must be a JSON object with a 'requests' array, not ` +
        `${describeBatchBody(body)}.`,
    );
  }
  if (requests.length === 0) {
    throw apiErrors.badRequest(
      `The batch has no requests. Send 1 to ${maxBatchRequests} requests.`,
    );
  }
  if (requests.length > maxBatchRequests) {
    throw apiErrors.badRequest(
      `The batch has ${requests.length} requests, more than the limit of ` +
        `${maxBatchRequests}. Split it into batches of at most ` +
        `${maxBatchRequests} requests.`,
    );
  }
  const items = requests.map(readItem);
  checkUniqueIds(items);
  return items;
}

function describeBatchBody(body: unknown): string {
  if (isJsonObject(body) && body.requests === undefined) {
    return "an object without 'requests'";
  }
  if (isJsonObject(body)) {
    return `an object whose 'requests' is ${describeJson(body.requests)}`;
  }
  return describeJson(body);
}

function readItem(value: unknown, index: number): BatchItem {
  const where = `Request ${index} of the batch`;
  if (!isJsonObject(value)) {
    throw apiErrors.badRequest(
      `${where} must be a JSON object, not ${describeJson(value)}.`,
    );
  }
  const id = requiredString(value, "id", where);
  const named = `${where} (id ${quote(id)})`;
  const method = requiredString(value, "method", named).toUpperCase();
  const url = requiredString(value, "url", named);
  const headers = readHeaders(value.headers, named);
  const group = optional(value.atomicityGroup);
  if (group !== undefined && (typeof group !== "string" || group === "")) {
    throw apiErrors.badRequest(
      `${named} has the atomicityGroup ${describeJson(group)}. ` +
        `Use a non-empty string or omit it.`,
    );
  }
  return {
    index,
    id,
    method,
    url,
    headers,
    body: readBody(optional(value.body), headers["content-type"], named),
    dependsOn: readDependsOn(value.dependsOn, named),
    ...(group === undefined ? {} : { atomicityGroup: group }),
  };
}

function readBody(
  body: unknown,
  contentType: string | undefined,
  where: string,
): InnerBody | undefined {
  try {
    return readInnerBody(body, contentType);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    throw apiErrors.badRequest(`${where}: ${error.message}`);
  }
}

/** Treats an explicit null like an absent member, as Kiota may send it. */
function optional(value: unknown): unknown {
  return value === null ? undefined : value;
}

function requiredString(
  item: Record<string, unknown>,
  name: string,
  where: string,
): string {
  const value = item[name];
  if (typeof value === "string" && value !== "") return value;
  const problem =
    value === undefined
      ? `has no '${name}'`
      : `has the ${name} ${describeJson(value)}`;
  throw apiErrors.badRequest(
    `${where} ${problem}. Give every request a non-empty string ${name}.`,
  );
}

/** Reads inner headers; names are lowercased because HTTP ignores their case. */
function readHeaders(value: unknown, where: string): Record<string, string> {
  const headers = optional(value);
  if (headers === undefined) return {};
  if (!isJsonObject(headers)) {
    throw apiErrors.badRequest(
      `${where} has headers ${describeJson(headers)}. Send an object of ` +
        `header names and string values.`,
    );
  }
  const result: Record<string, string> = {};
  for (const [name, header] of Object.entries(headers)) {
    if (typeof header !== "string" && typeof header !== "number") {
      throw apiErrors.badRequest(
        `${where} has the header ${quote(name)} with the value ` +
          `${describeJson(header)}. Header values must be strings.`,
      );
    }
    result[name.toLowerCase()] = String(header);
  }
  return result;
}

function readDependsOn(value: unknown, where: string): string[] {
  const dependsOn = optional(value);
  if (dependsOn === undefined) return [];
  const valid =
    Array.isArray(dependsOn) &&
    dependsOn.every((entry) => typeof entry === "string" && entry !== "");
  if (!valid) {
    throw apiErrors.badRequest(
      `${where} has dependsOn ${describeJson(dependsOn)}. Send an array ` +
        `of request ids or atomicity group names.`,
    );
  }
  return dependsOn as string[];
}

/** Request ids must be unique; the comparison ignores case, as Graph's does. */
function checkUniqueIds(items: readonly BatchItem[]): void {
  const seen = new Map<string, BatchItem>();
  for (const item of items) {
    const key = item.id.toLowerCase();
    const first = seen.get(key);
    if (first !== undefined) {
      throw apiErrors.badRequest(
        `The batch has the request id ${quote(item.id)} more than once ` +
          `(requests ${first.index} and ${item.index}; ids are compared ` +
          `ignoring case). Give every request a unique id.`,
      );
    }
    seen.set(key, item);
  }
}
