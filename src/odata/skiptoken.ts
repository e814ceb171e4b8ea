/**
 * `$skiptoken` values for server-driven paging. A token carries the keyset
 * position (the sort key values and id of the last row sent), how many rows
 * were sent so far (so `$top` bounds the whole walk), and a fingerprint of
 * the query options it belongs to. A checksum makes any edit detectable.
 * The token is opaque to clients but not secret: it holds only values the
 * client has already received.
 */
import { createHash } from "node:crypto";

import { apiErrors } from "../errors.ts";
import type { QueryOptions } from "./query-options.ts";

export interface PagePosition {
  /** Sort key values and then the id of the last row sent. */
  readonly keys: readonly unknown[];
  /** Rows sent in earlier pages of this walk. */
  readonly sent: number;
}

interface TokenBody {
  readonly v: 1;
  readonly f: string;
  readonly n: number;
  readonly k: readonly unknown[];
}

function digest(text: string): string {
  return createHash("sha256").update(text).digest("base64url").slice(0, 16);
}

/** Fingerprints the options that decide which rows a walk returns. */
export function optionsFingerprint(options: QueryOptions): string {
  return digest(
    JSON.stringify([
      options.filter ?? null,
      options.search ?? null,
      options.orderByText ?? null,
      options.select ?? null,
      options.top ?? null,
      options.skip ?? null,
      [...options.aliases.entries()].sort(),
    ]),
  );
}

export function encodeSkipToken(
  position: PagePosition,
  fingerprint: string,
): string {
  const body: TokenBody = {
    v: 1,
    f: fingerprint,
    n: position.sent,
    k: position.keys,
  };
  return sealToken(body);
}

/**
 * Reads a token produced by `encodeSkipToken` for the same options.
 * An edited token, or one from a request with other options, is a 400.
 */
export function decodeSkipToken(
  token: string,
  fingerprint: string,
): PagePosition {
  const body = openToken(token, "$skiptoken") as Partial<TokenBody> | null;
  const keys = body?.k;
  const sent = body?.n;
  const valid =
    Array.isArray(keys) &&
    keys.every(
      (key) =>
        key === null || ["string", "number", "boolean"].includes(typeof key),
    ) &&
    Number.isSafeInteger(sent) &&
    (sent as number) >= 0;
  if (!valid)
    throw invalidToken("$skiptoken", "its content is not a page position");
  if (body?.f !== fingerprint) {
    throw invalidToken(
      "$skiptoken",
      "it belongs to a request with other query options; " +
        "keep the options of the first request unchanged",
    );
  }
  return { keys: keys as unknown[], sent: sent as number };
}

/** Encodes a JSON value as an opaque token with a checksum. */
export function sealToken(body: unknown): string {
  const json = JSON.stringify(body);
  return `${Buffer.from(json).toString("base64url")}.${digest(json)}`;
}

/** Decodes a sealed token; an edited or foreign token is a 400. */
export function openToken(token: string, option: string): unknown {
  const [encoded = "", checksum] = token.split(".");
  const json = Buffer.from(encoded, "base64url").toString("utf8");
  if (checksum === undefined || digest(json) !== checksum) {
    throw invalidToken(
      option,
      "it was altered or is not a token from this service",
    );
  }
  // NOTE: the checksum is not keyed, so it catches edits but not a forger
  // who recomputes it; every caller validates the content it reads.
  try {
    return JSON.parse(json) as unknown;
  } catch {
    throw invalidToken(option, "its content is not valid JSON");
  }
}

export function invalidToken(option: string, reason: string) {
  return apiErrors.badRequest(
    `The '${option}' value is invalid: ${reason}. Follow the ` +
      `link exactly as returned, or start again without it.`,
  );
}
