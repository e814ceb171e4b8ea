/**
 * Bearer token validation with jose: signature, `exp`, `nbf` (with clock
 * skew), `iss`, `aud` and an algorithm allow-list, so `alg: none` and
 * HMAC tokens signed with a public key are rejected. Verified tokens are
 * cached until they expire, because verification costs far more than the
 * request itself.
 */
import {
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors,
  jwtVerify,
  type CryptoKey,
  type JWTPayload,
  type JWTVerifyGetKey,
} from "jose";
import type { FastifyBaseLogger } from "fastify";

import { ApiError, apiErrors, quote } from "../errors.ts";
import { anonymousPrincipal, type Principal } from "./principal.ts";

export type AuthMode = "local" | "jwks" | "none";

export interface AuthSettings {
  readonly mode: AuthMode;
  readonly issuer: string;
  /** Accepted `aud` values. */
  readonly audiences: readonly string[];
  readonly algorithms: readonly string[];
  readonly clockSkewSeconds: number;
  readonly jwksUrl?: string;
  /**
   * Minimum milliseconds between JWKS fetches caused by an unknown kid
   * (default 30000), so that forged kids cannot flood the issuer.
   */
  readonly jwksCooldownMs?: number;
}

export interface Authenticator {
  readonly mode: AuthMode;
  /** Verifies the Authorization header; throws 401 or 503 ApiErrors. */
  authenticate(
    header: string | undefined,
    log: FastifyBaseLogger,
  ): Promise<Principal>;
}

const cacheLimit = 10_000;
/** Seconds a client should wait when the JWKS endpoint does not respond. */
const jwksRetryAfterSeconds = 10;

/** The authenticator of `--auth none`: every request is anonymous. */
export const noAuthentication: Authenticator = {
  mode: "none",
  authenticate: async () => anonymousPrincipal,
};

/** Builds the authenticator for local keys or a JWKS URL. */
export function createAuthenticator(
  settings: AuthSettings,
  localKey?: { readonly kid: string; readonly publicKey: CryptoKey },
): Authenticator {
  if (settings.mode === "none") return noAuthentication;
  const keys = keyResolver(settings, localKey);
  const cache = new Map<string, { principal: Principal; expires: number }>();

  return {
    mode: settings.mode,
    async authenticate(header, log) {
      const token = bearerToken(header);
      const cached = cache.get(token);
      if (cached !== undefined && cached.expires > Date.now()) {
        return cached.principal;
      }

      const payload = await verify(token, keys, settings, log);
      const principal = principalOf(payload);
      if (cache.size >= cacheLimit) cache.clear();
      // exp is required by verify(), so every cached entry expires.
      cache.set(token, { principal, expires: (payload.exp as number) * 1000 });
      return principal;
    },
  };
}

function keyResolver(
  settings: AuthSettings,
  localKey?: { readonly kid: string; readonly publicKey: CryptoKey },
): JWTVerifyGetKey {
  if (settings.mode === "jwks") {
    if (settings.jwksUrl === undefined) {
      throw new Error("--auth jwks needs --auth-jwks-url");
    }
    // jose caches the key set and fetches it again for an unknown kid.
    return createRemoteJWKSet(new URL(settings.jwksUrl), {
      cooldownDuration: settings.jwksCooldownMs ?? 30_000,
      cacheMaxAge: 600_000,
    });
  }
  if (localKey === undefined) throw new Error("local auth needs a key");
  return async (header) => {
    if (header.kid !== localKey.kid) {
      throw new errors.JWKSNoMatchingKey();
    }
    return localKey.publicKey;
  };
}

function bearerToken(header: string | undefined): string {
  if (header === undefined || header.trim() === "") {
    throw unauthorized(
      "The request has no Authorization header. Send " +
        "'Authorization: Bearer <token>'; for local use, " +
        "'npx remote-action-audits token' in the project folder prints one.",
    );
  }
  const match = /^Bearer +([A-Za-z0-9\-_.~+/]+=*) *$/i.exec(header);
  if (match === null) {
    throw unauthorized(
      "The Authorization header is malformed. Send " +
        "'Authorization: Bearer <token>' with a JWT.",
    );
  }
  return match[1] as string;
}

