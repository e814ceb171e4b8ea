import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import type { FastifyInstance } from "fastify";

import { createAuthenticator } from "../../src/auth/authenticator.ts";
import { defaultThrottleSettings, Throttle } from "../../src/auth/throttle.ts";
import { readServeOptions, UsageError } from "../../src/cli/serve-options.ts";
import { buildApp } from "../../src/http/app.ts";
import { defaultLimits } from "../../src/settings.ts";
import {
  base,
  collectionUrl,
  startTestService,
  testAuthSettings,
  type TestService,
} from "../helpers/service.ts";

const appOrigin = "https://app.example.com";
const exposed =
  "request-id, client-request-id, ETag, Location, Preference-Applied, " +
  "OData-Version, OData-EntityId, Retry-After, WWW-Authenticate";
const allowedHeaders =
  "Authorization, Content-Type, Accept, Prefer, If-Match, If-None-Match, " +
  "client-request-id, return-client-request-id, SdkVersion, " +
  "ConsistencyLevel, OData-Version, OData-MaxVersion";

/** Builds an app on the test service's store with the given CORS origins. */
function corsApp(service: TestService, corsOrigins: string[]) {
  return buildApp({
    store: service.store,
    limits: defaultLimits,
    publicUrl: base,
    authenticator: createAuthenticator(testAuthSettings, service.keys),
    throttle: new Throttle(defaultThrottleSettings),
    corsOrigins,
  });
}

const preflight = (origin: string, url = collectionUrl) => ({
  method: "OPTIONS" as const,
  url,
  headers: {
    origin,
    "access-control-request-method": "PATCH",
    "access-control-request-headers": "authorization, content-type, prefer",
  },
});

describe("CORS", () => {
  let service: TestService;
  let listed: FastifyInstance;
  let any: FastifyInstance;
  let token: string;
  before(async () => {
    service = await startTestService();
    listed = corsApp(service, [appOrigin, "http://localhost:3000"]);
    any = corsApp(service, ["*"]);
    token = await service.token();
  });
  after(async () => {
    await listed.close();
    await any.close();
    await service.close();
  });

  test("off by default", async () => {
    const response = await service.request({
      url: collectionUrl,
      headers: { origin: appOrigin },
    });
    assert.equal(response.status, 200);
    const corsHeaders = Object.keys(response.headers).filter((name) =>
      name.startsWith("access-control-"),
    );
    assert.deepEqual(corsHeaders, []);
    assert.equal(response.headers.vary, undefined);

    const options = await service.request(preflight(appOrigin));
    assert.equal(options.status, 405);
  });

  test("listed origin with credentials", async () => {
    const response = await listed.inject({
      url: collectionUrl,
      headers: { origin: appOrigin, authorization: `Bearer ${token}` },
    });
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers["access-control-allow-origin"], appOrigin);
    assert.equal(response.headers["access-control-allow-credentials"], "true");
    assert.equal(response.headers["access-control-expose-headers"], exposed);
    assert.equal(response.headers.vary, "Origin");
  });

  test("preflight of a listed origin", async () => {
    const response = await listed.inject(preflight("http://localhost:3000"));
    assert.equal(response.statusCode, 204);
    assert.equal(response.body, "");
    assert.equal(
      response.headers["access-control-allow-origin"],
      "http://localhost:3000",
    );
    assert.equal(response.headers["access-control-allow-credentials"], "true");
    assert.equal(
      response.headers["access-control-allow-methods"],
      "GET, POST, PATCH, DELETE, OPTIONS",
    );
    assert.equal(
      response.headers["access-control-allow-headers"],
      allowedHeaders,
    );
    assert.equal(response.headers["access-control-max-age"], "600");
    assert.match(String(response.headers["request-id"]), /^[0-9a-f-]{36}$/);
  });

  test("other origins get no CORS headers", async () => {
    const response = await listed.inject({
      url: collectionUrl,
      headers: {
        origin: "https://evil.example",
        authorization: `Bearer ${token}`,
      },
    });
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers["access-control-allow-origin"], undefined);
    assert.equal(
      response.headers["access-control-allow-credentials"],
      undefined,
    );
    assert.equal(response.headers.vary, "Origin");

    const options = await listed.inject(preflight("https://evil.example"));
    assert.equal(options.statusCode, 405);
    assert.equal(options.headers["access-control-allow-origin"], undefined);
  });

  test("errors carry CORS headers", async () => {
    const response = await listed.inject({
      url: collectionUrl,
      headers: { origin: appOrigin },
    });
    assert.equal(response.statusCode, 401);
    assert.equal(response.headers["access-control-allow-origin"], appOrigin);
    assert.equal(response.headers["access-control-expose-headers"], exposed);
  });

  test("wildcard without credentials", async () => {
    const response = await any.inject({
      url: "/openapi.json",
      headers: { origin: "https://tool.example" },
    });
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers["access-control-allow-origin"], "*");
    assert.equal(
      response.headers["access-control-allow-credentials"],
      undefined,
    );
    assert.equal(response.headers["access-control-expose-headers"], exposed);

    const options = await any.inject(
      preflight("https://tool.example", "/beta/$batch"),
    );
    assert.equal(options.statusCode, 204);
    assert.equal(options.headers["access-control-allow-origin"], "*");
    assert.equal(
      options.headers["access-control-allow-credentials"],
      undefined,
    );
  });

  test("OPTIONS without preflight headers is 405", async () => {
    const response = await listed.inject({
      method: "OPTIONS",
      url: collectionUrl,
      headers: { origin: appOrigin, authorization: `Bearer ${token}` },
    });
    assert.equal(response.statusCode, 405);
    assert.equal(response.headers["access-control-allow-origin"], appOrigin);
  });
});

describe("--cors-origins", () => {
  test("flag and variable", () => {
    const fromFlag = readServeOptions(
      ["--cors-origins", "https://App.Example.com, http://localhost:3000"],
      { RAA_CORS_ORIGINS: "https://ignored.example" },
    );
    assert.deepEqual(fromFlag.corsOrigins, [
      "https://app.example.com",
      "http://localhost:3000",
    ]);
    const fromEnv = readServeOptions([], { RAA_CORS_ORIGINS: "*" });
    assert.deepEqual(fromEnv.corsOrigins, ["*"]);
    assert.deepEqual(readServeOptions([], {}).corsOrigins, []);
  });

  test("invalid origins are usage errors", () => {
    const cases: [string, string][] = [
      [
        "https://app.example.com/path",
        "invalid --cors-origins: 'https://app.example.com/path' is not an " +
          "origin: use scheme://host[:port] without a path",
      ],
      [
        "https://app.example.com/",
        "invalid --cors-origins: 'https://app.example.com/' is not an " +
          "origin: use scheme://host[:port] without a path",
      ],
      [
        "ftp://files.example.com",
        "invalid --cors-origins: 'ftp://files.example.com' is not an " +
          "origin: use scheme://host[:port] without a path",
      ],
      [
        "app.example.com",
        "invalid --cors-origins: 'app.example.com' is not an origin such " +
          "as https://app.example.com",
      ],
    ];
    for (const [value, message] of cases) {
      assert.throws(
        () => readServeOptions(["--cors-origins", value], {}),
        (error: unknown) =>
          error instanceof UsageError && error.message === message,
        value,
      );
    }
  });
});
