/**
 * The one path every API request takes, whether it came over HTTP or inside
 * a JSON batch: route, authenticate, check the permission, charge the
 * throttle, negotiate the media type, run the handler, and turn any error
 * into a Graph error reply.
 */
import type { FastifyBaseLogger } from "fastify";

import { anonymousPrincipal, type Principal } from "../auth/principal.ts";
import { checkPermission } from "../auth/permissions.ts";
import { apiErrors } from "../errors.ts";
import { checkAccept } from "./accept.ts";
import type { Method, RouteContext, Services } from "./context.ts";
import { sendError, toApiError } from "./error-reply.ts";
import { ApiReply, commonHeaders, type ApiRequest } from "./exchange.ts";
import { baseUrl } from "./links.ts";
import { parsePrefer } from "./prefer.ts";
import { allowedMethods, type Operation, type Resource } from "./router.ts";

/** Resolves the decoded path segments after a prefix to a resource. */
export type Resolver = (segments: readonly string[]) => Resource;

/**
 * Runs a request under `prefix` (such as `/beta`) and returns its reply,
 * an error reply included. Never throws for a client or store error.
 */
export async function dispatchRequest(
  services: Services,
  request: ApiRequest,
  prefix: string,
  resolve: Resolver,
): Promise<ApiReply> {
  const reply = new ApiReply().headers(commonHeaders(request));
  try {
    checkUrlLength(request.url, services);
    await runOperation(services, request, reply, prefix, resolve);
  } catch (error) {
    sendError(request, reply, toApiError(error, services.limits));
  }
  return reply;
}

async function runOperation(
  services: Services,
  request: ApiRequest,
  reply: ApiReply,
  prefix: string,
  resolve: Resolver,
): Promise<void> {
  const url = request.url;
  const question = url.indexOf("?");
  const path = pathOf(url);
  const segments = path
    .slice(prefix.length)
    .split("/")
    .filter((segment) => segment !== "")
    .map(decodeSegment);

  const resource = resolve(segments);
  const operation = resource.methods[request.method as Method];
  if (operation === undefined) {
    throw apiErrors.methodNotAllowed(
      request.method,
      path,
      allowedMethods(resource),
    );
  }

  const principal = await admit(services, request, operation);
  checkAccept(headerText(request, "accept"), resource.produces);
  const context: RouteContext = {
    request,
    reply,
    services,
    prefer: parsePrefer(request.headers.prefer),
    base: baseUrl(request, services.publicUrl),
    query: question < 0 ? "" : url.slice(question + 1),
    receivedAt: new Date(),
    principal,
  };
  await operation.run(context);
}

/**
 * Authenticates the caller, checks the operation's permission and charges
 * the throttle. An "authenticated" operation (the batch envelope) needs a
 * valid token only; its inner requests are checked and charged one by one.
 */
async function admit(
  services: Services,
  request: ApiRequest,
  operation: Operation,
): Promise<Principal> {
  if (operation.access === "anonymous") return anonymousPrincipal;
  const principal = await services.authenticator.authenticate(
    headerText(request, "authorization"),
    request.log,
  );
  // The caller is named on every later line, also on a 403 or 429.
  if (!principal.anonymous) {
    request.log = request.log.child({
      subject: principal.subject,
      appId: principal.appId,
    });
  }
  if (operation.access !== "authenticated") {
    checkPermission(principal, operation.access);
    services.throttle.take(principal, operation.access);
  }
  return principal;
}

/** Throws 400 when the URL is longer than the maxUrlLength setting. */
export function checkUrlLength(url: string, services: Services): void {
  if (url.length <= services.limits.maxUrlLength) return;
  throw apiErrors.badRequest(
    `The request URL has ${url.length} characters, more than ` +
      `the maxUrlLength setting (${services.limits.maxUrlLength}).`,
  );
}

/** Logs the one line that ends every request. */
export function logCompleted(
  log: FastifyBaseLogger,
  request: { readonly method: string; readonly url: string },
  status: number,
  durationMs: number,
): void {
  log.info(
    {
      method: request.method,
      url: loggedUrl(request.url),
      status,
      durationMs: Math.round(durationMs),
    },
    "request completed",
  );
}

/** Characters of a URL kept in the log; longer ones are cut and marked. */
const maxLoggedUrlLength = 2048;

function loggedUrl(url: string): string {
  if (url.length <= maxLoggedUrlLength) return url;
  return `${url.slice(0, maxLoggedUrlLength)}… (${url.length} characters)`;
}

export function pathOf(url: string): string {
  const question = url.indexOf("?");
  return question < 0 ? url : url.slice(0, question);
}

/** One header as text; repeated headers are joined with commas. */
function headerText(request: ApiRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw apiErrors.badRequest(
      `The path segment '${segment}' has an invalid percent-encoding. ` +
        `Encode '%' as '%25'.`,
    );
  }
}
