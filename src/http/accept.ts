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

/**
 * Picks the produced media type that the `Accept` header ranks highest:
 * by q value, then by the most specific matching range, then by the order
 * of `produced`. No header or `*\/*` picks the first produced type.
 */
export function preferredMediaType(
  accept: string | undefined,
  produced: readonly [string, ...string[]],
): string {
  let best = produced[0];
  let bestRank = [-1, -1];
  for (const mediaType of produced) {
    const rank = rankOf(accept, mediaType);
    if (
      rank[0]! > bestRank[0]! ||
      (rank[0] === bestRank[0] && rank[1]! > bestRank[1]!)
    ) {
      best = mediaType;
      bestRank = rank;
    }
  }
  return best;
}

/** Returns the q value and specificity (0 to 2) of the best range matching a type. */
function rankOf(accept: string | undefined, mediaType: string): number[] {
  if (accept === undefined || accept.trim() === "") return [1, 0];
  let rank = [0, -1];
  for (const range of accept.split(",")) {
    const [type = "", ...parameters] = range.split(";");
    const mediaRange = type.trim().toLowerCase();
    if (!matches(mediaRange, mediaType)) continue;
    const specificity =
      mediaRange === "*/*" ? 0 : mediaRange.endsWith("/*") ? 1 : 2;
    const qParameter = parameters.find((p) => /^\s*q\s*=/i.test(p));
    const q = qParameter === undefined ? 1 : Number(qParameter.split("=")[1]);
    if (specificity > rank[1]!) rank = [Number.isNaN(q) ? 1 : q, specificity];
  }
  return rank;
}
