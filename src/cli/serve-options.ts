/**
 * Options of `remote-action-audits serve`: each flag has an environment
 * variable, and a flag wins over its variable.
 */
import { join } from "node:path";
import { parseArgs } from "node:util";

import type { AuthMode, AuthSettings } from "../auth/authenticator.ts";
import { defaultAudience, localIssuer } from "../auth/local-keys.ts";
import {
  defaultThrottleSettings,
  type ThrottleSettings,
} from "../auth/throttle.ts";
import { parseOrigin } from "../http/cors.ts";
import { defaultLimits, limitVariables, type Limits } from "../settings.ts";
import type { PostgresSettings } from "./open-store.ts";

export interface ServeOptions {
  /** Folder of the default database file, local keys and certificates. */
  readonly dataDir: string;
  readonly host: string;
  readonly port: number;
  /** SQLite file path (later also a PostgreSQL URL). */
  readonly db: string;
  readonly publicUrl?: string;
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  readonly selfSigned: boolean;
  readonly logLevel: string;
  readonly limits: Limits;
  readonly auth: AuthSettings;
  readonly throttle: ThrottleSettings;
  /** Origins that get CORS headers; empty for none. */
  readonly corsOrigins: readonly string[];
  readonly postgres: PostgresSettings;
}

export const defaultPostgresSettings: PostgresSettings = {
  poolSize: 10,
  statementTimeoutMs: 30_000,
};

/** Flag name, environment variable and help text of each option. */
export const serveFlags = {
  "data-dir": [
    "RAA_DATA_DIR",
    "folder of the database, local signing key and certificates (default ./data)",
  ],
  host: ["RAA_HOST", "address to listen on (default 127.0.0.1)"],
  port: [
    "RAA_PORT",
    "TCP port to listen on (default 8080; 0 picks a free one)",
  ],
  db: [
    "RAA_DB",
    "SQLite file (default <data-dir>/remote-action-audits.db) or postgres:// URL",
  ],
  "public-url": [
    "RAA_PUBLIC_URL",
    "base URL of absolute links, such as https://audits.example.com",
  ],
  "tls-cert": [
    "RAA_TLS_CERT",
    "PEM certificate file; serves HTTPS with --tls-key",
  ],
  "tls-key": ["RAA_TLS_KEY", "PEM private key file of --tls-cert"],
  "self-signed": [
    "RAA_SELF_SIGNED",
    "serve HTTPS with a generated certificate for localhost (1 or true)",
  ],
  "log-level": [
    "RAA_LOG_LEVEL",
    "pino log level: fatal, error, warn, info, debug, trace or silent (default info)",
  ],
  auth: ["RAA_AUTH", "token validation: local (default), jwks or none"],
  "auth-issuer": [
    "RAA_AUTH_ISSUER",
    "accepted iss claim (required with --auth jwks)",
  ],
  "auth-audience": [
    "RAA_AUTH_AUDIENCE",
    "accepted aud claims, comma-separated (default Graph's two forms)",
  ],
  "auth-jwks-url": [
    "RAA_AUTH_JWKS_URL",
    "JWKS URL of the token issuer (required with --auth jwks)",
  ],
  "auth-clock-skew": [
    "RAA_AUTH_CLOCK_SKEW",
    "seconds of clock skew allowed on exp and nbf (default 60)",
  ],
  "auth-algorithms": [
    "RAA_AUTH_ALGORITHMS",
    "accepted signature algorithms, comma-separated (default RS256)",
  ],
  "pg-pool-size": [
    "RAA_PG_POOL_SIZE",
    "PostgreSQL connections per instance (default 10)",
  ],
  "pg-statement-timeout": [
    "RAA_PG_STATEMENT_TIMEOUT_MS",
    "milliseconds before PostgreSQL cancels a statement (default 30000)",
  ],
  "cors-origins": [
    "RAA_CORS_ORIGINS",
    "browser origins allowed by CORS, comma-separated, such as " +
      "https://app.example.com, or * for any origin without credentials " +
      "(default none: no CORS headers)",
  ],
  throttle: [
    "RAA_THROTTLE",
    "on (default) or off: per-app and per-tenant request limits",
  ],
} as const;

