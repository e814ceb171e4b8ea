/**
 * Microsoft's two Graph JavaScript clients set up against a local service:
 * the classic `@microsoft/microsoft-graph-client` 3.0.7 and a Kiota request
 * adapter from `@microsoft/msgraph-beta-sdk`. Both send through a
 * LocalFetch, which trusts the service's self-signed certificate and
 * rejects any host that is not this machine.
 */
import assert from "node:assert/strict";

import {
  AllowedHostsValidator,
  BaseBearerTokenAuthenticationProvider,
  type AccessTokenProvider,
  type RequestAdapter,
} from "@microsoft/kiota-abstractions";
import {
  Client,
  HTTPMessageHandler,
  MiddlewareFactory,
  type Context,
  type Middleware,
} from "@microsoft/microsoft-graph-client";
import { GraphBetaRequestAdapter } from "@microsoft/msgraph-beta-sdk";
import { createGraphClientFactory } from "@microsoft/msgraph-sdk-core";

import type { FetchFunction, LocalFetch } from "./local-fetch.ts";
import type { ServiceProcess } from "./service-process.ts";

/** The classic client's last middleware, sending with a given fetch. */
class LocalFetchHandler implements Middleware {
  readonly #fetch: FetchFunction;

  constructor(fetchFunction: FetchFunction) {
    this.#fetch = fetchFunction;
  }

  async execute(context: Context): Promise<void> {
    context.response = await this.#fetch(
      context.request,
      context.options as RequestInit,
    );
  }
}

/**
 * Creates the classic client with its default middleware chain, except that
 * the last handler calls the local fetch. The client sends the token only to
 * custom hosts: 127.0.0.1 by default, none when null.
 */
export function createClassicClient(
  service: ServiceProcess,
  localFetch: LocalFetch,
  token: string,
  customHosts: Set<string> | null = new Set(["127.0.0.1"]),
): Client {
  const chain = MiddlewareFactory.getDefaultMiddlewareChain({
    getAccessToken: async () => token,
  });
  const last = chain.length - 1;
  assert.ok(
    chain[last] instanceof HTTPMessageHandler,
    "the default chain ends with HTTPMessageHandler",
  );
  chain[last] = new LocalFetchHandler(localFetch.fetch);
  return Client.initWithMiddleware({
    middleware: chain,
    baseUrl: service.origin,
    defaultVersion: "beta",
    ...(customHosts === null ? {} : { customHosts }),
  });
}

/** Returns a fixed token for https URLs on the allowed hosts only. */
class StaticTokenProvider implements AccessTokenProvider {
  readonly #token: string;
  readonly #validator: AllowedHostsValidator;

  constructor(token: string, allowedHosts: Set<string>) {
    this.#token = token;
    this.#validator = new AllowedHostsValidator(allowedHosts);
  }

  async getAuthorizationToken(url?: string): Promise<string> {
    if (url === undefined || !url.startsWith("https://")) return "";
    return this.#validator.isUrlHostValid(url) ? this.#token : "";
  }

  getAllowedHostsValidator(): AllowedHostsValidator {
    return this.#validator;
  }
}

/** Creates a Kiota request adapter whose base URL is the service root. */
export function createKiotaAdapter(
  service: ServiceProcess,
  localFetch: LocalFetch,
  token: string,
): RequestAdapter {
  const authentication = new BaseBearerTokenAuthenticationProvider(
    new StaticTokenProvider(token, new Set(["127.0.0.1"])),
  );
  const httpClient = createGraphClientFactory(
    { graphServiceTargetVersion: "beta" },
    localFetch.fetch,
  );
  const adapter = new GraphBetaRequestAdapter(
    authentication,
    undefined,
    undefined,
    httpClient,
  );
  adapter.baseUrl = `${service.origin}/beta`;
  return adapter;
}
