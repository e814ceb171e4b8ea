/** What every route handler receives. */
import type { FastifyBaseLogger } from "fastify";

import type { Authenticator } from "../auth/authenticator.ts";
import type { Principal } from "../auth/principal.ts";
import type { Throttle } from "../auth/throttle.ts";
import type { Limits } from "../settings.ts";
import type { AuditStore } from "../store/store.ts";
import type { ApiReply, ApiRequest } from "./exchange.ts";
import type { Preferences } from "./prefer.ts";

/** Long-lived parts shared by all requests. */
export interface Services {
  readonly store: AuditStore;
  readonly limits: Limits;
  /** Base for absolute links, such as `https://audits.example.com`. */
  readonly publicUrl?: string;
  readonly authenticator: Authenticator;
  readonly throttle: Throttle;
  /** The application logger; each request logs through a child of it. */
  readonly log: FastifyBaseLogger;
}

export interface RouteContext {
  readonly request: ApiRequest;
  readonly reply: ApiReply;
  readonly services: Services;
  readonly prefer: Preferences;
  /** Base URL of absolute links, without a trailing slash. */
  readonly base: string;
  /** The raw query string, without the `?`. */
  readonly query: string;
  readonly receivedAt: Date;
  /** The caller; anonymous when authentication is off. */
  readonly principal: Principal;
}

export type Handler = (context: RouteContext) => Promise<unknown>;

export type Method = "GET" | "POST" | "PATCH" | "DELETE";
