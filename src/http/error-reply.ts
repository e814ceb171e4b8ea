/**
 * Turns any thrown value into an ApiError and sends it in Graph's error
 * format. Client mistakes that Fastify detects itself are mapped here too,
 * so no client mistake becomes a 500.
 */
import { ApiError, apiErrors } from "../errors.ts";
import type { Limits } from "../settings.ts";
import { isStoreUnavailable } from "../store/unavailable.ts";
import {
  clientRequestIdOf,
  type ApiReply,
  type ApiRequest,
} from "./exchange.ts";
import { errorContentType } from "./graph-headers.ts";

/** Maps an error thrown while serving a request to the ApiError to send. */
export function toApiError(error: unknown, limits: Limits): ApiError {
  if (error instanceof ApiError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  switch (code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return apiErrors.tooLarge(
        `The request body is larger than the maxBodyBytes setting ` +
          `(${limits.maxBodyBytes} bytes). Send a smaller body, such as ` +
          `fewer items per request.`,
      );
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
      return apiErrors.bodyRead(
        "The Content-Length header does not match the body sent.",
      );
    case "FST_ERR_BAD_URL":
      return apiErrors.badRequest(
        "The request URL is malformed. Percent-encode reserved characters.",
      );
    // PostgreSQL's invalid_regular_expression: its regex syntax differs
    // from ECMAScript's, which matchesPattern patterns are checked against.
    case "2201B":
      return apiErrors.badRequest(
        `PostgreSQL rejected the pattern of 'matchesPattern': ` +
          `${(error as Error).message}. Use POSIX regular expression ` +
          `syntax on this store.`,
      );
  }
  if (isStoreUnavailable(error)) {
    return apiErrors.serviceUnavailable(
      "The database is not reachable right now. Retry the request later.",
      storeRetryAfterSeconds,
      error,
    );
  }
  return apiErrors.internal(error);
}

/** Seconds a client waits before retrying while the database is away. */
const storeRetryAfterSeconds = 5;

/** Formats a date the way Graph's innerError does: UTC, no zone, no fraction. */
export function graphErrorDate(date: Date): string {
  return date.toISOString().slice(0, 19);
}

/** Builds the Graph error body for a request. */
export function errorBody(
  error: ApiError,
  requestId: string,
  clientRequestId: string,
) {
  return {
    error: {
      code: error.code,
      message: error.message,
      innerError: {
        date: graphErrorDate(new Date()),
        "request-id": requestId,
        "client-request-id": clientRequestId,
      },
    },
  };
}

/** Logs an error (5xx at error level with its cause, 4xx at info) and sends it. */
export function sendError(
  request: ApiRequest,
  reply: ApiReply,
  error: ApiError,
): ApiReply {
  if (error.status >= 500) {
    request.log.error(
      { err: error.cause ?? error, code: error.code },
      "request failed",
    );
  } else {
    request.log.info(
      { code: error.code, reason: error.message },
      "request rejected",
    );
  }
  const body = errorBody(error, request.id, clientRequestIdOf(request));
  return (
    reply
      .code(error.status)
      .headers(error.headers)
      .header("Content-Type", errorContentType)
      // A Buffer, because Fastify appends "; charset=utf-8" to string bodies
      // and Graph sends the bare media type.
      .send(Buffer.from(JSON.stringify(body)))
  );
}
