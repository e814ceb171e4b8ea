/**
 * Character-level recognizers for the OData literal forms. Each scanner
 * starts at an offset and returns the offset after the literal, or the
 * offset of the first character that breaks the ABNF rule, so that errors
 * point at the exact character.
 */

export type ScanResult =
  | { readonly ok: true; readonly end: number }
  | { readonly ok: false; readonly failAt: number };

/** Thrown inside a scanner and turned into a failed `ScanResult`. */
class Mismatch {
  constructor(readonly position: number) {}
}

class Cursor {
  constructor(
    readonly text: string,
    public position: number,
  ) {}

  peek(offset = 0): string {
    return this.text[this.position + offset] ?? "";
  }

  /** Consumes one character that satisfies `accept`, or fails there. */
  take(accept: (char: string) => boolean): string {
    const char = this.peek();
    if (char === "" || !accept(char)) throw new Mismatch(this.position);
    this.position += 1;
    return char;
  }

  takeChar(expected: string): void {
    this.take((char) => char === expected);
  }

  /** Consumes at least `min` characters that satisfy `accept`. */
  takeMany(accept: (char: string) => boolean, min: number): number {
    let count = 0;
    while (this.peek() !== "" && accept(this.peek())) {
      this.position += 1;
      count += 1;
    }
    if (count < min) throw new Mismatch(this.position);
    return count;
  }
}

const isDigit = (char: string) => char >= "0" && char <= "9";
const isHex = (char: string) => /^[0-9a-fA-F]$/.test(char);
const isSign = (char: string) => char === "+" || char === "-";
const inRange = (low: string, high: string) => (char: string) =>
  char >= low && char <= high;

function run(text: string, start: number, scan: (c: Cursor) => void) {
  const cursor = new Cursor(text, start);
  try {
    scan(cursor);
    return { ok: true, end: cursor.position } as const;
  } catch (error) {
    if (error instanceof Mismatch) {
      return { ok: false, failAt: error.position } as const;
    }
    throw error;
  }
}

/** `'…'` with `''` for a quote inside. */
export function scanString(text: string, start: number): ScanResult {
  return run(text, start, (c) => {
    c.takeChar("'");
    for (;;) {
      if (c.peek() === "") throw new Mismatch(c.position);
      if (c.peek() === "'" && c.peek(1) === "'") {
        c.position += 2;
      } else if (c.peek() === "'") {
        c.position += 1;
        return;
      } else {
        c.position += 1;
      }
    }
  });
}

/** Year: optional `-`, then `0` and 3 digits or a non-zero digit and 3+. */
function scanYear(c: Cursor): void {
  if (c.peek() === "-") c.position += 1;
  if (c.peek() === "0") {
    c.position += 1;
    c.takeMany(isDigit, 3);
    return;
  }
  c.take(inRange("1", "9"));
  c.takeMany(isDigit, 3);
}

function scanTwoDigits(c: Cursor, first: string, second: string): void {
  const lead = c.take(inRange("0", first));
  c.take(lead === first ? inRange("0", second) : isDigit);
}

/** Month 01-12 and day 01-31. */
function scanMonthAndDay(c: Cursor): void {
  const monthLead = c.take(inRange("0", "1"));
  c.take(monthLead === "0" ? inRange("1", "9") : inRange("0", "2"));
  c.takeChar("-");
  const dayLead = c.take(inRange("0", "3"));
  if (dayLead === "0") c.take(inRange("1", "9"));
  else if (dayLead === "3") c.take(inRange("0", "1"));
  else c.take(isDigit);
}

function scanDateBody(c: Cursor): void {
  scanYear(c);
  c.takeChar("-");
  scanMonthAndDay(c);
}

/** Hour 00-23, `:`, minute, then optional seconds (00-60) and fraction. */
function scanTimeBody(c: Cursor, secondsRequired: boolean): void {
  scanTwoDigits(c, "2", "3");
  c.takeChar(":");
  scanTwoDigits(c, "5", "9");
  if (!secondsRequired && c.peek() !== ":") return;
  c.takeChar(":");
  if (c.peek() === "6") {
    c.position += 1;
    c.takeChar("0");
  } else {
    scanTwoDigits(c, "5", "9");
  }
  if (c.peek() !== ".") return;
  c.position += 1;
  c.takeMany(isDigit, 1);
}

