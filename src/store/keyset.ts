/**
 * Keyset paging: the condition "sorts after this row" for a list of sort
 * keys ending with `id`. OData sorts null before every value in ascending
 * order and after every value in descending order; the stores' ORDER BY
 * follows the same rule, so the condition below matches it.
 */
import { sql, type Expression, type RawBuilder, type SqlBool } from "kysely";

import type { SortKey } from "./store.ts";

/**
 * Builds `(k1 after v1) or (k1 = v1 and k2 after v2) or …`, where the last
 * key is the unique id, so exactly the rows after the given one match.
 */
export function afterCondition(
  keys: readonly SortKey[],
  values: readonly unknown[],
): RawBuilder<SqlBool> {
  const branches: RawBuilder<SqlBool>[] = [];
  for (let i = 0; i < keys.length; i++) {
    const terms: RawBuilder<SqlBool>[] = [];
    for (let j = 0; j < i; j++) {
      terms.push(sameAs(keyAt(keys, j).expression, values[j]));
    }
    terms.push(sortsAfter(keyAt(keys, i), values[i]));
    branches.push(sql<SqlBool>`(${sql.join(terms, sql` and `)})`);
  }
  return sql<SqlBool>`(${sql.join(branches, sql` or `)})`;
}

function keyAt(keys: readonly SortKey[], index: number): SortKey {
  const key = keys[index];
  if (key === undefined) throw new Error(`no sort key at ${index}`);
  return key;
}

function sameAs(
  expression: Expression<unknown>,
  value: unknown,
): RawBuilder<SqlBool> {
  if (value === null) return sql<SqlBool>`${expression} is null`;
  return sql<SqlBool>`${expression} = ${value}`;
}

function sortsAfter(key: SortKey, value: unknown): RawBuilder<SqlBool> {
  const expression = key.expression;
  if (!key.descending) {
    if (value === null) return sql<SqlBool>`${expression} is not null`;
    return sql<SqlBool>`${expression} > ${value}`;
  }
  if (value === null) return sql<SqlBool>`1 = 0`;
  if (!key.nullable) return sql<SqlBool>`${expression} < ${value}`;
  return sql<SqlBool>`(${expression} < ${value} or ${expression} is null)`;
}
