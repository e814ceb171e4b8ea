/**
 * The binder: checks a syntax tree against the remoteActionAudit type.
 * It resolves property names (exact case, with a hint on a case mismatch),
 * enum members, parameter aliases, lambda variables and function
 * signatures, and gives every node a type. Errors are 400s that name the
 * property, function or type involved.
 */
import { apiErrors, quote } from "../../errors.ts";
import {
  canonicalFromDate,
  parseDateTimeOffset,
} from "../../model/datetime.ts";
import {
  findProperty,
  findPropertyIgnoringCase,
  isSortable,
  namespace,
  qualifiedTypeName,
  type Property,
} from "../../model/entity.ts";
import { enumTypes, memberByName, type EnumType } from "../../model/enums.ts";
import {
  isNumeric,
  typeName,
  type BoundNode,
  type BoundSortKey,
  type BoundType,
  type FunctionName,
} from "./bound.ts";
import { addTicks, parseDuration } from "./duration.ts";
import { parseExpression } from "./parser.ts";
import { checkPattern } from "./pattern.ts";
import type {
  BinaryNode,
  CallNode,
  ExpressionNode,
  LambdaNode,
  LiteralNode,
  OrderByItemSyntax,
  ParseLimits,
} from "./syntax.ts";

const booleanType: BoundType = { kind: "boolean" };
const integerType: BoundType = { kind: "integer" };
const stringType: BoundType = { kind: "string" };
const dateTimeType: BoundType = { kind: "dateTimeOffset" };
const maxAliasDepth = 8;

/** The collection that lambdas range over, and the fields of its items. */
const lambdaCollection = "deviceActionDetails";

interface Scope {
  readonly aliases: ReadonlyMap<string, string>;
  readonly limits: ParseLimits;
  /** Lambda variables in scope, innermost last. */
  readonly variables: readonly string[];
  readonly aliasDepth: number;
  /** The time `now()` returns, the same for the whole request. */
  readonly now: Date;
}

function invalid(message: string): Error {
  return apiErrors.badRequest(message);
}

/** Binds a `$filter` tree, which must be a boolean expression. */
export function bindFilter(
  node: ExpressionNode,
  aliases: ReadonlyMap<string, string>,
  limits: ParseLimits,
  now = new Date(),
): BoundNode {
  const scope: Scope = { aliases, limits, variables: [], aliasDepth: 0, now };
  const bound = bind(node, scope);
  if (bound.type.kind !== "boolean") {
    throw invalid(
      `The $filter expression must be a boolean, not ${typeName(bound.type)}. ` +
        `Compare the value, for example with 'eq'.`,
    );
  }
  return bound;
}

/** Binds `$orderby` items; a collection or boolean-free value is fine. */
export function bindOrderBy(
  items: readonly OrderByItemSyntax[],
  aliases: ReadonlyMap<string, string>,
  limits: ParseLimits,
  now = new Date(),
): BoundSortKey[] {
  const scope: Scope = { aliases, limits, variables: [], aliasDepth: 0, now };
  return items.map((item) => {
    const expression = bind(item.expression, scope);
    if (expression.kind === "property" && !isSortable(expression.property)) {
      throw invalid(
        `The property '${expression.property.name}' is a collection and ` +
          `cannot be used in '$orderby'.`,
      );
    }
    return { expression, descending: item.descending };
  });
}

function bind(node: ExpressionNode, scope: Scope): BoundNode {
  switch (node.kind) {
    case "literal":
      return bindLiteral(node);
    case "member":
      return bindMember(node.path, scope);
    case "alias":
      return bindAlias(node.name, scope);
    case "call":
      return bindCall(node, scope);
    case "lambda":
      return bindLambda(node, scope);
    case "unary":
      return bindUnary(node.operator, bind(node.operand, scope));
    case "binary":
      return bindBinary(node, scope);
    case "in":
      return bindIn(bind(node.operand, scope), node.list, scope);
  }
}

function constant(
  type: BoundType,
  value: string | number | boolean | null,
): BoundNode {
  return { kind: "constant", type, value, nullable: value === null };
}