/** `2024-03-01T08:05:09.1234567Z` or with a `+02:00` offset. */
export function scanDateTimeOffset(text: string, start: number): ScanResult {
  return run(text, start, (c) => {
    scanDateBody(c);
    c.take((char) => char === "T" || char === "t");
    scanTimeBody(c, false);
    if (c.peek() === "Z" || c.peek() === "z") {
      c.position += 1;
      return;
    }
    c.take(isSign);
    scanTwoDigits(c, "2", "3");
    c.takeChar(":");
    scanTwoDigits(c, "5", "9");
  });
}

export function scanDate(text: string, start: number): ScanResult {
  return run(text, start, scanDateBody);
}

export function scanTimeOfDay(text: string, start: number): ScanResult {
  return run(text, start, (c) => scanTimeBody(c, false));
}

/** 8-4-4-4-12 hexadecimal digits. */
export function scanGuid(text: string, start: number): ScanResult {
  return run(text, start, (c) => {
    const groups = [8, 4, 4, 4, 12];
    groups.forEach((size, index) => {
      if (index > 0) c.takeChar("-");
      for (let i = 0; i < size; i += 1) c.take(isHex);
    });
  });
}

/** The shape of a scanned number, which decides its EDM type. */
export type NumberShape = "integer" | "decimal" | "double";

/**
 * `[sign] digits [. digits] [e [sign] digits]`, `INF`, `-INF` or `NaN`.
 * Returns the shape with the end offset.
 */
export function scanNumber(
  text: string,
  start: number,
): ScanResult & { readonly shape?: NumberShape } {
  for (const special of ["NaN", "-INF", "INF"]) {
    if (text.startsWith(special, start)) {
      return { ok: true, end: start + special.length, shape: "double" };
    }
  }
  let shape: NumberShape = "integer";
  const result = run(text, start, (c) => {
    if (isSign(c.peek())) c.position += 1;
    c.takeMany(isDigit, 1);
    if (c.peek() === ".") {
      c.position += 1;
      c.takeMany(isDigit, 1);
      shape = "decimal";
    }
    if (c.peek() === "e" || c.peek() === "E") {
      c.position += 1;
      if (isSign(c.peek())) c.position += 1;
      c.takeMany(isDigit, 1);
      shape = "double";
    }
  });
  return result.ok ? { ...result, shape } : result;
}

/** The body of `duration'…'`: `[-]P[nD][T[nH][nM][n[.n]S]]`. */
export function scanDurationValue(text: string, start: number): ScanResult {
  return run(text, start, (c) => {
    if (c.peek() === "-") c.position += 1;
    c.take((char) => char === "P" || char === "p");
    let parts = scanDurationPart(c, "D");
    if (c.peek() === "T" || c.peek() === "t") {
      c.position += 1;
      let timeParts = scanDurationPart(c, "H") + scanDurationPart(c, "M");
      timeParts += scanDurationSeconds(c);
      if (timeParts === 0) throw new Mismatch(c.position);
      parts += timeParts;
    }
    if (parts === 0) throw new Mismatch(c.position);
  });
}

/** Consumes `<digits><designator>` when present and returns 1, else 0. */
function scanDurationPart(c: Cursor, designator: string): number {
  let length = 0;
  while (isDigit(c.peek(length))) length += 1;
  const next = c.peek(length).toUpperCase();
  if (length === 0 || next !== designator) return 0;
  c.position += length + 1;
  return 1;
}

function scanDurationSeconds(c: Cursor): number {
  if (!isDigit(c.peek())) return 0;
  c.takeMany(isDigit, 1);
  if (c.peek() === ".") {
    c.position += 1;
    c.takeMany(isDigit, 1);
  }
  c.take((char) => char === "S" || char === "s");
  return 1;
}
