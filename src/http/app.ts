/**
 * The Fastify application: common Graph headers, raw body capture, one
 * dispatcher for everything under `/beta`, health endpoints and the error
 * handler.
 */
import { randomUUID } from "node:crypto";

import Fastify, {
  LogController,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
} from "fastify";

import { anonymousPrincipal } from "../auth/principal.ts";
import { checkPermission } from "../auth/permissions.ts";
import { apiErrors } from "../errors.ts";
import { checkAccept } from "./accept.ts";
import type { Method, RouteContext, Services } from "./context.ts";
import { sendError, toApiError } from "./error-reply.ts";
import { odataVersion } from "./graph-headers.ts";
import { baseUrl } from "./links.ts";
import { parsePrefer } from "./prefer.ts";
import {
  allowedMethods,
  resolveHistoryResource,
  resolveResource,
  type Resource,
} from "./router.ts";

export interface AppOptions extends Services {
  /** Fastify's logger setting: a pino instance, options, or false. */
  readonly logger?: FastifyServerOptions["loggerInstance"] | boolean;
  readonly https?: {
    readonly key: string | Buffer;
    readonly cert: string | Buffer;
  };
}

/** Builds the application; the caller listens or injects requests. */
export function buildApp(options: AppOptions): FastifyInstance {
  const services: Services = {
    store: options.store,
    limits: options.limits,
    publicUrl: options.publicUrl,
    authenticator: options.authenticator,
    throttle: options.throttle,
  };
  const app = Fastify({
    ...(typeof options.logger === "object"
      ? { loggerInstance: options.logger }
      : { logger: options.logger ?? false }),
    ...(options.https === undefined ? {} : { https: options.https }),
    genReqId: () => randomUUID(),
    // One line per request is logged in onResponse, with the fields below.
    logController: new LogController({
      requestIdLogLabel: "request-id",
      disableRequestLogging: true,
    }),
    bodyLimit: options.limits.maxBodyBytes,
    return503OnClosing: true,
  }) as unknown as FastifyInstance;

  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer" }, (_request, body, done) =>
    done(null, body),
  );

  app.addHook("onRequest", async (request, reply) => {
    const clientRequestId = request.headers["client-request-id"];
    reply.header("request-id", request.id);
    reply.header(
      "client-request-id",
      typeof clientRequestId === "string" ? clientRequestId : request.id,
    );
    reply.header("OData-Version", odataVersion);
    if (request.url.length > services.limits.maxUrlLength) {
      throw apiErrors.badRequest(
        `The request URL has ${request.url.length} characters, more than ` +
          `the maxUrlLength setting (${services.limits.maxUrlLength}).`,
      );
    }
  });

  app.addHook("onResponse", async (request, reply) => {
    request.log.info(
      {
        method: request.method,
        url: request.url,
        status: reply.statusCode,
        durationMs: Math.round(reply.elapsedTime),
      },
      "request completed",
    );
  });

  app.setErrorHandler((error, request, reply) =>
    sendError(request, reply, toApiError(error, services.limits)),
  );
  app.setNotFoundHandler((request, reply) => {
    const [segment = ""] = pathOf(request.url).split("/").filter(Boolean);
    sendError(request, reply, apiErrors.segmentNotFound(segment));
  });

  app.get("/healthz", async (_request, reply) =>
    reply.type("application/json").send({ status: "ok" }),
  );
  app.get("/readyz", async (request, reply) => {
    try {
      await services.store.ping();
    } catch (error) {
      request.log.error({ err: error }, "readiness check failed");
      throw apiErrors.serviceUnavailable("The store does not answer.", 5);
    }
    return reply.type("application/json").send({ status: "ready" });
  });

  const dispatch = (request: FastifyRequest, reply: FastifyReply) =>
    dispatchRequest(services, request, reply, "/beta", resolveResource);
  app.all("/beta", dispatch);
  app.all("/beta/*", dispatch);
  // The version history lives outside /beta so it never collides with Graph.
  app.all("/history/*", (request, reply) =>
    dispatchRequest(
      services,
      request,
      reply,
      "/history",
      resolveHistoryResource,
    ),
  );
  return app;
}

function pathOf(url: string): string {
  const question = url.indexOf("?");
  return question < 0 ? url : url.slice(0, question);
}

/**
 * Resolves the resource of a request under `prefix`, then authenticates,
 * authorizes and throttles it before its handler runs.
 */
async function dispatchRequest(
  services: Services,
  request: FastifyRequest,
  reply: FastifyReply,
  prefix: string,
  resolve: (segments: readonly string[]) => Resource,
): Promise<unknown> {
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

  let principal = anonymousPrincipal;
  if (operation.access !== "anonymous") {
    principal = await services.authenticator.authenticate(
      request.headers.authorization,
      request.log,
    );
    checkPermission(principal, operation.access);
    services.throttle.take(principal, operation.access);
    if (!principal.anonymous) {
      request.log = request.log.child({
        subject: principal.subject,
        appId: principal.appId,
      });
    }
  }

  checkAccept(request.headers.accept, resource.produces);
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
  return operation.run(context);
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
