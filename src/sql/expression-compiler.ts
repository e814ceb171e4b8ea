/**
 * Translates bound OData expressions to SQL through Kysely's `sql` tag, so
 * every literal is a bound parameter. Every boolean it produces is
 * two-valued (true or false, never NULL), which gives OData's semantics
 * where SQL's three-valued logic differs: `null eq 'x'` is false, so
 * `not (deviceIMEI eq 'x')` matches records whose deviceIMEI is null.
 *
 * Stored forms it relies on: enums are member values, DateTimeOffset is
 * fixed-width UTC text `YYYY-MM-DDTHH:MM:SS.fffffffZ` (text order is time
 * order), and deviceActionDetails is a JSON array of {key, value}.
 */
import { sql } from "kysely";

import type {
  BoundNode,
  BoundType,
  ComparisonOperator,
  FunctionName,
} from "../odata/expression/bound.ts";
import type { SearchNode } from "../odata/expression/syntax.ts";
import { properties } from "../model/entity.ts";
import type { EnumType } from "../model/enums.ts";
import { recordsTable } from "../store/table.ts";
import type { ExpressionDialect, Sql } from "./expression-dialect.ts";

const comparisonSql: Readonly<Record<ComparisonOperator, string>> = {
  eq: "=",
  ne: "<>",
  gt: ">",
  ge: ">=",
  lt: "<",
  le: "<=",
};

/** One-based start and length of each part in the stored text forms. */
const dateTimeParts = {
  year: [1, 4],
  month: [6, 2],
  day: [9, 2],
  hour: [12, 2],
  minute: [15, 2],
  second: [18, 2],
} as const;
const timeOfDayParts = {
  hour: [1, 2],
  minute: [4, 2],
  second: [7, 2],
} as const;

function column(name: string): Sql {
  return sql.ref(`${recordsTable}.${name}`);
}

export class ExpressionCompiler {
  readonly #dialect: ExpressionDialect;

  constructor(dialect: ExpressionDialect) {
    this.#dialect = dialect;
  }