function bindLiteral(node: LiteralNode): BoundNode {
  const text = node.value;
  switch (node.type) {
    case "null":
      return constant({ kind: "null" }, null);
    case "boolean":
      return constant(booleanType, text === "true");
    case "integer": {
      const value = Number(text);
      if (!Number.isSafeInteger(value)) {
        throw invalid(
          `The number ${text} is outside the supported integer range.`,
        );
      }
      return constant(integerType, value);
    }
    case "decimal":
      return constant({ kind: "decimal" }, Number(text));
    case "double": {
      const values: Record<string, number> = {
        INF: Infinity,
        "-INF": -Infinity,
        NaN: NaN,
      };
      return constant({ kind: "double" }, values[text] ?? Number(text));
    }
    case "string":
      return constant(stringType, text);
    case "dateTimeOffset": {
      const canonical = parseDateTimeOffset(text);
      if (canonical === undefined) {
        throw invalid(
          `The date and time ${text} is outside the supported range: use a ` +
            `valid date in years 0001 to 9999 with at most 7 fractional digits.`,
        );
      }
      return constant(dateTimeType, canonical);
    }
    case "date":
      return constant({ kind: "date" }, checkDate(text));
    case "timeOfDay":
      return constant({ kind: "timeOfDay" }, canonicalTime(text));
    case "guid":
      return constant({ kind: "guid" }, text.toLowerCase());
    case "duration": {
      const ticks = parseDuration(text);
      if (ticks === undefined) {
        throw invalid(
          `The duration '${text}' is invalid. Use ISO 8601 days, hours, ` +
            `minutes and seconds, such as duration'P7D' or duration'PT1H30M'.`,
        );
      }
      // Ticks are kept as text so the constant's value stays a plain type.
      return constant({ kind: "duration" }, ticks.toString());
    }
    case "enum":
      return bindEnumLiteral(node);
  }
}

function checkDate(text: string): string {
  const canonical = parseDateTimeOffset(`${text}T00:00:00Z`);
  if (canonical === undefined) {
    throw invalid(`The date ${text} is invalid or outside years 0001 to 9999.`);
  }
  return canonical.slice(0, 10);
}

/** `08:05` → `08:05:00.0000000`, the form `time()` returns. */
function canonicalTime(text: string): string {
  const [clock = "", fraction = ""] = text.split(".");
  const withSeconds = clock.length === 5 ? `${clock}:00` : clock;
  if (fraction.length > 7) {
    throw invalid(`The time ${text} has more than 7 fractional digits.`);
  }
  return `${withSeconds}.${fraction.padEnd(7, "0")}`;
}

function bindEnumLiteral(node: LiteralNode): BoundNode {
  const enumType = enumTypeByName(node.typeName ?? "");
  return constant(
    { kind: "enum", enumType },
    memberValue(enumType, node.value),
  );
}

function enumTypeByName(name: string): EnumType {
  const bare = name.replace(/^(microsoft\.graph|graph)\./, "");
  const found = enumTypes.find((type) => type.name === bare);
  if (found === undefined || bare === name) {
    const known = enumTypes
      .map((type) => `${namespace}.${type.name}`)
      .join(", ");
    throw invalid(
      `The type '${name}' is not an enumeration type. Use one of: ${known}.`,
    );
  }
  return found;
}

function memberValue(enumType: EnumType, name: string): number {
  const member = memberByName(enumType, name);
  if (member !== undefined) return member.value;
  // OData also accepts a member's underlying value: actionState'5'.
  const byValue = enumType.members.find((m) => String(m.value) === name);
  if (byValue !== undefined) return byValue.value;
  const names = enumType.members.map((m) => m.name).join(", ");
  throw invalid(
    `${quote(name)} is not a member of '${namespace}.${enumType.name}'. ` +
      `Members are case-sensitive: ${names}.`,
  );
}

