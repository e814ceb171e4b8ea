/**
 * CORS for browser clients (Fetch standard, "CORS protocol"). Only the
 * configured origins get CORS headers. A listed origin is echoed with
 * `Access-Control-Allow-Credentials: true`; the wildcard `*` is sent
 * without it, because browsers reject `*` together with credentials.
 */

/** Response headers a browser script may read. */
export const exposedHeaders = [
  "request-id",
  "client-request-id",
  "ETag",
  "Location",
  "Preference-Applied",
  "OData-Version",
  "OData-EntityId",
  "Retry-After",
  "WWW-Authenticate",
];

/** Request headers a preflight allows: those Graph's JavaScript SDKs send. */
export const allowedRequestHeaders = [
  "Authorization",
  "Content-Type",
  "Accept",
  "Prefer",
  "If-Match",
  "If-None-Match",
  "client-request-id",
  "return-client-request-id",
  "SdkVersion",
  "ConsistencyLevel",
  "OData-Version",
  "OData-MaxVersion",
];

export const allowedMethods = ["GET", "POST", "PATCH", "DELETE", "OPTIONS"];

/** Seconds a browser may cache the response to a preflight. */
export const preflightMaxAgeSeconds = 600;

/**
 * Normalizes an origin setting: `*`, or `scheme://host[:port]` without a
 * path. Throws a message for anything else.
 */
export function parseOrigin(text: string): string {
  if (text === "*") return text;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(
      `'${text}' is not an origin such as https://app.example.com`,
    );
  }
  const bare = url.pathname === "/" && url.search === "" && url.hash === "";
  if (!/^https?:$/.test(url.protocol) || !bare || text.endsWith("/")) {
    throw new Error(
      `'${text}' is not an origin: use scheme://host[:port] without a path`,
    );
  }
  return url.origin;
}

/**
 * Returns the CORS headers of a response to a request from `origin`, or
 * undefined when the origin is not allowed.
 */
export function corsHeaders(
  allowedOrigins: readonly string[],
  origin: string,
): Record<string, string> | undefined {
  const common = { "Access-Control-Expose-Headers": exposedHeaders.join(", ") };
  if (allowedOrigins.includes(normalize(origin))) {
    return {
      "Access-Control-Allow-Origin": origin,
      "Access-Control-Allow-Credentials": "true",
      ...common,
    };
  }
  if (allowedOrigins.includes("*")) {
    return { "Access-Control-Allow-Origin": "*", ...common };
  }
  return undefined;
}

/** Returns the extra headers of a preflight response. */
export function preflightHeaders(): Record<string, string> {
  return {
    "Access-Control-Allow-Methods": allowedMethods.join(", "),
    "Access-Control-Allow-Headers": allowedRequestHeaders.join(", "),
    "Access-Control-Max-Age": String(preflightMaxAgeSeconds),
  };
}

function normalize(origin: string): string {
  try {
    return new URL(origin).origin;
  } catch {
    return origin;
  }
}
