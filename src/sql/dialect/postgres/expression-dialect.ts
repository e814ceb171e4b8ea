/**
 * PostgreSQL forms of OData expressions. Text columns use the "C"
 * collation for OData's case-sensitive comparison, where lower() changes
 * ASCII letters only, so case changes use the ICU root collation.
 */
import { sql } from "kysely";

import type { BoundType } from "../../../odata/expression/bound.ts";
import type { ExpressionDialect } from "../../expression-dialect.ts";

const castTypes: Readonly<Record<string, string>> = {
  boolean: "boolean",
  integer: "bigint",
  decimal: "numeric",
  double: "float8",
  enum: "integer",
};

function castType(type: BoundType): string {
  return castTypes[type.kind] ?? "text";
}

export const postgresExpressions: ExpressionDialect = {
  // Parameters arrive as text (Infinity and NaN too, which float8 reads);
  // the cast fixes the type that PostgreSQL would otherwise infer.
  param: (value, type) => sql`cast(${value} as ${sql.raw(castType(type))})`,
  falseValue: sql`false`,
  orFalse: (condition) => sql`coalesce(${condition}, false)`,
  position: (text, needle) => sql`strpos(${text}, ${needle})`,
  // The result goes back to "C" so that it compares case-sensitively in
  // byte order like every other string.
  lower: (text) => sql`(lower(${text} collate "und-x-icu") collate "C")`,
  upper: (text) => sql`(upper(${text} collate "und-x-icu") collate "C")`,
  greatest: (left, right) => sql`greatest(${left}, ${right})`,
  divide: (left, right, exact) =>
    exact
      ? sql`(cast(${left} as numeric) / nullif(${right}, 0))`
      : sql`(${left} / nullif(${right}, 0))`,
  modulo: (left, right) => sql`(${left} % nullif(${right}, 0))`,
  toDecimal: (value) => sql`cast(${value} as numeric)`,
  round: (value) => sql`round(cast(${value} as numeric))`,
  matches: (text, pattern) => sql`(${text} ~ ${pattern})`,
  arrayElements: (column, alias) =>
    sql`jsonb_array_elements(${column}) as ${sql.id(alias)}(element)`,
  elementField: (alias, field) =>
    sql`(${sql.ref(`${alias}.element`)} ->> ${field}) collate "C"`,
  arrayLength: (column) => sql`jsonb_array_length(${column})`,
};