function bindMember(path: readonly string[], scope: Scope): BoundNode {
  const [first = "", second, third] = path;
  const variable = scope.variables.lastIndexOf(first);
  if (variable >= 0) {
    if (second !== "key" && second !== "value") {
      throw invalid(
        `The lambda variable '${first}' needs a field: '${first}/key' or ` +
          `'${first}/value'.`,
      );
    }
    if (third !== undefined)
      throw invalid(`'${path.join("/")}' is not a property path.`);
    return {
      kind: "variable",
      scope: variable,
      field: second,
      type: stringType,
      nullable: true,
    };
  }
  const property = resolveProperty(first);
  if (second !== undefined) {
    throw invalid(
      `The property '${first}' has no member '${second}'. Use a lambda such ` +
        `as '${lambdaCollection}/any(d: d/key eq 'reason')' for collections.`,
    );
  }
  if (property.kind === "keyValueCollection") {
    throw invalid(
      `The collection '${property.name}' cannot be used as a value. Use ` +
        `'${property.name}/any(d: …)' or '${property.name}/all(d: …)'.`,
    );
  }
  return {
    kind: "property",
    property,
    type: propertyType(property),
    nullable: property.nullable,
  };
}

function resolveProperty(name: string): Property {
  const property = findProperty(name);
  if (property !== undefined) return property;
  const near = findPropertyIgnoringCase(name);
  const hint = near === undefined ? "" : ` Did you mean '${near.name}'?`;
  throw invalid(
    `Could not find a property named ${quote(name)} on type ` +
      `'${qualifiedTypeName}'.${hint}`,
  );
}

function propertyType(property: Property): BoundType {
  if (property.kind === "enum") {
    return { kind: "enum", enumType: property.enumType as EnumType };
  }
  if (property.kind === "dateTimeOffset") return dateTimeType;
  return stringType;
}

function bindAlias(name: string, scope: Scope): BoundNode {
  const text = scope.aliases.get(name);
  if (text === undefined) {
    throw invalid(
      `The parameter alias '@${name}' has no value. Add '&@${name}=<value>' ` +
        `to the query.`,
    );
  }
  if (scope.aliasDepth >= maxAliasDepth) {
    throw invalid(
      `The parameter alias '@${name}' refers to itself or nests too deeply.`,
    );
  }
  const node = parseExpression(text, scope.limits, `alias @${name}`);
  return bind(node, { ...scope, aliasDepth: scope.aliasDepth + 1 });
}

function bindLambda(node: LambdaNode, scope: Scope): BoundNode {
  const path = node.collection.join("/");
  if (path !== lambdaCollection) {
    throw invalid(
      `'${node.operator}' needs a collection; '${path}' is not one. The ` +
        `collection of '${qualifiedTypeName}' is '${lambdaCollection}'.`,
    );
  }
  const lambdaScope = scope.variables.length;
  if (node.predicate === undefined || node.variable === undefined) {
    return {
      kind: "lambda",
      operator: node.operator,
      scope: lambdaScope,
      type: booleanType,
      nullable: false,
    };
  }
  const inner = { ...scope, variables: [...scope.variables, node.variable] };
  const predicate = bind(node.predicate, inner);
  requireBoolean(predicate, `the ${node.operator}() predicate`);
  return {
    kind: "lambda",
    operator: node.operator,
    scope: lambdaScope,
    predicate,
    type: booleanType,
    nullable: false,
  };
}

function requireBoolean(node: BoundNode, where: string): void {
  if (node.type.kind !== "boolean") {
    throw invalid(
      `${capitalize(where)} must be a boolean, not ${typeName(node.type)}.`,
    );
  }
}

function capitalize(text: string): string {
  return `${text[0]?.toUpperCase() ?? ""}${text.slice(1)}`;
}

function bindUnary(operator: "not" | "negate", operand: BoundNode): BoundNode {
  if (operator === "not") {
    requireBoolean(operand, "the operand of 'not'");
    return { kind: "not", operand, type: booleanType, nullable: false };
  }
  if (!isNumeric(operand.type)) {
    throw invalid(`'-' needs a number, not ${typeName(operand.type)}.`);
  }
  return {
    kind: "negate",
    operand,
    type: operand.type,
    nullable: operand.nullable,
  };
}

