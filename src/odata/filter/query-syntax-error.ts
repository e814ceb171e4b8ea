/**
 * Syntax errors of `$filter`, `$orderby` and `$search`. They are catalog
 * `BadRequest` errors that also carry the offset of the first invalid
 * character, so that tests can check where parsing stopped.
 */
import { ApiError, apiErrors, quote } from "../../errors.ts";

/** The query option a syntax error belongs to, as named in its message. */
export type ClauseName = "filter" | "orderby" | "search";

export class QuerySyntaxError extends ApiError {
  /** Offset of the first invalid character in the decoded option text. */
  readonly position: number;

  constructor(message: string, position: number) {
    super("BadRequest", message);
    this.name = "QuerySyntaxError";
    this.position = position;
  }
}

/**
 * Creates the error for text that does not match the grammar, such as
 * "Invalid filter clause: ')' expected at position 17 in 'a eq (1'.".
 */
export function syntaxError(
  clause: ClauseName,
  reason: string,
  position: number,
  text: string,
): QuerySyntaxError {
  return new QuerySyntaxError(
    `Invalid ${clause} clause: ${reason} at position ${position} ` +
      `in ${quote(text)}.`,
    position,
  );
}

/** Limits that keep parsing bounded; each is a named setting. */
export interface FilterLimits {
  /** Maximum length of a `$filter`, `$orderby` or `$search` text. */
  readonly maxFilterLength: number;
  /** Maximum nesting of parentheses, function calls and operators. */
  readonly maxFilterDepth: number;
  /** Maximum number of values in one `in (…)` list. */
  readonly maxInItems: number;
}

export const defaultFilterLimits: FilterLimits = {
  maxFilterLength: 4096,
  maxFilterDepth: 100,
  maxInItems: 500,
};

/** Rejects an option text longer than the `maxFilterLength` setting. */
export function checkLength(
  clause: ClauseName,
  text: string,
  limits: FilterLimits,
): void {
  if (text.length <= limits.maxFilterLength) return;
  throw apiErrors.badRequest(
    `The $${clause} value is ${text.length} characters long, which exceeds ` +
      `the maxFilterLength setting (${limits.maxFilterLength}). Shorten ` +
      `the expression or raise the setting.`,
  );
}

/** Creates the error for nesting deeper than the `maxFilterDepth` setting. */
export function depthError(clause: ClauseName, limits: FilterLimits): ApiError {
  return apiErrors.badRequest(
    `The $${clause} value nests more than ${limits.maxFilterDepth} levels ` +
      `deep, which exceeds the maxFilterDepth setting ` +
      `(${limits.maxFilterDepth}). Simplify the expression or raise the ` +
      `setting.`,
  );
}
