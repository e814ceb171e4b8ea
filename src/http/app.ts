/**
 * The Fastify application: common Graph headers, CORS, raw body capture,
 * one dispatcher for everything under `/beta` (also used by the inner
 * requests of a batch), health endpoints, the OpenAPI description and the
 * error handler.
 */
import { randomUUID } from "node:crypto";
import type { Socket } from "node:net";

import Fastify, {
  LogController,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
} from "fastify";

import { apiErrors, type ApiError } from "../errors.ts";
import type { Services } from "./context.ts";
import { corsHeaders, preflightHeaders } from "./cors.ts";
import {
  checkUrlLength,
  dispatchRequest,
  logCompleted,
  pathOf,
  type Resolver,
} from "./dispatch.ts";
import { sendError, toApiError } from "./error-reply.ts";
import {
  ApiReply,
  apiRequestOf,
  commonHeaders,
  sendReply,
} from "./exchange.ts";
import { baseUrl } from "./links.ts";
import { requestLoggerFactory } from "./request-logger.ts";
import { buildOpenApiDocument } from "./openapi/openapi-document.ts";
import { resolveHistoryResource, resolveResource } from "./router.ts";

export interface AppOptions extends Omit<Services, "log"> {
  /** Fastify's logger setting: a pino instance, options, or false. */
  readonly logger?: FastifyServerOptions["loggerInstance"] | boolean;
  /**
   * Origins that get CORS headers, normalized by `parseOrigin`; `*` allows
   * any origin without credentials. None by default: no CORS headers.
   */
  readonly corsOrigins?: readonly string[];
  readonly https?: {
    readonly key: string | Buffer;
    readonly cert: string | Buffer;
  };
}

/** Builds the application; the caller listens or injects requests. */
export function buildApp(options: AppOptions): FastifyInstance {
  const app = Fastify({
    ...(typeof options.logger === "object"
      ? { loggerInstance: options.logger }
      : { logger: options.logger ?? false }),
    ...(options.https === undefined ? {} : { https: options.https }),
    genReqId: () => randomUUID(),
    childLoggerFactory: requestLoggerFactory,
    // One line per request is logged in onResponse, with the fields below.
    logController: new LogController({
      requestIdLogLabel: "request-id",
      disableRequestLogging: true,
    }),
    bodyLimit: options.limits.maxBodyBytes,
    // Requests that arrive while closing get a Graph 503 from onRequest.
    return503OnClosing: false,
    // Malformed URLs fail before any route runs; render them as Graph errors.
    frameworkErrors: (error, request, reply) => {
      reply.headers(commonHeaders(apiRequestOf(request)));
      sendFastifyError(reply, request, toApiError(error, options.limits));
    },
    clientErrorHandler: answerClientError,
  }) as unknown as FastifyInstance;
  const services: Services = {
    store: options.store,
    limits: options.limits,
    publicUrl: options.publicUrl,
    authenticator: options.authenticator,
    throttle: options.throttle,
    log: app.log,
  };

  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer" }, (_request, body, done) =>
    done(null, body),
  );

  let closing = false;
  app.addHook("preClose", async () => {
    closing = true;
  });

  const corsOrigins = options.corsOrigins ?? [];
  app.addHook("onRequest", async (request, reply) => {
    reply.headers(commonHeaders(apiRequestOf(request)));
    if (closing) {
      throw apiErrors.serviceUnavailable(
        "The service is shutting down. Retry the request; another instance " +
          "or the restarted service will answer it.",
        1,
      );
    }
    // CORS headers come first so that a browser can read every error too.
    if (corsOrigins.length > 0 && applyCors(corsOrigins, request, reply)) {
      return reply.code(204).headers(preflightHeaders()).send();
    }
    checkUrlLength(request.url, services);
    return undefined;
  });

  app.addHook("onResponse", async (request, reply) => {
    logCompleted(request.log, request, reply.statusCode, reply.elapsedTime);
  });

  app.setErrorHandler((error, request, reply) =>
    sendFastifyError(reply, request, toApiError(error, services.limits)),
  );
  app.setNotFoundHandler((request, reply) => {
    const [segment = ""] = pathOf(request.url).split("/").filter(Boolean);
    sendFastifyError(reply, request, apiErrors.segmentNotFound(segment));
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

  // The OpenAPI description lives outside /beta and needs no token, like
  // $metadata, so that tools can read it before they have one.
  app.get("/openapi.json", async (request, reply) => {
    const document = buildOpenApiDocument(baseUrl(request, services.publicUrl));
    return reply.type("application/json").send(JSON.stringify(document));
  });

  const dispatch = (request: FastifyRequest, reply: FastifyReply) =>
    dispatchHttp(services, request, reply, "/beta", resolveResource);
  app.all("/beta", dispatch);
  app.all("/beta/*", dispatch);
  // The version history lives outside /beta so it never collides with Graph.
  app.all("/history/*", (request, reply) =>
    dispatchHttp(services, request, reply, "/history", resolveHistoryResource),
  );
  return app;
}

/**
 * Answers requests that the HTTP parser rejects (bad bytes, unknown
 * methods, headers over Node's 16 KiB limit) with a Graph error body.
 * No request exists yet, so there is no request-id to log or send.
 */
function answerClientError(
  error: Error & { code?: string },
  socket: Socket,
): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const tooLarge = error.code === "HPE_HEADER_OVERFLOW";
  const status = tooLarge
    ? "431 Request Header Fields Too Large"
    : "400 Bad Request";
  const message = tooLarge
    ? "The request line and headers are larger than 16 KiB. Shorten the URL."
    : "The request is not valid HTTP/1.1. Check the method, headers and body framing.";
  const body = JSON.stringify({
    error: {
      code: "BadRequest",
      message,
      innerError: { date: new Date().toISOString().slice(0, 19) },
    },
  });
  socket.end(
    `HTTP/1.1 ${status}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** Runs a request that came over HTTP through the shared dispatch path. */
async function dispatchHttp(
  services: Services,
  request: FastifyRequest,
  reply: FastifyReply,
  prefix: string,
  resolve: Resolver,
): Promise<FastifyReply> {
  const apiRequest = apiRequestOf(request);
  const result = await dispatchRequest(services, apiRequest, prefix, resolve);
  // The completion line then carries the caller that dispatch added.
  request.log = apiRequest.log;
  return sendReply(reply, result);
}

/** Sends an error that Fastify raised before or outside dispatch. */
function sendFastifyError(
  reply: FastifyReply,
  request: FastifyRequest,
  error: ApiError,
): FastifyReply {
  const apiRequest = apiRequestOf(request);
  const result = new ApiReply().headers(commonHeaders(apiRequest));
  return sendReply(reply, sendError(apiRequest, result, error));
}

/**
 * Adds CORS headers for an allowed Origin and returns whether the request is
 * its preflight (`OPTIONS` with `Access-Control-Request-Method`), which the
 * caller answers with 204. Requests from other origins get no CORS headers
 * and are served as usual.
 */
function applyCors(
  allowedOrigins: readonly string[],
  request: FastifyRequest,
  reply: FastifyReply,
): boolean {
  const origin = request.headers.origin;
  if (typeof origin !== "string") return false;
  reply.header("Vary", "Origin");
  const headers = corsHeaders(allowedOrigins, origin);
  if (headers === undefined) return false;
  reply.headers(headers);
  return (
    request.method === "OPTIONS" &&
    request.headers["access-control-request-method"] !== undefined
  );
}
