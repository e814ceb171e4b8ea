/**
 * Turns parsed query options into the compiled parts of a store query:
 * the WHERE condition and the sort keys.
 */
import { sql, type Expression, type SqlBool } from "kysely";

import { apiErrors } from "../errors.ts";
import type { QueryOptions } from "../odata/query-options.ts";
import type { SortKey } from "./store.ts";

/** Compiles `$filter` and `$search` into one condition, or undefined. */
export function compileWhere(
  options: QueryOptions,
): Expression<SqlBool> | undefined {
  // TODO: $filter and $search need the OData expression parser; until it is
  // wired in, both are rejected rather than ignored.
  if (options.filter !== undefined) throw notYetSupported("$filter");
  if (options.search !== undefined) throw notYetSupported("$search");
  return undefined;
}

/** Compiles `$orderby` into sort keys; the store adds `id` as the last key. */
export function compileSortKeys(options: QueryOptions): SortKey[] {
  return options.orderBy.map((item) => ({
    expression: sql.ref(item.property.name),
    descending: item.descending,
    nullable: item.property.nullable,
  }));
}

function notYetSupported(option: string) {
  return apiErrors.badRequest(
    `The query option '${option}' is not supported yet by this service. ` +
      `Remove it and filter the results on the client.`,
  );
}
