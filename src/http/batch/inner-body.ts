/**
 * Bodies of inner batch requests and responses. OData 4.01 JSON batches
 * carry a JSON body as JSON, a `text/*` body as a string, and any other
 * body as a base64 string. Graph also takes a base64 string of JSON, which
 * `@microsoft/msgraph-sdk-core` (1.0.0-preview.17) sends without any
 * headers, and answers such a request with a base64 body.
 */
import { apiErrors, quote } from "../../errors.ts";

/** The bytes of an inner request body and how the client encoded them. */
export interface InnerBody {
  readonly bytes: Buffer;
  /** True when the body arrived as a base64 string. */
  readonly base64: boolean;
}

const base64Text = /^(?:[A-Za-z0-9+/_-]{4})*(?:[A-Za-z0-9+/_-]{2,3}={0,2})?$/;

/**
 * Decodes the `body` member of an inner request. A string is read as
 * base64 when the content type is not text and the decoded bytes are
 * JSON (or the content type is neither JSON nor text); otherwise it is
 * the body text itself.
 */
export function readInnerBody(
  body: unknown,
  contentType: string | undefined,
): InnerBody | undefined {
  if (body === undefined) return undefined;
  if (typeof body !== "string") {
    return { bytes: Buffer.from(JSON.stringify(body)), base64: false };
  }
  const mediaType = mediaTypeOf(contentType);
  if (mediaType.startsWith("text/")) {
    return { bytes: Buffer.from(body), base64: false };
  }
  const decoded = decodeBase64(body);
  if (mediaType === "" || isJsonMediaType(mediaType)) {
    if (decoded !== undefined && isJsonText(decoded)) {
      return { bytes: decoded, base64: true };
    }
    return { bytes: Buffer.from(body), base64: false };
  }
  if (decoded === undefined) {
    throw apiErrors.badRequest(
      `The body ${quote(body)} of a '${mediaType}' inner request is not ` +
        `base64. Encode bodies that are neither JSON nor text as base64.`,
    );
  }
  return { bytes: decoded, base64: true };
}

/**
 * Encodes the body of an inner response: base64 when the request body came
 * as base64, else by media type (JSON as JSON, text as a string, anything
 * else as base64). Returns undefined when the response has no body.
 */
export function encodeInnerBody(
  body: string | Buffer | undefined,
  contentType: string | undefined,
  requestWasBase64: boolean,
): unknown {
  if (body === undefined || body.length === 0) return undefined;
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body);
  const mediaType = mediaTypeOf(contentType);
  if (requestWasBase64) return bytes.toString("base64");
  if (isJsonMediaType(mediaType)) {
    return JSON.parse(bytes.toString("utf8")) as unknown;
  }
  if (mediaType.startsWith("text/")) return bytes.toString("utf8");
  return bytes.toString("base64");
}

export function mediaTypeOf(contentType: string | undefined): string {
  return contentType?.split(";")[0]?.trim().toLowerCase() ?? "";
}

/** `application/json` and its structured-syntax subtypes such as `+json`. */
function isJsonMediaType(mediaType: string): boolean {
  return mediaType === "application/json" || mediaType.endsWith("+json");
}

/** Decodes base64 or base64url text; undefined when the text is neither. */
function decodeBase64(text: string): Buffer | undefined {
  if (text === "" || !base64Text.test(text)) return undefined;
  return Buffer.from(text, "base64");
}

function isJsonText(bytes: Buffer): boolean {
  try {
    JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
    return true;
  } catch {
    return false;
  }
}
