/** A fresh service on an empty store of the suite's backend. */
import { Writable } from "node:stream";

import type { FastifyInstance, InjectOptions } from "fastify";
import { pino, type Logger } from "pino";

import { createAuthenticator } from "../../src/auth/authenticator.ts";
import {
  defaultAudience,
  loadLocalKeys,
  localIssuer,
  type LocalKeys,
} from "../../src/auth/local-keys.ts";
import {
  mintLocalToken,
  type TokenRequest,
} from "../../src/auth/mint-token.ts";
import {
  defaultThrottleSettings,
  Throttle,
  type ThrottleSettings,
} from "../../src/auth/throttle.ts";
import { buildApp } from "../../src/http/app.ts";
import { defaultLimits, type Limits } from "../../src/settings.ts";
import type { SqlStore } from "../../src/store/sql-store.ts";
import { createTestDatabase, openTestStore } from "./backend.ts";

export interface TestService {
  readonly app: FastifyInstance;
  readonly store: SqlStore;
  /** The SQLite file or PostgreSQL URL of the store. */
  readonly file: string;
  readonly keys: LocalKeys;
  /** Mints a local token; by default with the ReadWrite delegated scope. */
  token(request?: Partial<TokenRequest>): Promise<string>;
  /**
   * Sends a request and parses a JSON body when there is one. Requests
   * carry a valid token unless the headers set `authorization` (an empty
   * string sends none).
   */
  request(options: InjectOptions): Promise<TestResponse>;
  close(): Promise<void>;
}

export interface TestResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | number | undefined>;
  readonly text: string;
  readonly json: any; // parsed body of any shape; each test asserts its fields
}

export const collectionUrl = "/beta/deviceManagement/remoteActionAudits";
export const base = "https://audits.test";

export const testAuthSettings = {
  mode: "local",
  issuer: localIssuer,
  audiences: [defaultAudience],
  algorithms: ["RS256"],
  clockSkewSeconds: 60,
} as const;

export async function startTestService(
  limits: Partial<Limits> = {},
  throttle: Partial<ThrottleSettings> = {},
  logger?: Logger,
): Promise<TestService> {
  const database = await createTestDatabase();
  const file = database.db;
  const store = await openTestStore(file);
  const keys = await loadLocalKeys(database.directory, { create: true });
  const app = buildApp({
    store,
    limits: { ...defaultLimits, ...limits },
    publicUrl: base,
    authenticator: createAuthenticator(testAuthSettings, keys),
    throttle: new Throttle({ ...defaultThrottleSettings, ...throttle }),
    ...(logger === undefined ? {} : { logger }),
  });
  const token = (request: Partial<TokenRequest> = {}) =>
    mintLocalToken(keys, {
      scopes: ["DeviceManagementManagedDevices.ReadWrite.All"],
      roles: [],
      subject: "test-user",
      appId: "test-app",
      lifetimeSeconds: 3600,
      ...request,
    });
  const defaultToken = await token();
  return {
    app,
    store,
    file,
    keys,
    token,
    async request(options) {
      const headers: Record<string, string | string[] | undefined> = {
        ...(options.headers as Record<string, string | string[] | undefined>),
      };
      if (headers.authorization === undefined) {
        headers.authorization = `Bearer ${defaultToken}`;
      } else if (headers.authorization === "") {
        delete headers.authorization;
      }
      const response = await app.inject({ ...options, headers });
      const text = response.body;
      let json: unknown;
      const type = String(response.headers["content-type"] ?? "");
      if (type.startsWith("application/json") && text !== "") {
        json = JSON.parse(text);
      }
      return {
        status: response.statusCode,
        headers: response.headers,
        text,
        json,
      };
    },
    async close() {
      await app.close();
      await store.close();
      await database.drop();
    },
  };
}

/** Creates records through the API and returns their JSON. */
export async function createRecords(
  service: TestService,
  bodies: readonly Record<string, unknown>[],
): Promise<Record<string, unknown>[]> {
  const created = [];
  for (const payload of bodies) {
    const response = await service.request({
      method: "POST",
      url: collectionUrl,
      payload,
    });
    if (response.status !== 201) {
      throw new Error(`create failed: ${response.status} ${response.text}`);
    }
    created.push(response.json);
  }
  return created;
}

/** Creates a pino logger at a level that collects its lines as JSON. */
export function capturedLogger(level: string) {
  const lines: Record<string, any>[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split("\n")) {
        if (line !== "") lines.push(JSON.parse(line));
      }
      done();
    },
  });
  return { logger: pino({ level }, sink), lines };
}
