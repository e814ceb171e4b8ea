/**
 * Turns parsed query options into the compiled parts of a store query:
 * the WHERE condition from `$filter` and `$search`, and the sort keys.
 */
import { sql, type Expression, type SqlBool } from "kysely";

import { bindFilter, bindOrderBy } from "../odata/expression/binder.ts";
import { parseExpression } from "../odata/expression/parser.ts";
import { parseSearch } from "../odata/expression/search-parser.ts";
import type { QueryOptions } from "../odata/query-options.ts";
import type { Limits } from "../settings.ts";
import { ExpressionCompiler } from "../sql/expression-compiler.ts";
import type { ExpressionDialect } from "../sql/expression-dialect.ts";
import type { SortKey } from "./store.ts";

/** Compiles `$filter` and `$search` into one condition, or undefined. */
export function compileWhere(
  options: QueryOptions,
  limits: Limits,
  dialect: ExpressionDialect,
): Expression<SqlBool> | undefined {
  const compiler = new ExpressionCompiler(dialect);
  const conditions = [];
  if (options.filter !== undefined) {
    const tree = parseExpression(options.filter, limits);
    const bound = bindFilter(tree, options.aliases, limits);
    conditions.push(compiler.condition(bound));
  }
  if (options.search !== undefined) {
    conditions.push(compiler.search(parseSearch(options.search, limits)));
  }
  if (conditions.length === 0) return undefined;
  return sql<SqlBool>`(${sql.join(conditions, sql` and `)})`;
}

/** Compiles `$orderby` into sort keys; the store adds `id` as the last key. */
export function compileSortKeys(
  options: QueryOptions,
  dialect: ExpressionDialect,
): SortKey[] {
  const compiler = new ExpressionCompiler(dialect);
  return options.orderBy.map((key) => ({
    expression: compiler.value(key.expression),
    descending: key.descending,
    nullable: key.expression.nullable,
  }));
}