function bindBinary(node: BinaryNode, scope: Scope): BoundNode {
  const left = bind(node.left, scope);
  const right = bind(node.right, scope);
  switch (node.operator) {
    case "and":
    case "or":
      requireBoolean(left, `the left operand of '${node.operator}'`);
      requireBoolean(right, `the right operand of '${node.operator}'`);
      return {
        kind: "logical",
        operator: node.operator,
        left,
        right,
        type: booleanType,
        nullable: false,
      };
    case "has":
      return bindHas(left, right);
    case "add":
    case "sub":
    case "mul":
    case "div":
    case "divby":
    case "mod":
      return bindArithmetic(node.operator, left, right);
    default:
      return bindComparison(node.operator, left, right);
  }
}

function bindArithmetic(
  operator: "add" | "sub" | "mul" | "div" | "divby" | "mod",
  left: BoundNode,
  right: BoundNode,
): BoundNode {
  if (right.type.kind === "duration" || left.type.kind === "duration") {
    return foldDuration(operator, left, right);
  }
  if (!isNumeric(left.type) || !isNumeric(right.type)) {
    throw invalid(
      `'${operator}' needs numbers, not ${typeName(left.type)} and ` +
        `${typeName(right.type)}.`,
    );
  }
  const bothIntegers =
    left.type.kind === "integer" && right.type.kind === "integer";
  const type: BoundType =
    bothIntegers && operator !== "divby" ? integerType : { kind: "decimal" };
  // Division by zero yields null, so division results may be null.
  const nullable =
    left.nullable ||
    right.nullable ||
    operator === "div" ||
    operator === "divby" ||
    operator === "mod";
  return { kind: "arithmetic", operator, left, right, type, nullable };
}

/**
 * Computes `<DateTimeOffset constant> add|sub <duration>` at bind time.
 * NOTE: arithmetic on a property, such as `requestDateTime add
 * duration'P1D'`, is not translated to SQL and answers 400.
 */
function foldDuration(
  operator: string,
  left: BoundNode,
  right: BoundNode,
): BoundNode {
  const constantTime =
    left.kind === "constant" &&
    left.type.kind === "dateTimeOffset" &&
    left.value !== null;
  const constantDuration =
    right.kind === "constant" &&
    right.type.kind === "duration" &&
    right.value !== null;
  if (
    !constantTime ||
    !constantDuration ||
    (operator !== "add" && operator !== "sub")
  ) {
    throw invalid(
      `'${operator}' with a duration works only as <date and time literal or ` +
        `now()> add or sub <duration literal>, such as now() sub duration'P7D'.`,
    );
  }
  const ticks = BigInt(right.value as string);
  const result = addTicks(
    left.value as string,
    operator === "add" ? ticks : -ticks,
  );
  if (result === undefined) {
    throw invalid(
      `The date and time computed with '${operator}' is outside years 0001 to 9999.`,
    );
  }
  return constant(dateTimeType, result);
}

/** Converts a string literal to the enum member it names, if needed. */
function coerce(node: BoundNode, target: BoundType): BoundNode {
  if (node.kind !== "constant" || target.kind !== "enum") return node;
  if (node.type.kind === "string") {
    return constant(target, memberValue(target.enumType, node.value as string));
  }
  return node;
}

function comparable(left: BoundType, right: BoundType): boolean {
  if (left.kind === "null" || right.kind === "null") return true;
  if (isNumeric(left) && isNumeric(right)) return true;
  if (left.kind === "enum" && right.kind === "enum") {
    return left.enumType === right.enumType;
  }
  return left.kind === right.kind;
}

function bindComparison(
  operator: "eq" | "ne" | "gt" | "ge" | "lt" | "le",
  leftNode: BoundNode,
  rightNode: BoundNode,
): BoundNode {
  const left = coerce(leftNode, rightNode.type);
  const right = coerce(rightNode, left.type);
  if (!comparable(left.type, right.type)) {
    throw invalid(
      `'${operator}' cannot compare ${typeName(left.type)} with ` +
        `${typeName(right.type)}.`,
    );
  }
  return {
    kind: "compare",
    operator,
    left,
    right,
    type: booleanType,
    nullable: false,
  };
}