  /** Compiles a boolean node to a two-valued SQL condition. */
  condition(node: BoundNode): Sql {
    switch (node.kind) {
      case "compare":
        return this.#compare(node.operator, node.left, node.right);
      case "logical":
        return sql`(${this.condition(node.left)} ${sql.raw(node.operator)} ${this.condition(node.right)})`;
      case "not":
        return sql`(not ${this.condition(node.operand)})`;
      case "in":
        return this.#in(node.operand, node.values);
      case "has": {
        const flag = this.#dialect.param(node.flag, node.operand.type);
        const value = this.value(node.operand);
        return this.#twoValued(
          node.operand,
          sql`(${value} & ${flag}) = ${flag}`,
        );
      }
      case "lambda":
        return this.#lambda(node);
      case "constant":
        return node.value === true ? sql`1 = 1` : sql`1 = 0`;
      default:
        return this.#dialect.orFalse(this.value(node));
    }
  }

  /** Compiles a node to a SQL value expression. */
  value(node: BoundNode): Sql {
    const dialect = this.#dialect;
    switch (node.kind) {
      case "property":
        return column(node.property.name);
      case "variable":
        return dialect.elementField(`d${node.scope}`, node.field);
      case "constant":
        return node.value === null
          ? sql`null`
          : dialect.param(node.value, node.type);
      case "negate":
        return sql`(- ${this.value(node.operand)})`;
      case "arithmetic":
        return this.#arithmetic(node.operator, node.left, node.right);
      case "call":
        return this.#call(node.name, node.args);
      default:
        // A condition used as a value, such as `$orderby=contains(…)`.
        return this.condition(node);
    }
  }

  /** Wraps `condition` so a null operand makes it false, not NULL. */
  #twoValued(operand: BoundNode, condition: Sql): Sql {
    if (!operand.nullable) return condition;
    return sql`(${condition} and ${this.value(operand)} is not null)`;
  }

  #compare(
    operator: ComparisonOperator,
    left: BoundNode,
    right: BoundNode,
  ): Sql {
    const leftNull = left.kind === "constant" && left.value === null;
    const rightNull = right.kind === "constant" && right.value === null;
    if (leftNull || rightNull)
      return this.#compareNull(operator, left, right, leftNull && rightNull);

    const symbol = sql.raw(comparisonSql[operator]);
    const plain = sql`${this.value(left)} ${symbol} ${this.value(right)}`;
    const nullable = [left, right].filter((side) => side.nullable);
    if (nullable.length === 0) return sql`(${plain})`;
    if (operator === "ne") {
      // null ne 'x' is true in OData, and null ne null is false.
      const sides = nullable.map((side) => sql`${this.value(side)} is null`);
      const bothNull = sql.join(
        [left, right].map((side) => sql`${this.value(side)} is null`),
        sql` and `,
      );
      return sql`(${this.#dialect.orFalse(plain)} or ((${sql.join(sides, sql` or `)}) and not (${bothNull})))`;
    }
    const notNull = nullable.map(
      (side) => sql`${this.value(side)} is not null`,
    );
    const known = sql`(${plain} and ${sql.join(notNull, sql` and `)})`;
    if (operator !== "eq" || nullable.length < 2) return known;
    return sql`(${known} or (${this.value(left)} is null and ${this.value(right)} is null))`;
  }

  #compareNull(
    operator: ComparisonOperator,
    left: BoundNode,
    right: BoundNode,
    both: boolean,
  ): Sql {
    if (both)
      return operator === "eq" || operator === "ge" || operator === "le"
        ? sql`1 = 1`
        : sql`1 = 0`;
    const other =
      left.kind === "constant" && left.value === null ? right : left;
    if (operator === "eq") return sql`(${this.value(other)} is null)`;
    if (operator === "ne") return sql`(${this.value(other)} is not null)`;
    // Ordering against null is false in OData.
    return sql`1 = 0`;
  }

  #in(operand: BoundNode, values: readonly BoundNode[]): Sql {
    const present = values.filter(
      (value) => !(value.kind === "constant" && value.value === null),
    );
    const hasNull = present.length < values.length;
    const parts: Sql[] = [];
    if (present.length > 0) {
      const list = sql.join(present.map((value) => this.value(value)));
      parts.push(
        this.#twoValued(operand, sql`${this.value(operand)} in (${list})`),
      );
    }
    if (hasNull) parts.push(sql`${this.value(operand)} is null`);
    if (parts.length === 0) return sql`1 = 0`;
    return sql`(${sql.join(parts, sql` or `)})`;
  }

  #lambda(node: Extract<BoundNode, { kind: "lambda" }>): Sql {
    const source = column("deviceActionDetails");
    if (node.predicate === undefined) {
      return sql`(${this.#dialect.arrayLength(source)} > 0)`;
    }
    const elements = this.#dialect.arrayElements(source, `d${node.scope}`);
    const predicate = this.condition(node.predicate);
    if (node.operator === "any") {
      return sql`exists (select 1 from ${elements} where ${predicate})`;
    }
    return sql`not exists (select 1 from ${elements} where not ${predicate})`;
  }

  #arithmetic(operator: string, left: BoundNode, right: BoundNode): Sql {
    const a = this.value(left);
    const b = this.value(right);
    switch (operator) {
      case "add":
        return sql`(${a} + ${b})`;
      case "sub":
        return sql`(${a} - ${b})`;
      case "mul":
        return sql`(${a} * ${b})`;
      case "mod":
        return this.#dialect.modulo(a, b);
      default: {
        const integers =
          left.type.kind === "integer" && right.type.kind === "integer";
        return this.#dialect.divide(a, b, operator === "divby" || !integers);
      }
    }
  }

  #call(name: FunctionName, args: readonly BoundNode[]): Sql {
    const dialect = this.#dialect;
    const [first, second, third] = args.map((arg) => this.value(arg));
    const a = first as Sql;
    const b = second as Sql;
    switch (name) {
      case "contains":
        return sql`(${dialect.position(a, b)} > 0)`;
      case "startswith":
        return sql`(substr(${a}, 1, length(${b})) = ${b})`;
      case "endswith":
        return sql`(length(${a}) >= length(${b}) and substr(${a}, length(${a}) - length(${b}) + 1) = ${b})`;
      case "matchespattern":
        return dialect.matches(a, b);
      case "length":
        return sql`length(${a})`;
      case "indexof":
        return sql`(${dialect.position(a, b)} - 1)`;
      case "substring": {
        // OData positions are zero-based; a negative start or length counts
        // as 0. PostgreSQL's substr() takes integer, not bigint, arguments.
        const start = sql`cast(${dialect.greatest(b, sql`0`)} + 1 as integer)`;
        if (third === undefined) return sql`substr(${a}, ${start})`;
        const length = sql`cast(${dialect.greatest(third, sql`0`)} as integer)`;
        return sql`substr(${a}, ${start}, ${length})`;
      }
      case "tolower":
        return dialect.lower(a);
      case "toupper":
        return dialect.upper(a);
      case "trim":
        return sql`trim(${a})`;
      case "concat":
        return sql`(${a} || ${b})`;
      case "date":
        return sql`substr(${a}, 1, 10)`;
      case "time":
        return sql`substr(${a}, 12, 16)`;
      case "totaloffsetminutes":
        // Stored values are UTC, so the offset is always 0.
        return sql`(case when ${a} is null then null else 0 end)`;
      case "fractionalseconds": {
        const from = args[0]?.type.kind === "timeOfDay" ? 9 : 20;
        return dialect.toDecimal(sql`substr(${a}, ${sql.lit(from)}, 8)`);
      }
      case "floor":
        return sql`floor(${a})`;
      case "ceiling":
        return sql`ceil(${a})`;
      case "round":
        return dialect.round(a);
      case "year":
      case "month":
      case "day":
      case "hour":
      case "minute":
      case "second":
        return this.#datePart(name, args[0] as BoundNode, a);
      case "now":
      case "mindatetime":
      case "maxdatetime":
        throw new Error(`${name}() is bound to a constant`);
    }
  }

  #datePart(part: keyof typeof dateTimeParts, arg: BoundNode, value: Sql): Sql {
    const [start, length] =
      arg.type.kind === "timeOfDay"
        ? timeOfDayParts[part as keyof typeof timeOfDayParts]
        : dateTimeParts[part];
    return sql`cast(substr(${value}, ${sql.lit(start)}, ${sql.lit(length)}) as integer)`;
  }

  /**
   * Compiles `$search`: a term matches case-insensitively as a substring
   * of any searchable text property, or equals the name of the record's
   * action or actionState member.
   */
  search(node: SearchNode): Sql {
    switch (node.kind) {
      case "and":
      case "or":
        return sql`(${this.search(node.left)} ${sql.raw(node.kind)} ${this.search(node.right)})`;
      case "not":
        return sql`(not ${this.search(node.operand)})`;
      case "term":
        return this.#searchTerm(node.text);
    }
  }

  #searchTerm(term: string): Sql {
    const dialect = this.#dialect;
    const needle = term.toLowerCase();
    const parts: Sql[] = [];
    for (const property of properties) {
      if (!property.searchable) continue;
      if (property.kind === "string") {
        const haystack = dialect.lower(column(property.name));
        parts.push(
          dialect.orFalse(
            sql`${dialect.position(haystack, dialect.param(needle, { kind: "string" }))} > 0`,
          ),
        );
      } else if (property.kind === "enum") {
        const members = (property.enumType as EnumType).members.filter(
          (member) => member.name.toLowerCase() === needle,
        );
        for (const member of members) {
          parts.push(
            sql`${column(property.name)} = ${dialect.param(member.value, enumTypeOf(property.enumType as EnumType))}`,
          );
        }
      }
    }
    return sql`(${sql.join(parts, sql` or `)})`;
  }
}

function enumTypeOf(enumType: EnumType): BoundType {
  return { kind: "enum", enumType };
}
