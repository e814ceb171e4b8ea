/**
 * Limits and tunables of the API. Each is a named setting so that the error
 * for a request over a limit can name what to change.
 */
export interface Limits {
  /** Rows per page when the client sets no smaller size (Intune: ~1000). */
  readonly maxPageSize: number;
  /** Largest accepted `$top`. */
  readonly maxTop: number;
  /** Largest accepted request body, in bytes. */
  readonly maxBodyBytes: number;
  /** Most items in one bulk update. */
  readonly maxBulkItems: number;
  /** Longest accepted request URL, in characters. */
  readonly maxUrlLength: number;
  /** Longest accepted `$filter` or `$search` text, in characters. */
  readonly maxFilterLength: number;
  /** Deepest nesting of parentheses and operators in `$filter`. */
  readonly maxFilterDepth: number;
  /** Most values in one `in (…)` list. */
  readonly maxInItems: number;
}

export const defaultLimits: Limits = {
  maxPageSize: 1000,
  maxTop: 1_000_000,
  maxBodyBytes: 16 * 1024 * 1024,
  maxBulkItems: 10_000,
  maxUrlLength: 8192,
  maxFilterLength: 4096,
  maxFilterDepth: 100,
  maxInItems: 500,
};

/** Environment variable of each limit, for the README and the CLI. */
export const limitVariables: Readonly<Record<keyof Limits, string>> = {
  maxPageSize: "RAA_MAX_PAGE_SIZE",
  maxTop: "RAA_MAX_TOP",
  maxBodyBytes: "RAA_MAX_BODY_BYTES",
  maxBulkItems: "RAA_MAX_BULK_ITEMS",
  maxUrlLength: "RAA_MAX_URL_LENGTH",
  maxFilterLength: "RAA_MAX_FILTER_LENGTH",
  maxFilterDepth: "RAA_MAX_FILTER_DEPTH",
  maxInItems: "RAA_MAX_IN_ITEMS",
};
