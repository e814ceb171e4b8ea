/** Conditional request headers (RFC 9110, section 13). */
import { apiErrors, quote } from "../errors.ts";
import type { Precondition } from "../store/store.ts";

const entityTag = /^(W\/)?"[\x21\x23-\x7e\x80-\xff]*"$/;

/**
 * Reads `If-Match` or `If-None-Match`: `*` or a comma list of entity tags.
 * A malformed value is a 400 rather than a silently failed condition.
 */
export function readEntityTags(
  name: string,
  header: string | string[] | undefined,
): Precondition {
  if (header === undefined) return undefined;
  const text = Array.isArray(header) ? header.join(",") : header;
  if (text.trim() === "*") return "*";
  const tags = text
    .split(",")
    .map((tag) => tag.trim())
    .filter((tag) => tag !== "");
  const invalid = tags.find((tag) => !entityTag.test(tag));
  if (invalid !== undefined || tags.length === 0) {
    throw apiErrors.badRequest(
      `The ${name} header ${quote(text)} is not '*' or a list of entity ` +
        `tags such as W/"42". Send the ETag exactly as it was returned.`,
    );
  }
  return tags;
}

/** Tells whether `If-None-Match` matches the current ETag (weak comparison). */
export function noneMatchHits(tags: Precondition, etag: string): boolean {
  if (tags === undefined) return false;
  if (tags === "*") return true;
  const bare = (tag: string) => tag.replace(/^W\//, "");
  return tags.some((tag) => bare(tag) === bare(etag));
}
