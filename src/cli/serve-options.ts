/**
 * Options of `remote-action-audits serve`: each flag has an environment
 * variable, and a flag wins over its variable.
 */
import { parseArgs } from "node:util";

import { defaultLimits, limitVariables, type Limits } from "../settings.ts";

export interface ServeOptions {
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
}

/** Flag name, environment variable and help text of each option. */
export const serveFlags = {
  host: ["RAA_HOST", "address to listen on (default 127.0.0.1)"],
  port: [
    "RAA_PORT",
    "TCP port to listen on (default 8080; 0 picks a free one)",
  ],
  db: [
    "RAA_DB",
    "SQLite database file (default ./data/remote-action-audits.db)",
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
} as const;

export const defaultDatabaseFile = "./data/remote-action-audits.db";

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
      host: { type: "string" },
      port: { type: "string" },
      db: { type: "string" },
      "public-url": { type: "string" },
      "tls-cert": { type: "string" },
      "tls-key": { type: "string" },
      "self-signed": { type: "boolean" },
      "log-level": { type: "string" },
    },
  });
  const pick = (flag: keyof typeof serveFlags) => {
    const value = values[flag];
    if (typeof value === "string") return value;
    const fromEnv = env[serveFlags[flag][0]];
    return fromEnv === "" ? undefined : fromEnv;
  };

  const selfSignedText = pick("self-signed");
  const options: ServeOptions = {
    host: pick("host") ?? "127.0.0.1",
    port: readInteger("--port", pick("port") ?? "8080", 0, 65535),
    db: pick("db") ?? env.DATABASE_URL ?? defaultDatabaseFile,
    publicUrl: pick("public-url"),
    tlsCert: pick("tls-cert"),
    tlsKey: pick("tls-key"),
    selfSigned:
      values["self-signed"] === true ||
      (selfSignedText !== undefined && /^(1|true|yes)$/i.test(selfSignedText)),
    logLevel: pick("log-level") ?? "info",
    limits: readLimits(env),
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