function bindHas(left: BoundNode, rightNode: BoundNode): BoundNode {
  if (left.type.kind !== "enum") {
    throw invalid(
      `'has' needs an enumeration value, not ${typeName(left.type)}.`,
    );
  }
  const right = coerce(rightNode, left.type);
  if (
    right.kind !== "constant" ||
    right.type.kind !== "enum" ||
    right.type.enumType !== left.type.enumType
  ) {
    throw invalid(
      `'has' needs a member of '${namespace}.${left.type.enumType.name}' ` +
        `on its right, such as ${namespace}.${left.type.enumType.name}'` +
        `${left.type.enumType.members[1]?.name ?? ""}'.`,
    );
  }
  return {
    kind: "has",
    operand: left,
    flag: right.value as number,
    type: booleanType,
    nullable: false,
  };
}

function bindIn(
  operand: BoundNode,
  list: readonly ExpressionNode[],
  scope: Scope,
): BoundNode {
  const items = expandAliasList(list, scope);
  const values = items.map((item) => {
    const value = coerce(bind(item, scope), operand.type);
    if (value.kind !== "constant") {
      throw invalid(
        "The values of 'in' must be literals, such as ('done', 'failed').",
      );
    }
    if (!comparable(operand.type, value.type)) {
      throw invalid(
        `'in' cannot compare ${typeName(operand.type)} with ${typeName(value.type)}.`,
      );
    }
    return value;
  });
  return { kind: "in", operand, values, type: booleanType, nullable: false };
}

/** Reads `x in @list` where `@list=('a','b')`. */
function expandAliasList(
  list: readonly ExpressionNode[],
  scope: Scope,
): readonly ExpressionNode[] {
  const [only] = list;
  if (list.length !== 1 || only?.kind !== "alias") return list;
  const text = scope.aliases.get(only.name);
  if (text === undefined || !text.trim().startsWith("(")) return list;
  const parsed = parseExpression(
    `x in ${text}`,
    scope.limits,
    `alias @${only.name}`,
  );
  return parsed.kind === "in" ? parsed.list : list;
}

interface Signature {
  readonly args: readonly (readonly BoundType["kind"][])[];
  /** Leading arguments that are required; the rest are optional. */
  readonly required: number;
  readonly result: (args: readonly BoundNode[]) => BoundType;
}

const dateParts = ["dateTimeOffset", "date"] as const;
const timeParts = ["dateTimeOffset", "timeOfDay"] as const;
const numbers = ["integer", "decimal", "double"] as const;
const fixed = (type: BoundType) => () => type;