/** Graph's audience as a URL and as its application id. */
const graphAudiences = [
  defaultAudience,
  "00000003-0000-0000-c000-000000000000",
];

export const defaultDataDir = "./data";
export const databaseFileName = "remote-action-audits.db";

export class UsageError extends Error {}

/** Reads serve options from command-line arguments and the environment. */
export function readServeOptions(
  args: string[],
  env: NodeJS.ProcessEnv,
): ServeOptions {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      "data-dir": { type: "string" },
      host: { type: "string" },
      port: { type: "string" },
      db: { type: "string" },
      "public-url": { type: "string" },
      "tls-cert": { type: "string" },
      "tls-key": { type: "string" },
      "self-signed": { type: "boolean" },
      "log-level": { type: "string" },
      auth: { type: "string" },
      "auth-issuer": { type: "string" },
      "auth-audience": { type: "string" },
      "auth-jwks-url": { type: "string" },
      "auth-clock-skew": { type: "string" },
      "auth-algorithms": { type: "string" },
      "cors-origins": { type: "string" },
      throttle: { type: "string" },
      "pg-pool-size": { type: "string" },
      "pg-statement-timeout": { type: "string" },
    },
  });
  const pick = (flag: keyof typeof serveFlags) => {
    const value = values[flag];
    if (typeof value === "string") return value;
    const fromEnv = env[serveFlags[flag][0]];
    return fromEnv === "" ? undefined : fromEnv;
  };

  const selfSignedText = pick("self-signed");
  const dataDir = pick("data-dir") ?? defaultDataDir;
  const options: ServeOptions = {
    dataDir,
    host: pick("host") ?? "127.0.0.1",
    port: readInteger("--port", pick("port") ?? "8080", 0, 65535),
    db: pick("db") ?? env.DATABASE_URL ?? join(dataDir, databaseFileName),
    publicUrl: pick("public-url"),
    tlsCert: pick("tls-cert"),
    tlsKey: pick("tls-key"),
    selfSigned:
      values["self-signed"] === true ||
      (selfSignedText !== undefined && /^(1|true|yes)$/i.test(selfSignedText)),
    logLevel: pick("log-level") ?? "info",
    limits: readLimits(env),
    auth: readAuth(pick),
    throttle: readThrottle(pick("throttle"), env),
    corsOrigins: readCorsOrigins(pick("cors-origins")),
    postgres: {
      poolSize: readInteger(
        "--pg-pool-size",
        pick("pg-pool-size") ?? String(defaultPostgresSettings.poolSize),
        1,
        1000,
      ),
      statementTimeoutMs: readInteger(
        "--pg-statement-timeout",
        pick("pg-statement-timeout") ??
          String(defaultPostgresSettings.statementTimeoutMs),
        1,
        86_400_000,
      ),
    },
  };
  checkCombinations(options);
  return options;
}

function checkCombinations(options: ServeOptions): void {
  if ((options.tlsCert === undefined) !== (options.tlsKey === undefined)) {
    throw new UsageError("--tls-cert and --tls-key must be given together");
  }
  if (options.selfSigned && options.tlsCert !== undefined) {
    throw new UsageError("use either --self-signed or --tls-cert/--tls-key");
  }
  const levels = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];
  if (!levels.includes(options.logLevel)) {
    throw new UsageError(
      `invalid --log-level '${options.logLevel}': use one of ${levels.join(", ")}`,
    );
  }
  if (
    options.publicUrl !== undefined &&
    !/^https?:\/\/[^/]/.test(options.publicUrl)
  ) {
    throw new UsageError(
      `invalid --public-url '${options.publicUrl}': use an absolute http or https URL`,
    );
  }
}

