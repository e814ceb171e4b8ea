/**
 * Binds literals to typed constants in stored form, and resolves enum
 * members written as `'failed'` or `microsoft.graph.actionState'failed'`.
 */
import { apiErrors, quote } from "../../errors.ts";
import { namespace } from "../../model/entity.ts";
import { enumTypes, type EnumType } from "../../model/enums.ts";
import type { BoundType, ConstantNode, ConstantValue } from "./bound-node.ts";
import type { LiteralKind, LiteralSyntax } from "./filter-syntax.ts";
import {
  canonicalDate,
  canonicalDateTimeOffset,
  canonicalTimeOfDay,
  durationTicks,
  floatValue,
  integerValue,
  isInt32,
} from "./literal-values.ts";

export function constant(type: BoundType, value: ConstantValue): ConstantNode {
  return { kind: "constant", type, value, nullable: value === null };
}

function invalidLiteral(literal: LiteralSyntax, expected: string): never {
  throw apiErrors.badRequest(
    `The literal ${quote(literal.text)} at position ${literal.position} ` +
      `is not ${expected}.`,
  );
}

function stored<T>(
  literal: LiteralSyntax,
  value: T | undefined,
  expected: string,
): T {
  if (value === undefined) invalidLiteral(literal, expected);
  return value;
}

type LiteralBinder = (literal: LiteralSyntax) => ConstantNode;

const literalBinders: Readonly<Record<LiteralKind, LiteralBinder>> = {
  null: () => constant({ kind: "null" }, null),
  boolean: (literal) => constant({ kind: "boolean" }, literal.value === "true"),
  integer: (literal) => {
    const value = stored(
      literal,
      integerValue(literal.text),
      "an integer between -9007199254740991 and 9007199254740991",
    );
    return constant({ kind: isInt32(value) ? "int32" : "int64" }, value);
  },
  decimal: (literal) => constant({ kind: "decimal" }, Number(literal.text)),
  double: (literal) => constant({ kind: "double" }, floatValue(literal.text)),
  string: (literal) => constant({ kind: "string" }, literal.value),
  dateTimeOffset: (literal) =>
    constant(
      { kind: "dateTimeOffset" },
      stored(
        literal,
        canonicalDateTimeOffset(literal.text),
        "a DateTimeOffset in years 0001 to 9999 with at most 7 " +
          "fractional digits",
      ),
    ),
  date: (literal) =>
    constant(
      { kind: "date" },
      stored(
        literal,
        canonicalDate(literal.text),
        "a Date in years 0001 to 9999",
      ),
    ),
  timeOfDay: (literal) =>
    constant(
      { kind: "timeOfDay" },
      stored(
        literal,
        canonicalTimeOfDay(literal.text),
        "a TimeOfDay with at most 7 fractional digits",
      ),
    ),
  duration: (literal) => {
    stored(
      literal,
      durationTicks(literal.value),
      "a Duration with at most 7 fractional digits of seconds",
    );
    return constant({ kind: "duration" }, literal.value);
  },
  guid: (literal) => constant({ kind: "guid" }, literal.text.toLowerCase()),
  enum: (literal) => bindQualifiedEnum(literal),
};

export function bindLiteral(literal: LiteralSyntax): ConstantNode {
  return literalBinders[literal.literal](literal);
}

function bindQualifiedEnum(literal: LiteralSyntax): ConstantNode {
  const typeName = literal.typeName ?? "";
  const enumType = enumTypes.find(
    (candidate) => `${namespace}.${candidate.name}` === typeName,
  );
  if (enumType === undefined) {
    const known = enumTypes.map((type) => `${namespace}.${type.name}`);
    throw apiErrors.badRequest(
      `The type ${quote(typeName)} of the literal ${quote(literal.text)} is ` +
        `not an enumeration type of this service. Use one of: ` +
        `${known.join(", ")}.`,
    );
  }
  return enumConstant(enumType, literal.value, literal.text);
}

/**
 * Resolves a member name, or a member's numeric value, to an enum
 * constant. Names are case-sensitive, as in JSON payloads.
 */
export function enumConstant(
  enumType: EnumType,
  member: string,
  written: string,
): ConstantNode {
  const type: BoundType = { kind: "enum", enumType };
  const byName = enumType.members.find((m) => m.name === member);
  if (byName !== undefined) return constant(type, byName.value);
  if (/^-?\d+$/.test(member)) {
    const byValue = enumType.members.find((m) => m.value === Number(member));
    if (byValue !== undefined) return constant(type, byValue.value);
  }
  const lower = member.toLowerCase();
  const near = enumType.members.find((m) => m.name.toLowerCase() === lower);
  const hint = near === undefined ? "" : ` Did you mean '${near.name}'?`;
  const names = enumType.members.map((m) => m.name).join(", ");
  throw apiErrors.badRequest(
    `The value ${quote(written)} is not a member of the enumeration type ` +
      `'${namespace}.${enumType.name}'.${hint} Members: ${names}.`,
  );
}
