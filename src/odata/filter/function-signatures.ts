/**
 * Parameter and result types of the built-in functions, after the OData
 * 4.01 canonical functions. The binder checks calls against this table.
 */
import type { BoundType, PrimitiveKind } from "./bound-node.ts";
import type { FunctionName } from "./function-names.ts";

/** A set of accepted argument types, named for error messages. */
export interface ParameterType {
  readonly description: string;
  readonly accepts: readonly PrimitiveKind[];
}

const text: ParameterType = { description: "Edm.String", accepts: ["string"] };
const integer: ParameterType = {
  description: "Edm.Int32",
  accepts: ["int32", "int64"],
};
const numeric: ParameterType = {
  description: "a number",
  accepts: ["int32", "int64", "decimal", "double"],
};
const dateTime: ParameterType = {
  description: "Edm.DateTimeOffset",
  accepts: ["dateTimeOffset"],
};
const dateOrDateTime: ParameterType = {
  description: "Edm.Date or Edm.DateTimeOffset",
  accepts: ["date", "dateTimeOffset"],
};
const timeOrDateTime: ParameterType = {
  description: "Edm.TimeOfDay or Edm.DateTimeOffset",
  accepts: ["timeOfDay", "dateTimeOffset"],
};

export interface Signature {
  readonly parameters: readonly ParameterType[];
  /** Trailing parameters that may be left out. */
  readonly optional: number;
  /** The result type, given the bound argument types. */
  readonly result: (args: readonly BoundType[]) => BoundType;
}

const fixed = (kind: PrimitiveKind) => (): BoundType => ({ kind });

function signature(
  parameters: readonly ParameterType[],
  result: PrimitiveKind | ((args: readonly BoundType[]) => BoundType),
  optional = 0,
): Signature {
  const resolve = typeof result === "string" ? fixed(result) : result;
  return { parameters, optional, result: resolve };
}

/** floor, ceiling and round keep integers integral and decimals decimal. */
const sameAsFirst = (args: readonly BoundType[]): BoundType =>
  args[0]?.kind === "null"
    ? { kind: "decimal" }
    : (args[0] ?? { kind: "null" });

export const signatures: Readonly<Record<FunctionName, Signature>> = {
  contains: signature([text, text], "boolean"),
  startswith: signature([text, text], "boolean"),
  endswith: signature([text, text], "boolean"),
  matchespattern: signature([text, text], "boolean"),
  length: signature([text], "int32"),
  indexof: signature([text, text], "int32"),
  substring: signature([text, integer, integer], "string", 1),
  tolower: signature([text], "string"),
  toupper: signature([text], "string"),
  trim: signature([text], "string"),
  concat: signature([text, text], "string"),
  year: signature([dateOrDateTime], "int32"),
  month: signature([dateOrDateTime], "int32"),
  day: signature([dateOrDateTime], "int32"),
  hour: signature([timeOrDateTime], "int32"),
  minute: signature([timeOrDateTime], "int32"),
  second: signature([timeOrDateTime], "int32"),
  fractionalseconds: signature([timeOrDateTime], "decimal"),
  date: signature([dateTime], "date"),
  time: signature([dateTime], "timeOfDay"),
  totaloffsetminutes: signature([dateTime], "int32"),
  now: signature([], "dateTimeOffset"),
  mindatetime: signature([], "dateTimeOffset"),
  maxdatetime: signature([], "dateTimeOffset"),
  floor: signature([numeric], sameAsFirst),
  ceiling: signature([numeric], sameAsFirst),
  round: signature([numeric], sameAsFirst),
};
