/**
 * `remote-action-audits serve`: opens the store, listens, and on SIGINT or
 * SIGTERM stops accepting, finishes in-flight requests, closes the store and
 * exits 0.
 */
import { join } from "node:path";

import pino, { type Logger } from "pino";

import {
  createAuthenticator,
  type Authenticator,
} from "../auth/authenticator.ts";
import { loadLocalKeys } from "../auth/local-keys.ts";
import { Throttle } from "../auth/throttle.ts";
import { buildApp } from "../http/app.ts";
import { redactUrl } from "../store/postgres/postgres-store.ts";
import { isPostgresUrl, openStore } from "./open-store.ts";
import type { ServeOptions } from "./serve-options.ts";
import { readTlsFiles, selfSignedTls, type TlsFiles } from "./tls.ts";

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: "remote-action-audits" },
    // Request headers are never logged; this also covers any future field.
    redact: ["req.headers.authorization", "authorization", "token"],
  });
}

async function loadTls(options: ServeOptions): Promise<TlsFiles | undefined> {
  if (options.tlsCert !== undefined && options.tlsKey !== undefined) {
    return readTlsFiles(options.tlsCert, options.tlsKey);
  }
  if (!options.selfSigned) return undefined;
  return selfSignedTls(join(options.dataDir, "tls"));
}

async function startAuthentication(
  options: ServeOptions,
  logger: Logger,
): Promise<Authenticator> {
  const settings = options.auth;
  if (settings.mode === "none") {
    logger.warn(
      "authentication is off (--auth none): every request is allowed; " +
        "use this only for throwaway local work",
    );
    return createAuthenticator(settings);
  }
  if (settings.mode === "jwks") {
    logger.info(
      { issuer: settings.issuer, jwksUrl: settings.jwksUrl },
      "verifying tokens with the issuer's JWKS",
    );
    return createAuthenticator(settings);
  }
  const keys = await loadLocalKeys(options.dataDir, { create: true });
  logger.info(
    { kid: keys.kid, dataDir: options.dataDir },
    `local tokens: run 'npx remote-action-audits token --data-dir ` +
      `${options.dataDir}' and send 'Authorization: Bearer <token>'`,
  );
  return createAuthenticator(settings, keys);
}

/** Seconds that in-flight requests get to finish after SIGINT or SIGTERM. */
const shutdownGraceSeconds = 30;

/** Starts the service; resolves once it listens. */
export async function serve(options: ServeOptions, logger: Logger) {
  const authenticator = await startAuthentication(options, logger);
  const store = await openStore(options.db, logger, options.postgres);
  const tls = await loadTls(options);
  const app = buildApp({
    store,
    limits: options.limits,
    publicUrl: options.publicUrl,
    logger,
    https: tls,
    authenticator,
    throttle: new Throttle(options.throttle),
    corsOrigins: options.corsOrigins,
  });
  app.addHook("onClose", async () => {
    await store.close();
    logger.info("store closed");
  });

  logger.info(
    {
      db: isPostgresUrl(options.db) ? redactUrl(options.db) : options.db,
      ...(tls === undefined ? {} : { certificate: tls.certPath }),
    },
    "store opened",
  );
  // Fastify logs the one start line; the text names the service root.
  await app.listen({
    host: options.host,
    port: options.port,
    listenTextResolver: (address) => `listening at ${address}/beta`,
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      // A second signal means the operator will not wait.
      logger.warn({ signal }, "stopping now without waiting for requests");
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, "stopping: finishing in-flight requests");
    setTimeout(() => {
      logger.error(
        { graceSeconds: shutdownGraceSeconds },
        "requests still running after the grace period; stopping anyway",
      );
      process.exit(1);
    }, shutdownGraceSeconds * 1000).unref();
    app.close().then(
      () => {
        logger.info("stopped");
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, "stop failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
  return app;
}
