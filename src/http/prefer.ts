/**
 * The `Prefer` request header (RFC 7240) as far as this API honors it.
 * Unknown preferences are ignored, as the RFC requires.
 */
export interface Preferences {
  readonly returnMinimal: boolean;
  readonly returnRepresentation: boolean;
  /** `odata.maxpagesize` or `maxpagesize`, with the spelling sent. */
  readonly maxPageSize?: { readonly name: string; readonly value: number };
  /** `odata.continue-on-error` or `continue-on-error`, as spelled. */
  readonly continueOnError?: string;
  readonly includeUnknownEnumMembers: boolean;
}

/** Reads every `Prefer` header of a request; later values win. */
export function parsePrefer(
  header: string | string[] | undefined,
): Preferences {
  const text = Array.isArray(header) ? header.join(",") : (header ?? "");
  const preferences = new Map<string, { name: string; value: string }>();
  for (const part of text.split(",")) {
    const [token = ""] = part.split(";");
    const equals = token.indexOf("=");
    const name = (equals < 0 ? token : token.slice(0, equals)).trim();
    const value = equals < 0 ? "" : token.slice(equals + 1).trim();
    if (name === "") continue;
    preferences.set(name.toLowerCase(), {
      name,
      value: value.replace(/^"(.*)"$/, "$1"),
    });
  }

  const returnValue = preferences.get("return")?.value.toLowerCase();
  const pageSize =
    preferences.get("odata.maxpagesize") ?? preferences.get("maxpagesize");
  const pageSizeValue = pageSize === undefined ? NaN : Number(pageSize.value);
  const continueOnError =
    preferences.get("odata.continue-on-error") ??
    preferences.get("continue-on-error");
  return {
    returnMinimal: returnValue === "minimal",
    returnRepresentation: returnValue === "representation",
    maxPageSize:
      pageSize !== undefined &&
      Number.isInteger(pageSizeValue) &&
      pageSizeValue > 0
        ? { name: pageSize.name, value: pageSizeValue }
        : undefined,
    continueOnError:
      continueOnError !== undefined &&
      continueOnError.value.toLowerCase() !== "false"
        ? continueOnError.name
        : undefined,
    includeUnknownEnumMembers: preferences.has("include-unknown-enum-members"),
  };
}
