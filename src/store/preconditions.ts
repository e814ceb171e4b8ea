/** `If-Match` checks (RFC 9110, section 13.1.1), shared by every write path. */
import { ApiError } from "../errors.ts";
import type { Precondition } from "./store.ts";

/**
 * Checks `If-Match` against a record: `*` needs the record to exist, and a
 * list needs one of its ETags to match (weak comparison). `current` is
 * undefined when no record has the id; its `etag` is undefined when an
 * earlier item of the same request changed the record, so only `*` matches.
 */
export function checkPrecondition(
  id: string,
  current: { readonly etag: string | undefined } | undefined,
  ifMatch: Precondition,
): void {
  if (ifMatch === undefined) return;
  if (current === undefined) {
    throw new ApiError(
      "PreconditionFailed",
      `If-Match failed: no remoteActionAudit has the id '${id}'.`,
    );
  }
  if (ifMatch === "*") return;
  const bare = (tag: string) => tag.replace(/^W\//, "");
  const etag = current.etag;
  if (etag !== undefined && ifMatch.some((tag) => bare(tag) === bare(etag))) {
    return;
  }
  const has = etag ?? "a new ETag from an earlier item of this request";
  throw new ApiError(
    "PreconditionFailed",
    `If-Match failed: the record '${id}' has the ETag ${has}, not ` +
      `${ifMatch.join(", ")}. Read it again and retry with the new ETag.`,
  );
}
