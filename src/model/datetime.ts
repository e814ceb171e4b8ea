/**
 * Edm.DateTimeOffset values. Storage keeps one canonical UTC text form with
 * exactly seven fractional digits, `2024-03-01T08:05:09.1234567Z`, because
 * that form sorts by instant as plain text in SQLite and PostgreSQL alike.
 */

const pattern =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?(Z|[+-]\d{2}:\d{2})$/i;

/** The reason a text is not a DateTimeOffset, for error messages. */
export const dateTimeOffsetForm =
  "an ISO 8601 date and time with a UTC offset, such as " +
  "'2024-03-01T08:05:09Z' or '2024-03-01T10:05:09.1234567+02:00', " +
  "in years 0001 to 9999 with at most 7 fractional digits";

/**
 * Parses an ISO 8601 DateTimeOffset into the canonical UTC form, or returns
 * undefined when the text is not one. `+02:00` input is shifted to UTC.
 */
export function parseDateTimeOffset(text: string): string | undefined {
  const match = pattern.exec(text);
  if (match === null) return undefined;
  const [, y, mo, d, h, mi, s = "00", fraction = "", zone = "Z"] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  let second = Number(s);
  let digits = fraction.padEnd(7, "0");

  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return undefined;
  }
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  // NOTE: a leap second (second 60) is stored as the last tick of second 59,
  // because neither JavaScript dates nor the stored text form can hold it.
  if (second === 60) {
    second = 59;
    digits = "9999999";
  }

  const offsetMinutes = parseOffset(zone);
  if (offsetMinutes === undefined) return undefined;
  const base = new Date(0);
  base.setUTCFullYear(year, month - 1, day);
  base.setUTCHours(hour, minute - offsetMinutes, second, 0);
  const utcYear = base.getUTCFullYear();
  if (utcYear < 1 || utcYear > 9999) return undefined;

  return `${formatWholeSeconds(base)}.${digits}Z`;
}

/**
 * Formats a canonical stored value the way Graph sends it: UTC with `Z`,
 * trailing zero fraction digits dropped.
 * `2024-03-01T08:05:09.1200000Z` → `2024-03-01T08:05:09.12Z`.
 */
export function formatDateTimeOffset(canonical: string): string {
  const dot = canonical.indexOf(".");
  if (dot < 0) return canonical;
  const fraction = canonical.slice(dot + 1, -1).replace(/0+$/, "");
  const whole = canonical.slice(0, dot);
  return fraction === "" ? `${whole}Z` : `${whole}.${fraction}Z`;
}

/** Returns the canonical form of a JavaScript date (millisecond precision). */
export function canonicalFromDate(date: Date): string {
  const millis = String(date.getUTCMilliseconds()).padStart(3, "0");
  return `${formatWholeSeconds(date)}.${millis}0000Z`;
}

function formatWholeSeconds(date: Date): string {
  const pad = (n: number, width = 2) => String(n).padStart(width, "0");
  return (
    `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1)}-` +
    `${pad(date.getUTCDate())}T${pad(date.getUTCHours())}:` +
    `${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`
  );
}

function parseOffset(zone: string): number | undefined {
  if (zone.toUpperCase() === "Z") return 0;
  const sign = zone.startsWith("-") ? -1 : 1;
  const hours = Number(zone.slice(1, 3));
  const minutes = Number(zone.slice(4, 6));
  if (hours > 23 || minutes > 59) return undefined;
  return sign * (hours * 60 + minutes);
}

function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return days[month - 1] ?? 0;
}
