/**
 * System query options, read from the raw query string once per request
 * into a plain object before any storage code runs. Names are matched with
 * or without `$` and in any case; the query is form-encoded, so `+` is a
 * space and a literal plus is `%2B`.
 */
import { apiErrors, quote } from "../errors.ts";
import {
  findProperty,
  findPropertyIgnoringCase,
  qualifiedTypeName,
  type Property,
} from "../model/entity.ts";
import type { BoundSortKey } from "./expression/bound.ts";
import { bindOrderBy } from "./expression/binder.ts";
import { parseOrderBy } from "./expression/parser.ts";
import type { Limits } from "../settings.ts";

export type OptionName =
  | "filter"
  | "search"
  | "select"
  | "orderby"
  | "top"
  | "skip"
  | "count"
  | "expand"
  | "format"
  | "skiptoken"
  | "deltatoken";

const optionNames: readonly OptionName[] = [
  "filter",
  "search",
  "select",
  "orderby",
  "top",
  "skip",
  "count",
  "expand",
  "format",
  "skiptoken",
  "deltatoken",
];

export interface QueryOptions {
  readonly filter?: string;
  readonly search?: string;
  /** Selected property names; undefined for all (also for `*`). */
  readonly select?: readonly string[];
  /** Bound `$orderby` keys; `orderByText` is the option as sent. */
  readonly orderBy: readonly BoundSortKey[];
  readonly orderByText?: string;
  readonly top?: number;
  readonly skip?: number;
  readonly count: boolean;
  readonly skipToken?: string;
  readonly deltaToken?: string;
  /** Parameter aliases (`@p=…`), name without `@` to raw value. */
  readonly aliases: ReadonlyMap<string, string>;
  /** Options to repeat in a next link: decoded name and value pairs. */
  readonly repeated: readonly (readonly [string, string])[];
}

/** Decodes one form-encoded query component. */
export function decodeComponent(text: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(text.replace(/\+/g, " "));
  } catch {
    throw apiErrors.badRequest(
      `The query text ${quote(text)} has an invalid percent-encoding. ` +
        `Encode '%' as '%25'.`,
    );
  }
  if (decoded.includes("\u0000")) {
    throw apiErrors.badRequest(
      `The query text ${quote(text)} contains %00 (U+0000), which no value ` +
        `can hold. Remove it.`,
    );
  }
  return decoded;
}

/** Splits a raw query string into decoded name and value pairs. */
export function splitQuery(query: string): [string, string][] {
  if (query === "") return [];
  return query
    .split("&")
    .filter((part) => part !== "")
    .map((part) => {
      const equals = part.indexOf("=");
      const name = equals < 0 ? part : part.slice(0, equals);
      const value = equals < 0 ? "" : part.slice(equals + 1);
      return [decodeComponent(name), decodeComponent(value)];
    });
}

/** Maps a query name to a system option, or undefined for a custom one. */
function optionOf(name: string): OptionName | undefined {
  const dollar = name.startsWith("$");
  const bare = (dollar ? name.slice(1) : name).toLowerCase();
  const option = optionNames.find((known) => known === bare);
  if (option === undefined && dollar) {
    throw apiErrors.badRequest(
      `The query option ${quote(name)} is not supported. Supported options: ` +
        `${optionNames.map((o) => `$${o}`).join(", ")}.`,
    );
  }
  return option;
}

/**
 * Reads the system query options of a collection request. `allowed` lists
 * the options that the resource accepts; others are a 400.
 */
export function parseQueryOptions(
  query: string,
  limits: Limits,
  allowed: readonly OptionName[] = optionNames,
): QueryOptions {
  const values = new Map<OptionName, string>();
  const aliases = new Map<string, string>();
  const repeated: [string, string][] = [];

  for (const [name, value] of splitQuery(query)) {
    if (name.startsWith("@")) {
      aliases.set(name.slice(1), value);
      repeated.push([name, value]);
      continue;
    }
    const option = optionOf(name);
    if (option === undefined) {
      repeated.push([name, value]);
      continue;
    }
    if (values.has(option)) {
      throw apiErrors.badRequest(
        `The query option '$${option}' appears more than once. ` +
          `Send each option once.`,
      );
    }
    if (!allowed.includes(option)) {
      throw apiErrors.badRequest(
        `The query option '$${option}' is not supported on this resource.`,
      );
    }
    values.set(option, value);
    if (option !== "skiptoken" && option !== "deltatoken") {
      repeated.push([`$${option}`, value]);
    }
  }

  return readOptions(values, aliases, repeated, limits);
}

