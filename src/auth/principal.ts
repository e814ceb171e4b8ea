/** Who sent a request, as read from a verified token. */
export interface Principal {
  /** The token's `sub` claim. */
  readonly subject?: string;
  /** The calling application: `appid` (v1 tokens) or `azp` (v2 tokens). */
  readonly appId?: string;
  /** `upn`, or `preferred_username` when the token has no `upn`. */
  readonly userPrincipalName?: string;
  /** The tenant, from `tid`. */
  readonly tenantId?: string;
  /** Delegated permissions from the space-separated `scp` claim. */
  readonly scopes: readonly string[];
  /** Application permissions from the `roles` claim. */
  readonly roles: readonly string[];
  /** True when authentication is off and every operation is allowed. */
  readonly anonymous: boolean;
}

/** The principal of every request when authentication is off. */
export const anonymousPrincipal: Principal = {
  scopes: [],
  roles: [],
  anonymous: true,
};