const signatures: Readonly<Record<FunctionName, Signature>> = {
  contains: {
    args: [["string"], ["string"]],
    required: 2,
    result: fixed(booleanType),
  },
  startswith: {
    args: [["string"], ["string"]],
    required: 2,
    result: fixed(booleanType),
  },
  endswith: {
    args: [["string"], ["string"]],
    required: 2,
    result: fixed(booleanType),
  },
  matchespattern: {
    args: [["string"], ["string"]],
    required: 2,
    result: fixed(booleanType),
  },
  length: { args: [["string"]], required: 1, result: fixed(integerType) },
  indexof: {
    args: [["string"], ["string"]],
    required: 2,
    result: fixed(integerType),
  },
  substring: {
    args: [["string"], ["integer"], ["integer"]],
    required: 2,
    result: fixed(stringType),
  },
  tolower: { args: [["string"]], required: 1, result: fixed(stringType) },
  toupper: { args: [["string"]], required: 1, result: fixed(stringType) },
  trim: { args: [["string"]], required: 1, result: fixed(stringType) },
  concat: {
    args: [["string"], ["string"]],
    required: 2,
    result: fixed(stringType),
  },
  year: { args: [dateParts], required: 1, result: fixed(integerType) },
  month: { args: [dateParts], required: 1, result: fixed(integerType) },
  day: { args: [dateParts], required: 1, result: fixed(integerType) },
  hour: { args: [timeParts], required: 1, result: fixed(integerType) },
  minute: { args: [timeParts], required: 1, result: fixed(integerType) },
  second: { args: [timeParts], required: 1, result: fixed(integerType) },
  fractionalseconds: {
    args: [timeParts],
    required: 1,
    result: fixed({ kind: "decimal" }),
  },
  date: {
    args: [["dateTimeOffset"]],
    required: 1,
    result: fixed({ kind: "date" }),
  },
  time: {
    args: [["dateTimeOffset"]],
    required: 1,
    result: fixed({ kind: "timeOfDay" }),
  },
  totaloffsetminutes: {
    args: [["dateTimeOffset"]],
    required: 1,
    result: fixed(integerType),
  },
  now: { args: [], required: 0, result: fixed(dateTimeType) },
  mindatetime: { args: [], required: 0, result: fixed(dateTimeType) },
  maxdatetime: { args: [], required: 0, result: fixed(dateTimeType) },
  floor: { args: [numbers], required: 1, result: (args) => roundedType(args) },
  ceiling: {
    args: [numbers],
    required: 1,
    result: (args) => roundedType(args),
  },
  round: { args: [numbers], required: 1, result: (args) => roundedType(args) },
};

function roundedType(args: readonly BoundNode[]): BoundType {
  return args[0]?.type.kind === "integer" ? integerType : { kind: "decimal" };
}

function bindCall(node: CallNode, scope: Scope): BoundNode {
  const name = node.name as FunctionName;
  const signature = Object.hasOwn(signatures, name)
    ? signatures[name]
    : undefined;
  if (signature === undefined) {
    throw invalid(
      `Unknown function '${node.name}'. Supported functions: ` +
        `${Object.keys(signatures).join(", ")}.`,
    );
  }
  const count = node.args.length;
  if (count < signature.required || count > signature.args.length) {
    throw invalid(
      `The function '${name}' takes ${describeArity(signature)}, not ${count}.`,
    );
  }
  const args = node.args.map((arg) => bind(arg, scope));
  args.forEach((arg, index) => {
    const accepted = signature.args[index] ?? [];
    if (arg.type.kind === "null" || accepted.includes(arg.type.kind)) return;
    throw invalid(
      `Argument ${index + 1} of '${name}' must be ` +
        `${accepted.map((kind) => typeName({ kind } as BoundType)).join(" or ")}, ` +
        `not ${typeName(arg.type)}.`,
    );
  });
  if (name === "matchespattern") checkPatternArgument(args[1] as BoundNode);
  if (name === "now")
    return constant(dateTimeType, canonicalFromDate(scope.now));
  if (name === "mindatetime")
    return constant(dateTimeType, "0001-01-01T00:00:00.0000000Z");
  if (name === "maxdatetime")
    return constant(dateTimeType, "9999-12-31T23:59:59.9999999Z");
  const booleanResult = signature.result(args).kind === "boolean";
  return {
    kind: "call",
    name,
    args,
    type: signature.result(args),
    // Boolean functions are false, never null, on null input.
    nullable: !booleanResult && args.some((arg) => arg.nullable),
  };
}

/**
 * Checks the pattern of `matchesPattern` before it runs, so it must be a
 * literal or an alias rather than a value computed per row.
 */
function checkPatternArgument(pattern: BoundNode): void {
  if (pattern.kind !== "constant") {
    throw invalid(
      "The pattern of 'matchesPattern' must be a string literal or a " +
        "parameter alias, such as matchesPattern(deviceDisplayName,'^LAB-').",
    );
  }
  if (typeof pattern.value === "string") checkPattern(pattern.value);
}

function describeArity(signature: Signature): string {
  const { required } = signature;
  const max = signature.args.length;
  if (required === max) return `${max} argument${max === 1 ? "" : "s"}`;
  return `${required} to ${max} arguments`;
}
