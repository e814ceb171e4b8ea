/**
 * Syntax-only checks of whole query strings and of `$select`, with no
 * entity type: the entry point for grammar conformance tests. Requests
 * go through `query-options.ts`, which also binds names to the model.
 */
import { apiErrors } from "../../errors.ts";
import { splitQuery } from "../query-options.ts";
import { noParseLimits, parseExpression, parseOrderBy } from "./parser.ts";
import { parseSearch } from "./search-parser.ts";

const selectItem =
  /^(?:\*|[A-Za-z_][A-Za-z0-9_.]*(?:\/[A-Za-z_][A-Za-z0-9_.]*)*(?:\([A-Za-z_][A-Za-z0-9_]*(?:,[A-Za-z_][A-Za-z0-9_]*)*\))?)$/;

/** Checks `$select` items: `*`, paths, or functions with parameter names. */
export function checkSelectSyntax(text: string): void {
  const items: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i <= text.length; i++) {
    const character = text[i];
    if (character === "(") depth++;
    if (character === ")") depth--;
    if ((character === "," && depth === 0) || i === text.length) {
      items.push(text.slice(start, i));
      start = i + 1;
    }
  }
  const bad = items.find((item) => !selectItem.test(item));
  if (bad !== undefined) {
    throw apiErrors.badRequest(`Invalid select clause: '${bad}' in '${text}'.`);
  }
}

/** Checks the syntax of every system query option in a raw query string. */
export function checkQuerySyntax(query: string): void {
  for (const [name, value] of splitQuery(query)) {
    if (name.startsWith("@")) {
      parseExpression(value, noParseLimits, "alias");
      continue;
    }
    const option = name.replace(/^\$/, "").toLowerCase();
    switch (option) {
      case "filter":
        parseExpression(value, noParseLimits);
        break;
      case "orderby":
        parseOrderBy(value, noParseLimits);
        break;
      case "search":
        parseSearch(value, noParseLimits);
        break;
      case "select":
        checkSelectSyntax(value);
        break;
      case "top":
      case "skip":
        if (!/^\d+$/.test(value)) throw syntaxError(name, value);
        break;
      case "count":
        if (!/^(true|false)$/i.test(value)) throw syntaxError(name, value);
        break;
      default:
        if (name.startsWith("$")) throw syntaxError(name, value);
    }
  }
}

function syntaxError(name: string, value: string): Error {
  return apiErrors.badRequest(`Invalid query option '${name}=${value}'.`);
}