function readOptions(
  values: ReadonlyMap<OptionName, string>,
  aliases: ReadonlyMap<string, string>,
  repeated: readonly (readonly [string, string])[],
  limits: Limits,
): QueryOptions {
  const expand = values.get("expand");
  if (expand !== undefined) {
    throw apiErrors.badRequest(
      `The query option '$expand' is not supported, because ` +
        `'${qualifiedTypeName}' has no navigation properties.`,
    );
  }
  checkFormat(values.get("format"));

  const text = (option: OptionName) => values.get(option);
  const top = readCount("top", text("top"));
  if (top !== undefined && top > limits.maxTop) {
    throw apiErrors.badRequest(
      `The value ${top} of '$top' exceeds the maxTop setting ` +
        `(${limits.maxTop}). Request at most ${limits.maxTop} rows.`,
    );
  }
  const skipToken = text("skiptoken");
  return {
    filter: text("filter"),
    search: text("search"),
    select: readSelect(text("select")),
    orderBy: readOrderBy(text("orderby"), aliases, limits),
    orderByText: text("orderby"),
    top,
    skip: readCount("skip", text("skip")),
    count: readBoolean("count", text("count")) ?? false,
    skipToken,
    deltaToken: text("deltatoken"),
    aliases,
    repeated,
  };
}

function checkFormat(format: string | undefined): void {
  if (format === undefined) return;
  const type = format.split(";")[0]?.trim().toLowerCase();
  if (type === "json" || type === "application/json") return;
  throw apiErrors.badRequest(
    `The value ${quote(format)} of '$format' is not supported. ` +
      `Use '$format=json' or omit the option.`,
  );
}

function readCount(option: OptionName, text: string | undefined) {
  if (text === undefined) return undefined;
  const trimmed = text.trim();
  if (!/^\d{1,15}$/.test(trimmed)) {
    throw apiErrors.badRequest(
      `The value ${quote(text)} of '$${option}' is invalid. ` +
        `Use a non-negative integer such as '$${option}=10'.`,
    );
  }
  return Number(trimmed);
}

function readBoolean(option: OptionName, text: string | undefined) {
  if (text === undefined) return undefined;
  const lower = text.trim().toLowerCase();
  if (lower === "true") return true;
  if (lower === "false") return false;
  throw apiErrors.badRequest(
    `The value ${quote(text)} of '$${option}' is invalid. ` +
      `Use '$${option}=true' or '$${option}=false'.`,
  );
}

function readSelect(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  const names = text.split(",").map((name) => name.trim());
  if (names.includes("*")) return undefined;
  for (const name of names) resolveProperty(name, "$select");
  // A name given twice is selected once, also in the context URL.
  return [...new Set(names)];
}

function readOrderBy(
  text: string | undefined,
  aliases: ReadonlyMap<string, string>,
  limits: Limits,
): BoundSortKey[] {
  if (text === undefined) return [];
  return bindOrderBy(parseOrderBy(text, limits), aliases, limits);
}

/** Resolves a property name of a query option, with a hint on a typo. */
export function resolveProperty(name: string, option: string): Property {
  const property = findProperty(name);
  if (property !== undefined) return property;
  if (name === "") {
    throw apiErrors.badRequest(
      `The '${option}' option has an empty item. ` +
        `Separate property names with single commas.`,
    );
  }
  const near = findPropertyIgnoringCase(name);
  const hint = near === undefined ? "" : ` Did you mean '${near.name}'?`;
  throw apiErrors.badRequest(
    `Could not find a property named ${quote(name)} on type ` +
      `'${qualifiedTypeName}'.${hint}`,
  );
}
