import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";

import { exportJWK, exportSPKI, generateKeyPair, SignJWT } from "jose";

import {
  createAuthenticator,
  noAuthentication,
} from "../../src/auth/authenticator.ts";
import { defaultAudience, localIssuer } from "../../src/auth/local-keys.ts";
import { defaultThrottleSettings, Throttle } from "../../src/auth/throttle.ts";
import { buildApp } from "../../src/http/app.ts";
import { defaultLimits } from "../../src/settings.ts";
import {
  collectionUrl,
  startTestService,
  type TestResponse,
  type TestService,
} from "../helpers/service.ts";

const readWrite = "DeviceManagementManagedDevices.ReadWrite.All";
const now = () => Math.floor(Date.now() / 1000);

function assertUnauthorized(response: TestResponse, message: string) {
  assert.equal(response.status, 401, response.text);
  assert.equal(response.json.error.code, "InvalidAuthenticationToken");
  assert.equal(response.json.error.message, message);
  const challenge = String(response.headers["www-authenticate"]);
  assert.ok(challenge.startsWith('Bearer error="invalid_token"'), challenge);
  assert.doesNotMatch(challenge, /claims=/);
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

describe("authentication and permissions", () => {
  let service: TestService;
  before(async () => {
    service = await startTestService();
  });
  after(() => service.close());

  const count = async () =>
    Number((await service.request({ url: `${collectionUrl}/$count` })).text);

  /** POSTs a record with the given Authorization header value. */
  const createWith = (authorization: string) =>
    service.request({
      method: "POST",
      url: collectionUrl,
      headers: { authorization },
      payload: { action: "remoteLock" },
    });

  /** Signs claims with the service's own key, changing what a test needs. */
  const signed = (claims: Record<string, unknown>, header = {}) =>
    new SignJWT({ scp: readWrite, appid: "test-app", ...claims })
      .setProtectedHeader({ alg: "RS256", kid: service.keys.kid, ...header })
      .sign(service.keys.privateKey);

  test("missing Authorization header", async () => {
    const response = await createWith("");
    assertUnauthorized(
      response,
      "The request has no Authorization header. Send 'Authorization: " +
        "Bearer <token>'; for local use, 'npx remote-action-audits token' " +
        "in the project folder prints one.",
    );
    assert.equal(await count(), 0);
  });

  test("malformed Authorization header", async () => {
    for (const header of ["Basic dXNlcjpwYXNz", "Bearer", "Bearer a b"]) {
      const response = await createWith(header);
      assertUnauthorized(
        response,
        "The Authorization header is malformed. Send 'Authorization: " +
          "Bearer <token>' with a JWT.",
      );
    }
    assert.equal(await count(), 0);
  });

  test("garbage token", async () => {
    const response = await createWith("Bearer not-a-jwt");
    assertUnauthorized(
      response,
      "The token is not a valid signed JWT: Invalid Compact JWS.",
    );
    assert.equal(await count(), 0);
  });

  test("expired token", async () => {
    const exp = now() - 3600;
    const token = await signed({
      iss: localIssuer,
      aud: defaultAudience,
      exp,
    });
    const response = await createWith(`Bearer ${token}`);
    assertUnauthorized(
      response,
      `The token expired at ${new Date(exp * 1000).toISOString()}. ` +
        "Get a new token.",
    );
    assert.equal(await count(), 0);
  });

  test("token not yet valid", async () => {
    const nbf = now() + 3600;
    const token = await signed({
      iss: localIssuer,
      aud: defaultAudience,
      nbf,
      exp: nbf + 3600,
    });
    const response = await createWith(`Bearer ${token}`);
    assertUnauthorized(
      response,
      `The token is not valid before ${new Date(nbf * 1000).toISOString()}.`,
    );
    assert.equal(await count(), 0);
  });

  test("wrong issuer", async () => {
    const token = await signed({
      iss: "https://evil.example/",
      aud: defaultAudience,
      exp: now() + 600,
    });
    const response = await createWith(`Bearer ${token}`);
    assertUnauthorized(
      response,
      "The token's issuer 'https://evil.example/' is not trusted. " +
        `Expected '${localIssuer}'.`,
    );
    assert.equal(await count(), 0);
  });

  test("wrong audience", async () => {
    const token = await service.token({ audience: "api://other-app" });
    const response = await createWith(`Bearer ${token}`);
    assertUnauthorized(
      response,
      "The token's audience 'api://other-app' is wrong. Expected one of: " +
        "https://graph.microsoft.com.",
    );
    assert.equal(await count(), 0);
  });

  test("unknown key id", async () => {
    const token = await signed(
      { iss: localIssuer, aud: defaultAudience, exp: now() + 600 },
      { kid: "rotated-away" },
    );
    const response = await createWith(`Bearer ${token}`);
    assertUnauthorized(
      response,
      "No trusted key has the token's key id 'rotated-away'.",
    );
    assert.equal(await count(), 0);
  });

  test("token signed by another key", async () => {
    const other = await generateKeyPair("RS256");
    const token = await new SignJWT({ scp: readWrite })
      .setProtectedHeader({ alg: "RS256", kid: service.keys.kid })
      .setIssuer(localIssuer)
      .setAudience(defaultAudience)
      .setExpirationTime(now() + 600)
      .sign(other.privateKey);
    const response = await createWith(`Bearer ${token}`);
    assertUnauthorized(
      response,
      "The token's signature does not match a trusted key.",
    );
    assert.equal(await count(), 0);
  });

  test("alg none is rejected", async () => {
    const header = base64url({ alg: "none", typ: "JWT" });
    const payload = base64url({
      iss: localIssuer,
      aud: defaultAudience,
      exp: now() + 600,
      scp: readWrite,
    });
    const response = await createWith(`Bearer ${header}.${payload}.`);
    assertUnauthorized(
      response,
      "The token's algorithm 'none' is not allowed. Accepted: RS256.",
    );
    assert.equal(await count(), 0);
  });

  test("HS256 signed with the public key is rejected", async () => {
    const publicPem = await exportSPKI(service.keys.publicKey);
    const token = await new SignJWT({ scp: readWrite })
      .setProtectedHeader({ alg: "HS256", kid: service.keys.kid })
      .setIssuer(localIssuer)
      .setAudience(defaultAudience)
      .setExpirationTime(now() + 600)
      .sign(new TextEncoder().encode(publicPem));
    const response = await createWith(`Bearer ${token}`);
    assertUnauthorized(
      response,
      "The token's algorithm 'HS256' is not allowed. Accepted: RS256.",
    );
    assert.equal(await count(), 0);
  });

  test("valid token without a permission is 403", async () => {
    const token = await service.token({ scopes: ["User.Read"] });
    const response = await createWith(`Bearer ${token}`);
    assert.equal(response.status, 403);
    assert.equal(response.json.error.code, "Forbidden");
    assert.equal(
      response.json.error.message,
      "The token lacks a permission this operation accepts. It needs one " +
        "of: DeviceManagementManagedDevices.ReadWrite.All, " +
        "DeviceManagementConfiguration.ReadWrite.All. It has: User.Read.",
    );
    assert.equal(await count(), 0);
  });

  test("read permission on a write is 403", async () => {
    const token = await service.token({
      scopes: ["DeviceManagementManagedDevices.Read.All"],
    });
    const write = await createWith(`Bearer ${token}`);
    assert.equal(write.status, 403);
    assert.equal(
      write.json.error.message,
      "The token lacks a permission this operation accepts. It needs one " +
        "of: DeviceManagementManagedDevices.ReadWrite.All, " +
        "DeviceManagementConfiguration.ReadWrite.All. It has: " +
        "DeviceManagementManagedDevices.Read.All.",
    );
    const bulk = await service.request({
      method: "PATCH",
      url: "/beta",
      headers: { authorization: `Bearer ${token}` },
      payload: [{ id: "x" }],
    });
    assert.equal(bulk.status, 403);
    assert.equal(await count(), 0);

    const read = await service.request({
      url: collectionUrl,
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(read.status, 200);
  });

  test("application roles grant access", async () => {
    const token = await service.token({
      scopes: [],
      roles: ["DeviceManagementConfiguration.ReadWrite.All"],
    });
    const response = await createWith(`Bearer ${token}`);
    assert.equal(response.status, 201);
    assert.equal(await count(), 1);
  });

  test("metadata needs no token", async () => {
    const response = await service.request({
      url: "/beta/$metadata",
      headers: { authorization: "" },
    });
    assert.equal(response.status, 200);
  });
});

describe("authentication off", () => {
  test("service document shows it and requests pass", async () => {
    const service = await startTestService();
    const app = buildApp({
      store: service.store,
      limits: defaultLimits,
      authenticator: noAuthentication,
      throttle: new Throttle(defaultThrottleSettings),
    });
    try {
      const root = await app.inject({ url: "/beta" });
      assert.equal(root.statusCode, 200);
      assert.equal(
        JSON.parse(root.body)["@remoteActionAudits.authentication"],
        "none",
      );
      const created = await app.inject({
        method: "POST",
        url: collectionUrl,
        payload: { id: "open" },
      });
      assert.equal(created.statusCode, 201);
    } finally {
      await app.close();
      await service.close();
    }
  });
});

describe("throttling", () => {
  let service: TestService;
  before(async () => {
    service = await startTestService(
      {},
      { writesPerApp: 3, requestsPerApp: 10, windowSeconds: 20 },
    );
  });
  after(() => service.close());

  test("writes over the app limit get 429", async () => {
    const statuses = [];
    for (let i = 0; i < 5; i++) {
      const response = await service.request({
        method: "POST",
        url: collectionUrl,
        payload: { id: `w${i}` },
      });
      statuses.push(response.status);
      if (response.status === 429) {
        assert.equal(response.json.error.code, "TooManyRequests");
        assert.equal(response.headers["retry-after"], "7");
      }
    }
    assert.deepEqual(statuses, [201, 201, 201, 429, 429]);
    // A rejected request did no work: only three records exist.
    const count = await service.request({ url: `${collectionUrl}/$count` });
    assert.equal(count.text, "3");
  });

  test("another app has its own bucket", async () => {
    const token = await service.token({ appId: "other-app" });
    const response = await service.request({
      method: "POST",
      url: collectionUrl,
      headers: { authorization: `Bearer ${token}` },
      payload: { id: "other" },
    });
    assert.equal(response.status, 201);
  });
});

describe("throttle buckets", () => {
  test("refill over the window", () => {
    let clock = 0;
    const throttle = new Throttle(
      { ...defaultThrottleSettings, writesPerApp: 2, windowSeconds: 20 },
      () => clock,
    );
    const principal = {
      appId: "a",
      tenantId: "t",
      scopes: [],
      roles: [],
      anonymous: false,
    };
    throttle.take(principal, "write");
    throttle.take(principal, "write");
    assert.throws(
      () => throttle.take(principal, "write"),
      /Retry after 10 seconds/,
    );
    clock = 10_000;
    throttle.take(principal, "write");
    assert.throws(() => throttle.take(principal, "write"));
  });
});

describe("JWKS keys", () => {
  let jwksServer: Server;
  let jwks: { keys: unknown[] } = { keys: [] };
  let jwksUp = true;
  let url = "";
  const issuer = "https://issuer.test/";

  before(async () => {
    jwksServer = createServer((_request, response) => {
      if (!jwksUp) {
        response.writeHead(500).end();
        return;
      }
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify(jwks));
    });
    await new Promise<void>((resolve) =>
      jwksServer.listen(0, "127.0.0.1", resolve),
    );
    url = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/keys`;
  });
  after(
    () => new Promise<void>((resolve) => jwksServer.close(() => resolve())),
  );

  async function keyPair(kid: string) {
    const pair = await generateKeyPair("RS256", { extractable: true });
    const publicJwk = {
      ...(await exportJWK(pair.publicKey)),
      kid,
      alg: "RS256",
    };
    const sign = () =>
      new SignJWT({ scp: readWrite, appid: "jwks-app" })
        .setProtectedHeader({ alg: "RS256", kid })
        .setIssuer(issuer)
        .setAudience(defaultAudience)
        .setExpirationTime(now() + 600)
        .sign(pair.privateKey);
    return { publicJwk, sign };
  }

  test("rotation picks up a new kid and a down endpoint is 503", async () => {
    const service = await startTestService();
    const app = buildApp({
      store: service.store,
      limits: defaultLimits,
      authenticator: createAuthenticator({
        mode: "jwks",
        issuer,
        audiences: [defaultAudience],
        algorithms: ["RS256"],
        clockSkewSeconds: 60,
        jwksUrl: url,
        jwksCooldownMs: 0,
      }),
      throttle: new Throttle(defaultThrottleSettings),
    });
    try {
      const first = await keyPair("key-1");
      jwks = { keys: [first.publicJwk] };
      const ok = await app.inject({
        url: collectionUrl,
        headers: { authorization: `Bearer ${await first.sign()}` },
      });
      assert.equal(ok.statusCode, 200);

      const second = await keyPair("key-2");
      jwks = { keys: [first.publicJwk, second.publicJwk] };
      const rotated = await app.inject({
        url: collectionUrl,
        headers: { authorization: `Bearer ${await second.sign()}` },
      });
      assert.equal(rotated.statusCode, 200, rotated.body);

      jwksUp = false;
      const third = await keyPair("key-3");
      const down = await app.inject({
        url: collectionUrl,
        headers: { authorization: `Bearer ${await third.sign()}` },
      });
      assert.equal(down.statusCode, 503, down.body);
      assert.equal(down.headers["retry-after"], "10");
      assert.equal(JSON.parse(down.body).error.code, "ServiceUnavailable");
    } finally {
      jwksUp = true;
      await app.close();
      await service.close();
    }
  });
});
