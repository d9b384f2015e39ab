/**
 * DocSpace's global rate limiter, as the emulator applies it to every request: three limiters chained
 * per user (common/ASC.Api.Core/Core/BaseStartup.cs, AddRateLimiter; the limits of
 * common/ASC.Common/Utils/RateLimiterSettings.cs; the Redis limiters of the RedisRateLimiting 1.2.1
 * package, whose 429 carries the refusing limiter's headers, RateLimitMetadata.OnRejected).
 *
 * @module
 */

/**
 * The limits, each a positive integer or `false` for none. Defaults are RateLimiterSettings.cs's.
 *
 * @example Allow 3 concurrent writes and no daily cap
 * ```ts
 * import { DocSpaceEmulator } from "@docspace-tools/upload/testing";
 * import { assertEquals } from "@std/assert";
 *
 * const emulator = new DocSpaceEmulator({ rateLimits: { concurrentWrites: 3, writesPerDay: false } });
 * assertEquals(emulator.options.rateLimits.concurrentWrites, 3);
 * assertEquals(emulator.options.maxUploadThreadCount, 3); // SetupInfo.cs reads the same setting
 * ```
 */
export interface RateLimits {
  /** SlidingWindowLimit: requests of any method in any 60 s (a sliding log of admitted requests). @default {1500} */
  requestsPerMinute?: number | false;
  /** DefaultConcurrencyWriteRequests: requests other than GET in flight at once; the next is refused at once. @default {15} */
  concurrentWrites?: number | false;
  /** ConcurrentGetLimit: GET requests in flight at once. @default {50} */
  concurrentGets?: number | false;
  /** DailyWriteLimit: POST and PUT requests in a window of 24 h that starts with the first one. @default {10000} */
  writesPerDay?: number | false;
}

/** The limits with defaults filled in; `false` where a limit is off. */
export type ResolvedRateLimits = { [K in keyof RateLimits]-?: number | false };

/** The name of a limit, as {@linkcode RateLimits} spells it. */
export type RateLimitName = keyof RateLimits;

/** The server's defaults (RateLimiterSettings.cs). */
export const DEFAULT_RATE_LIMITS: Readonly<ResolvedRateLimits> = {
  requestsPerMinute: 1500,
  concurrentWrites: 15,
  concurrentGets: 50,
  writesPerDay: 10000,
};

/**
 * What the limiter did, per user: the requests it refused and how many requests were in flight at once.
 * Users are keyed by id; anonymous requests by the client's address (`"in-process"` for `app.request`).
 *
 * @example Assert an upload never ran more than 3 writes at once and was never refused
 * ```ts
 * import { DocSpaceEmulator } from "@docspace-tools/upload/testing";
 * import { assertEquals } from "@std/assert";
 *
 * const emulator = new DocSpaceEmulator();
 * await emulator.app.request("/api/2.0/files/settings", { headers: { authorization: "Bearer emulator-token" } });
 * const stats = emulator.stats();
 * assertEquals(stats.refused.total, 0);
 * assertEquals(stats.peakConcurrentGets, { admin: 1 });
 * assertEquals(stats.peakConcurrentWrites, {});
 * ```
 */
export interface RateLimitStats {
  /** Requests answered 429. */
  refused: {
    /** All of them. */
    total: number;
    /** By the limit that refused them. */
    byLimit: Record<RateLimitName, number>;
    /** By user id (or address). */
    byUser: Record<string, number>;
  };
  /** The most requests other than GET in flight at once, per user, counted whether or not a limit is on. */
  peakConcurrentWrites: Record<string, number>;
  /** The most GET requests in flight at once, per user. */
  peakConcurrentGets: Record<string, number>;
}

/** A refusal: the limit and the headers of the 429 (RateLimitMetadata.OnRejected's order). */
export interface Refusal {
  refused: RateLimitName;
  headers: [string, string][];
}

/** An admitted request; `release()` when its response is finished. */
export interface Admission {
  refused?: undefined;
  release(): void;
}

const MINUTE = 60_000;
const DAY_SECONDS = 86_400;
/** RedisConcurrencyManager's Lua script: "max seconds it takes to complete a request". */
const LEASE_TTL_SECONDS = 60;

function positiveOrFalse(name: string, value: number | false): number | false {
  if (value === false) return false;
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new RangeError(
      `Cannot create DocSpaceEmulator: rateLimits.${name} must be a positive integer or false, received ${value}`,
    );
  }
  return value;
}

/** Fills in the server's defaults; `false` turns every limit off. Internal to the emulator. */
export function resolveRateLimits(
  limits: false | RateLimits | undefined,
): ResolvedRateLimits {
  if (limits === false) {
    return {
      requestsPerMinute: false,
      concurrentWrites: false,
      concurrentGets: false,
      writesPerDay: false,
    };
  }
  const resolved = { ...DEFAULT_RATE_LIMITS };
  for (const name of Object.keys(resolved) as RateLimitName[]) {
    const value = limits?.[name];
    if (value !== undefined) resolved[name] = positiveOrFalse(name, value);
  }
  return resolved;
}

