/**
 * Edm.Duration literals and DateTimeOffset arithmetic on constants, so
 * that `requestDateTime ge now() sub duration'P7D'` works. Values are
 * counted in ticks of 100 nanoseconds, the precision of stored times.
 */
const ticksPerSecond = 10_000_000n;

const durationPattern =
  /^(-)?P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)(?:\.(\d{1,7}))?S)?)?$/;

/** Parses `P7D`, `PT1H30M` or `-PT0.5S` into ticks; undefined if invalid. */
export function parseDuration(text: string): bigint | undefined {
  const match = durationPattern.exec(text);
  if (match === null || text === "P" || text.endsWith("T")) return undefined;
  const [
    ,
    sign,
    days = "0",
    hours = "0",
    minutes = "0",
    seconds = "0",
    fraction = "",
  ] = match;
  const wholeSeconds =
    BigInt(days) * 86_400n +
    BigInt(hours) * 3600n +
    BigInt(minutes) * 60n +
    BigInt(seconds);
  const ticks = wholeSeconds * ticksPerSecond + BigInt(fraction.padEnd(7, "0"));
  return sign === "-" ? -ticks : ticks;
}

/** Ticks since 0001-01-01 of a canonical `YYYY-MM-DDTHH:MM:SS.fffffffZ`. */
function ticksOf(canonical: string): bigint {
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

/** Formats ticks as the canonical text; undefined outside years 1 to 9999. */
function canonicalOf(ticks: bigint): string | undefined {
  const seconds = ticks / ticksPerSecond;
  const fraction = ticks - seconds * ticksPerSecond;
  const adjust = fraction < 0n ? 1n : 0n;
  const date = new Date(Number(seconds - adjust) * 1000);
  const year = date.getUTCFullYear();
  // Beyond JavaScript's date range the year is NaN, which no comparison catches.
  if (!(year >= 1 && year <= 9999)) return undefined;
  const pad = (n: number, width = 2) => String(n).padStart(width, "0");
  const digits = String(fraction + adjust * ticksPerSecond).padStart(7, "0");
  return (
    `${pad(year, 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}T` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:` +
    `${pad(date.getUTCSeconds())}.${digits}Z`
  );
}

/** Adds ticks to a canonical time; undefined when the result is out of range. */
export function addTicks(canonical: string, ticks: bigint): string | undefined {
  return canonicalOf(ticksOf(canonical) + ticks);
}
