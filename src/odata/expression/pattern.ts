/**
 * Checks of a `matchesPattern` regular expression before any row is
 * matched: valid ECMAScript syntax, and no quantified group that contains
 * another quantifier, the shape whose backtracking takes exponential time.
 */
import { apiErrors } from "../../errors.ts";

/** Throws 400 when the pattern is invalid or nests quantifiers. */
export function checkPattern(source: string): void {
  const quoted = `'${source.replace(/'/g, "''")}'`;
  try {
    new RegExp(source, "u");
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw apiErrors.badRequest(
      `The pattern ${quoted} of 'matchesPattern' is not a valid ` +
        `ECMAScript regular expression (${reason}). Escape characters ` +
        `such as '(' and '[' with a backslash to match them literally.`,
    );
  }
  if (nestsQuantifiers(source)) {
    throw apiErrors.badRequest(
      `The pattern ${quoted} of 'matchesPattern' repeats a group that ` +
        `itself contains a repetition, such as '(a+)+', which can take ` +
        `exponential time. Write it without the nesting, such as 'a+'.`,
    );
  }
}

/**
 * Tells whether a group that contains `*`, `+` or an open or multiple
 * `{n,m}` is itself followed by one. Escapes and character classes are
 * skipped, so `\(` and `[(+]` do not count.
 */
// NOTE: overlapping alternatives under a repetition, such as '(a|a)*',
// and chains such as 'a*a*a*b' still backtrack without a time limit.
function nestsQuantifiers(source: string): boolean {
  /** For each open group: whether it contains a repetition so far. */
  const groups: boolean[] = [];
  let index = 0;
  while (index < source.length) {
    const char = source[index] as string;
    if (char === "\\") {
      index += 2;
      continue;
    }
    if (char === "[") {
      index = classEnd(source, index);
      continue;
    }
    if (char === "(") {
      groups.push(false);
      index += 1;
      continue;
    }
    const repeat = repetitionAt(source, index);
    if (char === ")") {
      const inner = groups.pop() ?? false;
      const after = repetitionAt(source, index + 1);
      if (inner && after > 0) return true;
      markRepeated(groups, inner || after > 0);
      index += 1 + after;
      continue;
    }
    if (repeat > 0) {
      markRepeated(groups, true);
      index += repeat;
      continue;
    }
    index += 1;
  }
  return false;
}

function markRepeated(groups: boolean[], repeated: boolean): void {
  if (repeated && groups.length > 0) groups[groups.length - 1] = true;
}

/**
 * Returns the length of an unbounded or multiple repetition at `index`
 * (`*`, `+`, `{2}`, `{1,}`, `{0,5}`, with a lazy `?`), else 0.
 */
function repetitionAt(source: string, index: number): number {
  const char = source[index];
  if (char === "*" || char === "+") {
    return source[index + 1] === "?" ? 2 : 1;
  }
  if (char !== "{") return 0;
  const match = /^\{(\d+)(,(\d*))?\}\??/.exec(source.slice(index));
  if (match === null) return 0;
  let high = Number(match[1]);
  if (match[2] !== undefined) {
    high = match[3] === "" ? Infinity : Number(match[3]);
  }
  return high > 1 ? match[0].length : 0;
}

/** Returns the index after the character class that starts at `start`. */
function classEnd(source: string, start: number): number {
  let index = start + 1;
  while (index < source.length && source[index] !== "]") {
    index += source[index] === "\\" ? 2 : 1;
  }
  return index + 1;
}