/** The three chained limiters and their counts, per partition key; internal to the emulator. */
export class RateLimiter {
  readonly #limits: ResolvedRateLimits;
  readonly #now: () => number;
  /** RedisSlidingWindowManager: the times (ms) of the admitted requests still in the window. */
  readonly #window = new Map<string, number[]>();
  /** RedisConcurrencyManager: each held lease and the second it was taken. */
  readonly #leases = new Map<string, Map<object, number>>();
  /** RedisFixedWindowManager: the window's end (Unix seconds) and its count. */
  readonly #daily = new Map<string, { expiresAt: number; count: number }>();
  readonly #inFlightCounts = new Map<string, number>();
  readonly #stats: RateLimitStats = {
    refused: {
      total: 0,
      byLimit: {
        requestsPerMinute: 0,
        concurrentWrites: 0,
        concurrentGets: 0,
        writesPerDay: 0,
      },
      byUser: {},
    },
    peakConcurrentWrites: {},
    peakConcurrentGets: {},
  };

  constructor(limits: ResolvedRateLimits, now: () => number) {
    this.#limits = limits;
    this.#now = now;
  }

  /**
   * PartitionedRateLimiter.CreateChained: the sliding window, then the concurrency limit, then (POST and
   * PUT only) the daily window. The first refusal answers; the permits taken before it are given back
   * (a sliding window's entry stays: the Redis script recorded it).
   */
  admit(key: string, method: string): Admission | Refusal {
    const now = this.#now();
    const seconds = Math.floor(now / 1000);
    const verb = method.toUpperCase();
    const write = verb !== "GET";
    const refusedByWindow = this.#slidingWindow(key, now);
    if (refusedByWindow) return refusedByWindow;
    const lease = this.#concurrencyLease(key, write, seconds);
    if ("refused" in lease) return lease;
    if (verb === "POST" || verb === "PUT") {
      const refusedByDay = this.#dailyWindow(key, seconds);
      if (refusedByDay) {
        lease.release();
        return refusedByDay;
      }
    }
    return this.#inFlight(key, write, lease);
  }

  /** RedisSlidingWindowManager: zremrangebyscore -inf (now - window); allowed when zcard < limit. */
  #slidingWindow(key: string, now: number): Refusal | undefined {
    const { requestsPerMinute } = this.#limits;
    if (requestsPerMinute === false) return undefined;
    // only admitted requests are added
    const times = (this.#window.get(key) ?? []).filter((t) => t > now - MINUTE);
    this.#window.set(key, times);
    if (times.length >= requestsPerMinute) {
      return this.#refuse(key, "requestsPerMinute", [
        ["x-ratelimit-limit", `${requestsPerMinute}`],
        ["x-ratelimit-remaining", `${requestsPerMinute - times.length}`],
      ]);
    }
    times.push(now);
    return undefined;
  }

  /** RedisConcurrencyManager: a lease in the request's partition (writes and GETs apart), or the refusal. */
  #concurrencyLease(
    key: string,
    write: boolean,
    seconds: number,
  ): { release(): void } | Refusal {
    const name = write ? "concurrentWrites" : "concurrentGets";
    const concurrency = this.#limits[name];
    if (concurrency === false) return { release: () => {} };
    const partition = `${write ? "cr_write" : "cr_read"}_${key}`;
    const leases = this.#leases.get(partition) ?? new Map<object, number>();
    this.#leases.set(partition, leases);
    // A lease taken 60 s ago or more no longer counts, even if its request is still running.
    for (const [held, at] of leases) {
      if (at <= seconds - LEASE_TTL_SECONDS) leases.delete(held);
    }
    if (leases.size >= concurrency) {
      return this.#refuse(key, name, [
        ["x-ratelimit-limit", `${concurrency}`],
        ["x-ratelimit-remaining", `${concurrency - leases.size}`],
      ]);
    }
    const lease = {};
    leases.set(lease, seconds);
    return { release: () => this.#leases.get(partition)?.delete(lease) };
  }

  /** RedisFixedWindowManager: one more POST or PUT in the day's window, or the refusal. */
  #dailyWindow(key: string, seconds: number): Refusal | undefined {
    const { writesPerDay } = this.#limits;
    if (writesPerDay === false) return undefined;
    let window = this.#daily.get(key);
    if (window === undefined || window.expiresAt < seconds) {
      window = { expiresAt: seconds + DAY_SECONDS, count: 0 };
      this.#daily.set(key, window);
    }
    if (window.count + 1 > writesPerDay) {
      return this.#refuse(key, "writesPerDay", [
        ["x-ratelimit-limit", `${writesPerDay}`],
        [
          "x-ratelimit-remaining",
          `${Math.max(writesPerDay - window.count, 0)}`,
        ],
        ["x-ratelimit-reset", `${window.expiresAt}`],
        ["retry-after", `${window.expiresAt - seconds}`],
      ]);
    }
    window.count += 1;
    return undefined;
  }

  /** The admitted request, counted in flight (for the peaks) until it is released with its lease. */
  #inFlight(
    key: string,
    write: boolean,
    lease: { release(): void },
  ): Admission {
    const flight = `${write ? "w" : "r"}:${key}`;
    const open = (this.#inFlightCounts.get(flight) ?? 0) + 1;
    this.#inFlightCounts.set(flight, open);
    const peaks = write
      ? this.#stats.peakConcurrentWrites
      : this.#stats.peakConcurrentGets;
    peaks[key] = Math.max(peaks[key] ?? 0, open);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.#inFlightCounts.set(
          flight,
          (this.#inFlightCounts.get(flight) ?? 1) - 1,
        );
        lease.release();
      },
    };
  }

  /** A deep copy of the counts. */
  stats(): RateLimitStats {
    return structuredClone(this.#stats);
  }

  #refuse(
    key: string,
    refused: RateLimitName,
    headers: [string, string][],
  ): Refusal {
    const { refused: counts } = this.#stats;
    counts.total += 1;
    counts.byLimit[refused] += 1;
    counts.byUser[key] = (counts.byUser[key] ?? 0) + 1;
    return { refused, headers };
  }
}