function readLimits(env: NodeJS.ProcessEnv): Limits {
  const limits: Record<string, number> = { ...defaultLimits };
  for (const [name, variable] of Object.entries(limitVariables)) {
    const text = env[variable];
    if (text === undefined || text === "") continue;
    limits[name] = readInteger(variable, text, 1, Number.MAX_SAFE_INTEGER);
  }
  return limits as unknown as Limits;
}

function readInteger(name: string, text: string, min: number, max: number) {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) {
    throw new UsageError(
      `invalid ${name} '${text}': use an integer from ${min} to ${max}`,
    );
  }
  return value;
}

function readAuth(
  pick: (flag: keyof typeof serveFlags) => string | undefined,
): AuthSettings {
  const mode = pick("auth") ?? "local";
  if (mode !== "local" && mode !== "jwks" && mode !== "none") {
    throw new UsageError(`invalid --auth '${mode}': use local, jwks or none`);
  }
  const issuer = pick("auth-issuer");
  const jwksUrl = pick("auth-jwks-url");
  if (mode === "jwks" && (issuer === undefined || jwksUrl === undefined)) {
    throw new UsageError("--auth jwks needs --auth-issuer and --auth-jwks-url");
  }
  const list = (text: string | undefined) =>
    text
      ?.split(",")
      .map((item) => item.trim())
      .filter((item) => item !== "");
  const algorithms = list(pick("auth-algorithms")) ?? ["RS256"];
  // Symmetric algorithms would let anyone with the public key sign tokens.
  const symmetric = algorithms.find(
    (alg) => /^HS/i.test(alg) || alg === "none",
  );
  if (symmetric !== undefined) {
    throw new UsageError(`--auth-algorithms must not include '${symmetric}'`);
  }
  return {
    mode: mode as AuthMode,
    issuer: issuer ?? localIssuer,
    audiences: list(pick("auth-audience")) ?? graphAudiences,
    algorithms,
    clockSkewSeconds: readInteger(
      "--auth-clock-skew",
      pick("auth-clock-skew") ?? "60",
      0,
      3600,
    ),
    jwksUrl,
  };
}

/** Reads `--cors-origins`: a comma list of origins or `*`. */
function readCorsOrigins(text: string | undefined): string[] {
  const items = (text ?? "")
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
  return items.map((item) => {
    try {
      return parseOrigin(item);
    } catch (error) {
      throw new UsageError(
        `invalid --cors-origins: ${(error as Error).message}`,
      );
    }
  });
}

/** Throttle settings; each limit also has a RAA_THROTTLE_* variable. */
function readThrottle(
  switchText: string | undefined,
  env: NodeJS.ProcessEnv,
): ThrottleSettings {
  if (switchText !== undefined && !/^(on|off)$/.test(switchText)) {
    throw new UsageError(`invalid --throttle '${switchText}': use on or off`);
  }
  const number = (variable: string, fallback: number) => {
    const text = env[variable];
    if (text === undefined || text === "") return fallback;
    return readInteger(variable, text, 1, Number.MAX_SAFE_INTEGER);
  };
  const defaults = defaultThrottleSettings;
  return {
    enabled: switchText !== "off",
    windowSeconds: number(
      "RAA_THROTTLE_WINDOW_SECONDS",
      defaults.windowSeconds,
    ),
    writesPerApp: number("RAA_THROTTLE_WRITES_PER_APP", defaults.writesPerApp),
    writesPerTenant: number(
      "RAA_THROTTLE_WRITES_PER_TENANT",
      defaults.writesPerTenant,
    ),
    requestsPerApp: number(
      "RAA_THROTTLE_REQUESTS_PER_APP",
      defaults.requestsPerApp,
    ),
    requestsPerTenant: number(
      "RAA_THROTTLE_REQUESTS_PER_TENANT",
      defaults.requestsPerTenant,
    ),
  };
}
