/**
 * Converts literal text to the stored form of its value, and folds
 * DateTimeOffset ± Duration constants. Every function returns undefined
 * for a value out of range, and the binder names the literal in its error.
 */
import {
  canonicalFromDate,
  parseDateTimeOffset,
} from "../../model/datetime.ts";

const ticksPerSecond = 10_000_000n;

/** The least and greatest instants that storage can hold. */
export const minDateTimeOffset = "0001-01-01T00:00:00.0000000Z";
export const maxDateTimeOffset = "9999-12-31T23:59:59.9999999Z";

/** Returns the number, or undefined beyond JavaScript's exact integers. */
export function integerValue(text: string): number | undefined {
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : undefined;
}

export function isInt32(value: number): boolean {
  return value >= -2_147_483_648 && value <= 2_147_483_647;
}

/** `INF`, `-INF`, `NaN` and decimal or exponent notation. */
export function floatValue(text: string): number {
  if (text === "INF") return Infinity;
  if (text === "-INF") return -Infinity;
  return Number(text);
}

export function canonicalDateTimeOffset(text: string): string | undefined {
  return parseDateTimeOffset(text);
}

/** `2024-02-29` stays as is; `2023-02-29` or year 0 give undefined. */
export function canonicalDate(text: string): string | undefined {
  const canonical = parseDateTimeOffset(`${text}T00:00:00Z`);
  return canonical?.slice(0, 10) === text ? text : undefined;
}

/** `8:05` is not valid; `08:05` becomes `08:05:00.0000000`. */
export function canonicalTimeOfDay(text: string): string | undefined {
  const canonical = parseDateTimeOffset(`2000-01-01T${text}Z`);
  return canonical?.slice(11, 27);
}

/** Parses `[-]P[nD][T[nH][nM][n[.f]S]]` into 100-nanosecond ticks. */
export function durationTicks(text: string): bigint | undefined {
  const match =
    /^(-)?P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)(?:\.(\d{1,7}))?S)?)?$/i.exec(
      text,
    );
  if (match === null) return undefined;
  const [, sign, days, hours, minutes, seconds, fraction] = match;
  const wholeSeconds =
    BigInt(days ?? 0) * 86_400n +
    BigInt(hours ?? 0) * 3_600n +
    BigInt(minutes ?? 0) * 60n +
    BigInt(seconds ?? 0);
  const ticks =
    wholeSeconds * ticksPerSecond + BigInt((fraction ?? "").padEnd(7, "0"));
  return sign === "-" ? -ticks : ticks;
}

/** Ticks since 1970-01-01T00:00:00Z of a canonical DateTimeOffset. */
function canonicalToTicks(canonical: string): bigint {
  const date = new Date(0);
  date.setUTCFullYear(
    Number(canonical.slice(0, 4)),
    Number(canonical.slice(5, 7)) - 1,
    Number(canonical.slice(8, 10)),
  );
  date.setUTCHours(
    Number(canonical.slice(11, 13)),
    Number(canonical.slice(14, 16)),
    Number(canonical.slice(17, 19)),
    0,
  );
  const seconds = BigInt(date.getTime() / 1000);
  return seconds * ticksPerSecond + BigInt(canonical.slice(20, 27));
}

function ticksToCanonical(ticks: bigint): string | undefined {
  let seconds = ticks / ticksPerSecond;
  let fraction = ticks % ticksPerSecond;
  if (fraction < 0n) {
    fraction += ticksPerSecond;
    seconds -= 1n;
  }
  const whole = canonicalFromDate(new Date(Number(seconds) * 1000));
  const text = `${whole.slice(0, 19)}.${String(fraction).padStart(7, "0")}Z`;
  const fourDigitYear = text[4] === "-" && /^\d{4}$/.test(text.slice(0, 4));
  const inRange = text >= minDateTimeOffset && text <= maxDateTimeOffset;
  return fourDigitYear && inRange ? text : undefined;
}

/** Adds a signed duration to a canonical DateTimeOffset. */
export function addDuration(
  canonical: string,
  duration: bigint,
): string | undefined {
  return ticksToCanonical(canonicalToTicks(canonical) + duration);
}

/** The current instant in canonical form, for `now()`. */
export function canonicalNow(now: Date): string {
  return canonicalFromDate(now);
}
