/**
 * The SQL that differs between SQLite and PostgreSQL when translating
 * OData expressions. The twins live in `dialect/sqlite/` and
 * `dialect/postgres/` under the same file name.
 */
import type { RawBuilder } from "kysely";

import type { BoundType } from "../odata/expression/bound.ts";

export type Sql = RawBuilder<unknown>;

export interface ExpressionDialect {
  /** A bound parameter of a constant, cast where the database needs it. */
  param(value: string | number | boolean, type: BoundType): Sql;
  /** The SQL false, for two-valued conditions. */
  readonly falseValue: Sql;
  /** `coalesce(condition, false)`. */
  orFalse(condition: Sql): Sql;
  /** One-based position of `needle` in `text`, 0 when absent. */
  position(text: Sql, needle: Sql): Sql;
  /** Unicode-aware lowercase and uppercase. */
  lower(text: Sql): Sql;
  upper(text: Sql): Sql;
  /** The larger of two integers. */
  greatest(left: Sql, right: Sql): Sql;
  /** Integer or exact division; null instead of an error on zero. */
  divide(left: Sql, right: Sql, exact: boolean): Sql;
  modulo(left: Sql, right: Sql): Sql;
  /** A number as an exact decimal, for `divby` and fractional seconds. */
  toDecimal(value: Sql): Sql;
  round(value: Sql): Sql;
  /** A regular expression match; null inputs give null. */
  matches(text: Sql, pattern: Sql): Sql;
  /** Rows of the JSON array column, aliased, for lambdas. */
  arrayElements(column: Sql, alias: string): Sql;
  /** A string field of one row from `arrayElements`. */
  elementField(alias: string, field: "key" | "value"): Sql;
  arrayLength(column: Sql): Sql;
}
