/**
 * Evaluates a bound expression against a record in memory, with OData's
 * null semantics. It is the reference that tests compare the SQL
 * translation with; the service itself filters in the database.
 */
import type { AuditRecord, KeyValuePair } from "../../model/entity.ts";
import type { BoundNode, FunctionName } from "./bound.ts";

type Value = string | number | boolean | null;

interface Context {
  readonly record: AuditRecord;
  /** Items bound to lambda variables, by scope index. */
  readonly items: readonly KeyValuePair[];
}

/** Tells whether a `$filter` condition holds for a record. */
export function matches(node: BoundNode, record: AuditRecord): boolean {
  return truth(node, { record, items: [] });
}

/** Evaluates a boolean node; null counts as false, as in a filter. */
function truth(node: BoundNode, context: Context): boolean {
  return evaluate(node, context) === true;
}

function evaluate(node: BoundNode, context: Context): Value {
  switch (node.kind) {
    case "property":
      return context.record[node.property.name as keyof AuditRecord] as Value;
    case "variable":
      return context.items[node.scope]?.[node.field] ?? null;
    case "constant":
      return node.value;
    case "compare":
      return compare(
        node.operator,
        evaluate(node.left, context),
        evaluate(node.right, context),
      );
    case "logical":
      return node.operator === "and"
        ? truth(node.left, context) && truth(node.right, context)
        : truth(node.left, context) || truth(node.right, context);
    case "not":
      return !truth(node.operand, context);
    case "negate": {
      const value = evaluate(node.operand, context);
      return value === null ? null : -(value as number);
    }
    case "arithmetic":
      return arithmetic(
        node.operator,
        evaluate(node.left, context),
        evaluate(node.right, context),
        node.type.kind === "integer",
      );
    case "call":
      return call(
        node.name,
        node.args.map((arg) => evaluate(arg, context)),
        node.args[0]?.type.kind,
      );
    case "in": {
      const value = evaluate(node.operand, context);
      return node.values.some(
        (item) => compare("eq", value, evaluate(item, context)) === true,
      );
    }
    case "has": {
      const value = evaluate(node.operand, context);
      return value !== null && ((value as number) & node.flag) === node.flag;
    }
    case "lambda":
      return lambda(node, context);
  }
}

function compare(operator: string, left: Value, right: Value): boolean {
  // Lifted operators: two nulls are equal, and ordering with a null is
  // false (MS-ODATA 2.2.3.6.1.1.5).
  if (left === null || right === null) {
    const both = left === null && right === null;
    if (operator === "eq") return both;
    if (operator === "ne") return !both;
    return false;
  }
  switch (operator) {
    case "eq":
      return left === right;
    case "ne":
      return left !== right;
    case "gt":
      return left > right;
    case "ge":
      return left >= right;
    case "lt":
      return left < right;
    default:
      return left <= right;
  }
}

function arithmetic(
  operator: string,
  left: Value,
  right: Value,
  integer: boolean,
): Value {
  if (left === null || right === null) return null;
  const a = left as number;
  const b = right as number;
  switch (operator) {
    case "add":
      return a + b;
    case "sub":
      return a - b;
    case "mul":
      return a * b;
    case "mod":
      return b === 0 ? null : a % b;
    default:
      if (b === 0) return null;
      return integer && operator === "div" ? Math.trunc(a / b) : a / b;
  }
}

function lambda(
  node: Extract<BoundNode, { kind: "lambda" }>,
  context: Context,
): boolean {
  const items = context.record.deviceActionDetails;
  const predicate = node.predicate;
  if (predicate === undefined) return items.length > 0;
  const holds = (item: KeyValuePair) =>
    truth(predicate, {
      ...context,
      items: [...context.items.slice(0, node.scope), item],
    });
  return node.operator === "any" ? items.some(holds) : items.every(holds);
}

const dateTimeParts: Record<string, [number, number]> = {
  year: [0, 4],
  month: [5, 7],
  day: [8, 10],
  hour: [11, 13],
  minute: [14, 16],
  second: [17, 19],
};
const timeOfDayParts: Record<string, [number, number]> = {
  hour: [0, 2],
  minute: [3, 5],
  second: [6, 8],
};

function call(
  name: FunctionName,
  args: readonly Value[],
  firstType?: string,
): Value {
  if (args.some((arg) => arg === null)) {
    return ["contains", "startswith", "endswith", "matchespattern"].includes(
      name,
    )
      ? false
      : null;
  }
  const a = String(args[0]);
  const b = String(args[1]);
  const number = (index: number) => args[index] as number;
  switch (name) {
    case "contains":
      return a.includes(b);
    case "startswith":
      return a.startsWith(b);
    case "endswith":
      return a.endsWith(b);
    case "matchespattern":
      return new RegExp(b, "u").test(a);
    case "length":
      return [...a].length;
    case "indexof": {
      // Positions count characters (code points), as SQL does.
      const index = a.indexOf(b);
      return index < 0 ? -1 : [...a.slice(0, index)].length;
    }
    case "substring": {
      const characters = [...a].slice(Math.max(number(1), 0));
      const length =
        args[2] === undefined ? characters.length : Math.max(number(2), 0);
      return characters.slice(0, length).join("");
    }
    case "tolower":
      return a.toLowerCase();
    case "toupper":
      return a.toUpperCase();
    case "trim":
      return a.replace(/^ +| +$/g, "");
    case "concat":
      return a + b;
    case "date":
      return a.slice(0, 10);
    case "time":
      return a.slice(11, 27);
    case "totaloffsetminutes":
      return 0;
    case "fractionalseconds":
      return Number(
        firstType === "timeOfDay" ? a.slice(8, 16) : a.slice(19, 27),
      );
    case "floor":
      return Math.floor(number(0));
    case "ceiling":
      return Math.ceil(number(0));
    case "round":
      return Math.sign(number(0)) * Math.round(Math.abs(number(0)));
    case "now":
    case "mindatetime":
    case "maxdatetime":
      throw new Error(`${name}() is bound to a constant`);
    default: {
      const parts = firstType === "timeOfDay" ? timeOfDayParts : dateTimeParts;
      const [start, end] = parts[name] as [number, number];
      return Number(a.slice(start, end));
    }
  }
}
