/** Absolute URLs in responses: context URLs, next links and Location. */
export const collectionPath = "deviceManagement/remoteActionAudits";

/**
 * The base URL of the service: the configured public URL, or the scheme and
 * host the request came to. Graph clients follow only absolute links.
 */
export function baseUrl(
  request: { readonly protocol: string; readonly host: string },
  publicUrl?: string,
): string {
  if (publicUrl !== undefined) return publicUrl.replace(/\/+$/, "");
  return `${request.protocol}://${request.host}`;
}

export function serviceRoot(base: string): string {
  return `${base}/beta`;
}

/** `…/$metadata#deviceManagement/remoteActionAudits(a,b)/$entity` */
export function contextUrl(
  base: string,
  options: { select?: readonly string[]; entity?: boolean } = {},
): string {
  const projection =
    options.select === undefined ? "" : `(${options.select.join(",")})`;
  const entity = options.entity === true ? "/$entity" : "";
  return `${serviceRoot(base)}/$metadata#${collectionPath}${projection}${entity}`;
}

export function entityUrl(base: string, id: string): string {
  return `${serviceRoot(base)}/${collectionPath}/${encodeURIComponent(id)}`;
}

/**
 * A next link: the collection URL with the request's options repeated,
 * percent-encoded so that no `{`, `}` or space reaches the client, and the
 * new `$skiptoken` last.
 */
export function nextLink(
  base: string,
  repeated: readonly (readonly [string, string])[],
  skipToken: string,
): string {
  const parts = repeated.map(
    ([name, value]) =>
      `${encodeURIComponent(name)}=${encodeURIComponent(value)}`,
  );
  parts.push(`$skiptoken=${encodeURIComponent(skipToken)}`);
  const query = parts.join("&").replace(/%24/g, "$");
  return `${serviceRoot(base)}/${collectionPath}?${query}`;
}
