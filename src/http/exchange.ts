/**
 * The request and reply that route handlers work with. A request that
 * arrives over HTTP and an inner request of a JSON batch both become an
 * ApiRequest and take the same dispatch path. The ApiReply is then written
 * to the socket or into the batch response.
 */
import type { IncomingHttpHeaders } from "node:http";

import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from "fastify";

import { odataVersion } from "./graph-headers.ts";

export interface ApiRequest {
  readonly id: string;
  /** Upper-case method name, such as `GET`. */
  readonly method: string;
  /** Path and query, such as `/beta/deviceManagement/remoteActionAudits?$top=2`. */
  readonly url: string;
  /** Request headers with lowercase names. */
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer | undefined;
  /** Scheme and host the request came to, for links without a public URL. */
  readonly protocol: string;
  readonly host: string;
  /** Logger bound to this request's request-id; dispatch adds the caller. */
  log: FastifyBaseLogger;
}

export type ReplyBody = string | Buffer;

/**
 * A reply under construction: status, headers and body. Its methods are
 * named as on Fastify's reply, so handlers read the same either way.
 * Header names are matched ignoring case; the spelling of the first
 * `header()` call for a name is kept.
 */
export class ApiReply {
  statusCode = 200;
  body: ReplyBody | undefined;
  readonly #headers = new Map<string, { name: string; value: string }>();

  code(status: number): this {
    this.statusCode = status;
    return this;
  }

  header(name: string, value: string | number): this {
    const key = name.toLowerCase();
    const spelled = this.#headers.get(key)?.name ?? name;
    this.#headers.set(key, { name: spelled, value: String(value) });
    return this;
  }

  headers(values: Readonly<Record<string, string>>): this {
    for (const [name, value] of Object.entries(values))
      this.header(name, value);
    return this;
  }

  getHeader(name: string): string | undefined {
    return this.#headers.get(name.toLowerCase())?.value;
  }

  /** Sets the `Content-Type` header. */
  type(contentType: string): this {
    return this.header("Content-Type", contentType);
  }

  send(body?: ReplyBody): this {
    this.body = body;
    return this;
  }

  /** Returns the headers as set, each spelled as in its first `header()` call. */
  headerEntries(): [string, string][] {
    return [...this.#headers.values()].map(({ name, value }) => [name, value]);
  }
}

/** Wraps a Fastify request; its body is the raw buffer the app captures. */
export function apiRequestOf(request: FastifyRequest): ApiRequest {
  return {
    id: request.id,
    method: request.method,
    url: request.url,
    headers: request.headers,
    body: Buffer.isBuffer(request.body) ? request.body : undefined,
    protocol: request.protocol,
    host: request.host,
    log: request.log,
  };
}

/** Writes a finished reply to Fastify, which sends it. */
export function sendReply(reply: FastifyReply, result: ApiReply): FastifyReply {
  reply.code(result.statusCode);
  for (const [name, value] of result.headerEntries()) reply.header(name, value);
  return reply.send(result.body);
}

/** Returns the request's `client-request-id`, or its request-id when it has none. */
export function clientRequestIdOf(request: ApiRequest): string {
  const header = request.headers["client-request-id"];
  return typeof header === "string" ? header : request.id;
}

/** Headers that every response carries: request-id, client-request-id, OData-Version. */
export function commonHeaders(request: ApiRequest): Record<string, string> {
  return {
    "request-id": request.id,
    "client-request-id": clientRequestIdOf(request),
    "OData-Version": odataVersion,
  };
}
