/**
 * SQLite forms of OData expressions. SQLite's own lower() and upper()
 * change ASCII letters only and it has no regular expressions, so the
 * store registers JavaScript functions for them (see `registerFunctions`).
 */
import type Sqlite from "better-sqlite3";
import { sql } from "kysely";

import type { ExpressionDialect } from "../../expression-dialect.ts";

export const sqliteExpressions: ExpressionDialect = {
  param(value, type) {
    // better-sqlite3 binds no booleans; SQLite's true is 1.
    if (typeof value === "boolean") return sql`${value ? 1 : 0}`;
    // Numbers bind as REAL; integers must be INTEGER so `div` truncates.
    if (type.kind === "integer" && typeof value === "number") {
      return sql`${BigInt(value)}`;
    }
    return sql`${value}`;
  },
  falseValue: sql`0`,
  orFalse: (condition) => sql`coalesce(${condition}, 0)`,
  position: (text, needle) => sql`instr(${text}, ${needle})`,
  lower: (text) => sql`odata_tolower(${text})`,
  upper: (text) => sql`odata_toupper(${text})`,
  greatest: (left, right) => sql`max(${left}, ${right})`,
  divide: (left, right, exact) =>
    exact ? sql`(cast(${left} as real) / ${right})` : sql`(${left} / ${right})`,
  modulo: (left, right) => sql`(${left} % ${right})`,
  toDecimal: (value) => sql`cast(${value} as real)`,
  round: (value) => sql`odata_round(${value})`,
  matches: (text, pattern) => sql`odata_matches(${text}, ${pattern})`,
  arrayElements: (column, alias) =>
    sql`json_each(${column}) as ${sql.id(alias)}`,
  elementField: (alias, field) =>
    sql`json_extract(${sql.ref(`${alias}.value`)}, ${`$.${field}`})`,
  arrayLength: (column) => sql`json_array_length(${column})`,
};

/** Registers the functions that `sqliteExpressions` calls. */
export function registerFunctions(connection: Sqlite.Database): void {
  const options = { deterministic: true };
  const text = (value: unknown) => (typeof value === "string" ? value : null);
  connection.function(
    "odata_tolower",
    options,
    (value: unknown) => text(value)?.toLowerCase() ?? null,
  );
  connection.function(
    "odata_toupper",
    options,
    (value: unknown) => text(value)?.toUpperCase() ?? null,
  );
  // OData rounds half away from zero; JavaScript's Math.round does not.
  connection.function("odata_round", options, (value: unknown) =>
    typeof value === "number"
      ? Math.sign(value) * Math.round(Math.abs(value))
      : null,
  );
  connection.function(
    "odata_matches",
    options,
    (value: unknown, pattern: unknown) => {
      const input = text(value);
      const source = text(pattern);
      if (input === null || source === null) return null;
      return new RegExp(source, "u").test(input) ? 1 : 0;
    },
  );
}
