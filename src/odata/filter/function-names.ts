/**
 * The built-in function names that the parser accepts before `(`. Names
 * are matched in any case, as OData 4.01 allows.
 */

export const stringFunctionNames = [
  "contains",
  "startswith",
  "endswith",
  "length",
  "indexof",
  "substring",
  "tolower",
  "toupper",
  "trim",
  "concat",
  "matchespattern",
] as const;

export const dateFunctionNames = [
  "year",
  "month",
  "day",
  "hour",
  "minute",
  "second",
  "fractionalseconds",
  "date",
  "time",
  "totaloffsetminutes",
  "now",
  "mindatetime",
  "maxdatetime",
] as const;

export const mathFunctionNames = ["floor", "ceiling", "round"] as const;

export type FunctionName =
  | (typeof stringFunctionNames)[number]
  | (typeof dateFunctionNames)[number]
  | (typeof mathFunctionNames)[number];

const functionNames: ReadonlySet<string> = new Set([
  ...stringFunctionNames,
  ...dateFunctionNames,
  ...mathFunctionNames,
]);

/** OData functions this service recognizes but does not implement. */
const unsupportedFunctionNames: ReadonlySet<string> = new Set([
  "cast",
  "isof",
  "case",
  "hassubset",
  "hassubsequence",
  "totalseconds",
]);

export function isFunctionName(lowerName: string): lowerName is FunctionName {
  return functionNames.has(lowerName);
}

export function isUnsupportedFunctionName(lowerName: string): boolean {
  return unsupportedFunctionNames.has(lowerName);
}
