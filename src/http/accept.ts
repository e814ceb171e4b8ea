/** Content negotiation on the `Accept` header (RFC 9110, section 12.5.1). */
import { apiErrors } from "../errors.ts";

/**
 * Throws 406 unless the `Accept` header allows one of the media types the
 * resource produces. No header, `*\/*` and `type/*` ranges allow all;
 * a range with `q=0` allows nothing.
 */
export function checkAccept(
  accept: string | undefined,
  produced: readonly string[],
): void {
  if (accept === undefined || accept.trim() === "") return;
  for (const range of accept.split(",")) {
    const [type = "", ...parameters] = range.split(";");
    const mediaRange = type.trim().toLowerCase();
    const rejected = parameters.some((p) =>
      /^\s*q\s*=\s*0(\.0*)?\s*$/i.test(p),
    );
    if (rejected) continue;
    if (produced.some((mediaType) => matches(mediaRange, mediaType))) return;
  }
  throw apiErrors.notAcceptable(accept, produced);
}

function matches(mediaRange: string, mediaType: string): boolean {
  if (mediaRange === "*/*" || mediaRange === mediaType) return true;
  const [rangeType, rangeSubtype] = mediaRange.split("/");
  return rangeSubtype === "*" && mediaType.startsWith(`${rangeType}/`);
}