async function verify(
  token: string,
  keys: JWTVerifyGetKey,
  settings: AuthSettings,
  log: FastifyBaseLogger,
): Promise<JWTPayload> {
  try {
    const { payload } = await jwtVerify(token, keys, {
      issuer: settings.issuer,
      audience: [...settings.audiences],
      algorithms: [...settings.algorithms],
      clockTolerance: settings.clockSkewSeconds,
      requiredClaims: ["exp"],
    });
    return payload;
  } catch (error) {
    throw explain(error, token, settings, log);
  }
}

/** Maps a jose error to a 401 whose message names what was wrong. */
function explain(
  error: unknown,
  token: string,
  settings: AuthSettings,
  log: FastifyBaseLogger,
): ApiError {
  const claims = safeClaims(token);
  if (error instanceof errors.JWTExpired) {
    return unauthorized(
      `The token expired at ${timeOf(claims.exp)}. Get a new token.`,
    );
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    return unauthorized(claimMessage(error.claim, claims, settings));
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    const alg = safeHeader(token).alg;
    return unauthorized(
      `The token's algorithm ${quote(String(alg))} is not allowed. ` +
        `Accepted: ${settings.algorithms.join(", ")}.`,
    );
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return unauthorized("The token's signature does not match a trusted key.");
  }
  if (error instanceof errors.JWKSNoMatchingKey) {
    const kid = safeHeader(token).kid;
    return unauthorized(
      `No trusted key has the token's key id ${quote(String(kid))}.`,
    );
  }
  if (
    error instanceof errors.JWSInvalid ||
    error instanceof errors.JWTInvalid
  ) {
    return unauthorized(
      `The token is not a valid signed JWT: ${error.message}.`,
    );
  }
  if (isJwksFailure(error)) {
    log.error({ err: error, jwksUrl: settings.jwksUrl }, "jwks fetch failed");
    return apiErrors.serviceUnavailable(
      "The service cannot fetch the signing keys to verify the token. " +
        "Try again later.",
      jwksRetryAfterSeconds,
    );
  }
  log.warn({ err: error }, "token verification failed unexpectedly");
  return unauthorized("The token could not be verified.");
}

function isJwksFailure(error: unknown): boolean {
  if (error instanceof errors.JWKSTimeout) return true;
  if (error instanceof errors.JWKSInvalid) return true;
  if (error instanceof errors.JOSEError) {
    return error.message.includes("JSON Web Key Set");
  }
  // fetch() rejects with a TypeError when the endpoint cannot be reached.
  return error instanceof TypeError;
}

function claimMessage(
  claim: string,
  claims: JWTPayload,
  settings: AuthSettings,
): string {
  switch (claim) {
    case "nbf":
      return `The token is not valid before ${timeOf(claims.nbf)}.`;
    case "iss":
      return (
        `The token's issuer ${quote(String(claims.iss))} is not trusted. ` +
        `Expected ${quote(settings.issuer)}.`
      );
    case "aud":
      return (
        `The token's audience ${quote(String(claims.aud))} is wrong. ` +
        `Expected one of: ${settings.audiences.join(", ")}.`
      );
    default:
      return `The token's ${quote(claim)} claim is missing or invalid.`;
  }
}

function principalOf(payload: JWTPayload): Principal {
  const text = (name: string) => {
    const value = payload[name];
    return typeof value === "string" && value !== "" ? value : undefined;
  };
  const roles = payload.roles;
  return {
    subject: text("sub"),
    appId: text("appid") ?? text("azp"),
    userPrincipalName: text("upn") ?? text("preferred_username"),
    tenantId: text("tid"),
    scopes: (text("scp") ?? "").split(" ").filter((s) => s !== ""),
    roles: Array.isArray(roles)
      ? roles.filter((r): r is string => typeof r === "string")
      : [],
    anonymous: false,
  };
}

function safeClaims(token: string): JWTPayload {
  try {
    return decodeJwt(token);
  } catch {
    return {};
  }
}

function safeHeader(token: string): { alg?: unknown; kid?: unknown } {
  try {
    return decodeProtectedHeader(token);
  } catch {
    return {};
  }
}

function timeOf(seconds: unknown): string {
  if (typeof seconds !== "number") return "an unknown time";
  return new Date(seconds * 1000).toISOString();
}

/** Builds a 401 with `WWW-Authenticate`, never with a `claims=` challenge. */
export function unauthorized(message: string): ApiError {
  const description = message.replace(/["\\]/g, "'");
  return new ApiError("InvalidAuthenticationToken", message, {
    headers: {
      "WWW-Authenticate": `Bearer error="invalid_token", error_description="${description}"`,
    },
  });
}
