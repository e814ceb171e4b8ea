/** Tokens signed with the local key, for `remote-action-audits token`. */
import { randomUUID } from "node:crypto";

import { SignJWT } from "jose";

import {
  defaultAudience,
  localAlgorithm,
  localIssuer,
  localTenantId,
  type LocalKeys,
} from "./local-keys.ts";

export interface TokenRequest {
  /** Delegated permissions, sent as the space-separated `scp` claim. */
  readonly scopes: readonly string[];
  /** Application permissions, sent as the `roles` claim. */
  readonly roles: readonly string[];
  readonly subject: string;
  readonly appId: string;
  readonly userPrincipalName?: string;
  readonly tenantId?: string;
  readonly lifetimeSeconds: number;
  readonly audience?: string;
  /** Start of validity; defaults to now. */
  readonly notBefore?: Date;
}

/** Signs a token shaped like a Microsoft Entra ID access token. */
export async function mintLocalToken(
  keys: LocalKeys,
  request: TokenRequest,
): Promise<string> {
  const claims: Record<string, unknown> = {
    tid: request.tenantId ?? localTenantId,
    appid: request.appId,
  };
  if (request.scopes.length > 0) claims.scp = request.scopes.join(" ");
  if (request.roles.length > 0) claims.roles = [...request.roles];
  if (request.userPrincipalName !== undefined) {
    claims.upn = request.userPrincipalName;
  }
  const start = Math.floor((request.notBefore ?? new Date()).getTime() / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: localAlgorithm, kid: keys.kid, typ: "JWT" })
    .setIssuer(localIssuer)
    .setAudience(request.audience ?? defaultAudience)
    .setSubject(request.subject)
    .setIssuedAt(start)
    .setNotBefore(start)
    .setExpirationTime(start + request.lifetimeSeconds)
    .setJti(randomUUID())
    .sign(keys.privateKey);
}
