/**
 * The catalog of every error the API returns: HTTP status, Graph
 * `error.code` and the message. Any layer throws these; `http/error-reply.ts`
 * renders them in Graph's error format.
 */

export type ErrorCode =
  | "BadRequest"
  | "RequestBodyRead"
  | "InvalidAuthenticationToken"
  | "Forbidden"
  | "ResourceNotFound"
  | "MethodNotAllowed"
  | "NotAcceptable"
  | "Conflict"
  | "PreconditionFailed"
  | "RequestEntityTooLarge"
  | "UnsupportedMediaType"
  | "FailedDependency"
  | "TooManyRequests"
  | "InternalServerError"
  | "ServiceUnavailable";

/** Status and Graph code of each catalog entry, in the README's order. */
export const errorStatus: Readonly<Record<ErrorCode, number>> = {
  BadRequest: 400,
  RequestBodyRead: 400,
  InvalidAuthenticationToken: 401,
  Forbidden: 403,
  ResourceNotFound: 404,
  MethodNotAllowed: 405,
  NotAcceptable: 406,
  Conflict: 409,
  PreconditionFailed: 412,
  RequestEntityTooLarge: 413,
  UnsupportedMediaType: 415,
  FailedDependency: 424,
  TooManyRequests: 429,
  InternalServerError: 500,
  ServiceUnavailable: 503,
};

export class ApiError extends Error {
  readonly status: number;
  readonly code: ErrorCode;
  /** Extra response headers, such as `Allow` or `Retry-After`. */
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    code: ErrorCode,
    message: string,
    options: { headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "ApiError";
    this.code = code;
    this.status = errorStatus[code];
    this.headers = options.headers ?? {};
  }
}

/** Quotes a client value for a message, shortened so a message stays short. */
export function quote(value: unknown): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  const shown = text.length > 200 ? `${text.slice(0, 200)}…` : text;
  return `'${shown}'`;
}

export const apiErrors = {
  /** A malformed or unsupported query option or URL. */
  badRequest: (message: string) => new ApiError("BadRequest", message),

  /** A request body that is not valid JSON or not a valid entity. */
  bodyRead: (message: string) => new ApiError("RequestBodyRead", message),

  segmentNotFound: (segment: string) =>
    new ApiError(
      "BadRequest",
      `Resource not found for the segment ${quote(segment)}.`,
    ),

  recordNotFound: (id: string) =>
    new ApiError(
      "ResourceNotFound",
      `No remoteActionAudit has the id ${quote(id)}.`,
    ),

  historyNotFound: (id: string) =>
    new ApiError(
      "ResourceNotFound",
      `No version history exists for the id ${quote(id)}. Records keep ` +
        `their history after deletion, so the id was never used.`,
    ),

  methodNotAllowed: (method: string, path: string, allowed: string[]) =>
    new ApiError(
      "MethodNotAllowed",
      `The method '${method}' is not allowed on '${path}'. ` +
        `Allowed methods: ${allowed.join(", ")}.`,
      { headers: { Allow: allowed.join(", ") } },
    ),

  notAcceptable: (accept: string, produced: readonly string[]) =>
    new ApiError(
      "NotAcceptable",
      `The Accept header ${quote(accept)} allows none of the formats of ` +
        `this resource: ${produced.join(", ")}. Accept one of them.`,
    ),

  duplicateId: (id: string) =>
    new ApiError(
      "Conflict",
      `A remoteActionAudit with the id ${quote(id)} already exists. ` +
        `Omit the id to have one generated, or PATCH the existing record.`,
    ),

  tooLarge: (message: string) => new ApiError("RequestEntityTooLarge", message),

  unsupportedMediaType: (contentType: string | undefined) =>
    new ApiError(
      "UnsupportedMediaType",
      `The Content-Type ${quote(contentType ?? "(none)")} is not supported. ` +
        `Send the body as 'Content-Type: application/json'.`,
    ),

  /** A batch request whose dependency or atomicity group failed. */
  failedDependency: (message: string) =>
    new ApiError("FailedDependency", message),

  serviceUnavailable: (
    message: string,
    retryAfterSeconds: number,
    cause?: unknown,
  ) =>
    new ApiError("ServiceUnavailable", message, {
      headers: { "Retry-After": String(retryAfterSeconds) },
      cause,
    }),

  internal: (cause: unknown) =>
    new ApiError(
      "InternalServerError",
      "The service failed to process the request. " +
        "The log has the details under this request-id.",
      { cause },
    ),
};
