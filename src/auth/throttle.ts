/**
 * Token-bucket throttling per application and per tenant, with Intune's
 * documented device-API limits as defaults: per 20 seconds, 200 writes per
 * app and 400 per tenant, 2000 requests of any kind per app and 4000 per
 * tenant. A rejected request takes no tokens and does no work.
 */
import { ApiError } from "../errors.ts";
import type { Access } from "./permissions.ts";
import type { Principal } from "./principal.ts";

export interface ThrottleSettings {
  readonly enabled: boolean;
  readonly windowSeconds: number;
  readonly writesPerApp: number;
  readonly writesPerTenant: number;
  readonly requestsPerApp: number;
  readonly requestsPerTenant: number;
}

export const defaultThrottleSettings: ThrottleSettings = {
  enabled: true,
  windowSeconds: 20,
  writesPerApp: 200,
  writesPerTenant: 400,
  requestsPerApp: 2000,
  requestsPerTenant: 4000,
};

interface Bucket {
  tokens: number;
  updated: number;
}

/** Buckets idle for a whole window are dropped once there are 100,000 of them. */
export class Throttle {
  readonly #settings: ThrottleSettings;
  readonly #buckets = new Map<string, Bucket>();
  readonly #now: () => number;

  constructor(settings: ThrottleSettings, now: () => number = Date.now) {
    this.#settings = settings;
    this.#now = now;
  }

  /** Takes one token from each bucket of the request, or throws 429. */
  take(principal: Principal, access: Access): void {
    const settings = this.#settings;
    if (!settings.enabled) return;
    const app = `app:${principal.appId ?? "none"}`;
    const tenant = `tenant:${principal.tenantId ?? "none"}`;
    const limits: [string, number][] = [
      [`${app}:all`, settings.requestsPerApp],
      [`${tenant}:all`, settings.requestsPerTenant],
    ];
    if (access === "write") {
      limits.push([`${app}:write`, settings.writesPerApp]);
      limits.push([`${tenant}:write`, settings.writesPerTenant]);
    }

    const now = this.#now();
    const buckets = limits.map(([key, capacity]) =>
      this.#refill(key, capacity, now),
    );
    const waits = buckets.map((bucket, index) =>
      this.#secondsUntilToken(bucket, (limits[index] as [string, number])[1]),
    );
    const wait = Math.max(...waits);
    if (wait > 0) {
      throw new ApiError(
        "TooManyRequests",
        `Too many requests from this application or tenant: the limits ` +
          `per ${settings.windowSeconds} seconds are ${settings.requestsPerApp} ` +
          `requests and ${settings.writesPerApp} writes per application. ` +
          `Retry after ${wait} seconds.`,
        { headers: { "Retry-After": String(wait) } },
      );
    }
    for (const bucket of buckets) bucket.tokens -= 1;
  }

  #refill(key: string, capacity: number, now: number): Bucket {
    const rate = capacity / (this.#settings.windowSeconds * 1000);
    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      bucket = { tokens: capacity, updated: now };
      this.#buckets.set(key, bucket);
    }
    bucket.tokens = Math.min(
      capacity,
      bucket.tokens + (now - bucket.updated) * rate,
    );
    bucket.updated = now;
    if (this.#buckets.size > 100_000) this.#dropFullBuckets(now);
    return bucket;
  }

  #secondsUntilToken(bucket: Bucket, capacity: number): number {
    if (bucket.tokens >= 1) return 0;
    const rate = capacity / (this.#settings.windowSeconds * 1000);
    return Math.max(1, Math.ceil((1 - bucket.tokens) / rate / 1000));
  }

  #dropFullBuckets(now: number): void {
    for (const [key, bucket] of this.#buckets) {
      if (now - bucket.updated > this.#settings.windowSeconds * 1000) {
        this.#buckets.delete(key);
      }
    }
  }
}
