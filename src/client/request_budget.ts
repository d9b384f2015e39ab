/**
 * `RequestBudget`: one pool of concurrent requests, and one pace, for everything a client sends to a
 * portal, sized to DocSpace's per-user rate limits.
 *
 * @module
 */
import { rateLimitReset } from "./_docspace/rate_limit.ts";
import { parseRetryAfter } from "./_retry.ts";

/** Options for {@linkcode RequestBudget}. */
export interface RequestBudgetOptions {
  /**
   * Requests other than GET and HEAD in flight at once, at most. DocSpace refuses a user's 16th concurrent
   * write (`maxUploadThreadCount`, 15 by default) with 429 and shares that limit among every client of the
   * user, so leave it some room.
   *
   * @default {12}
   */
  writes?: number;
  /** GET and HEAD requests in flight at once, at most. @default {the same as `writes`} */
  reads?: number;
  /**
   * Requests of any method started in any 60 seconds, at most; `false` for no pace. DocSpace refuses a
   * user's 1,501st request in a sliding minute.
   *
   * @default {1350}
   */
  requestsPerMinute?: number | false;
  /** The clock, in milliseconds. @default {Date.now} */
  now?: () => number;
}

/** What a {@linkcode RequestBudget} has seen. */
export interface RequestBudgetStats {
  /** Requests started. */
  started: number;
  /** Replies with HTTP 429. */
  refused: number;
  /** The most writes that were in flight at once. */
  peakWrites: number;
  /** The most reads that were in flight at once. */
  peakReads: number;
  /** The current limit on writes in flight (it shrinks after a 429 and grows back). */
  writeLimit: number;
}

/** The longest a 429's hold-off stops new requests from starting. */
const MAX_HOLD = 10 * 60 * 1000;

interface Waiter {
  write: boolean;
  resolve: () => void;
}

function positive(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(
      `Cannot create RequestBudget: ${name} must be a positive integer, received ${value}`,
    );
  }
  return value;
}

/**
 * A budget of requests shared by every upload of one client: at most `writes` writes and `reads` reads in
 * flight, at most `requestsPerMinute` started in any minute, first come first served. A reply of 429
 * halves the write limit (DocSpace's concurrency limiter refuses at once, without a queue) and holds new
 * requests back for as long as `Retry-After` or `X-RateLimit-Reset` ask; each run of successful writes
 * grows it back by one, up to `writes`.
 *
 * {@linkcode RequestBudget.fetch} wraps a `fetch` so that every request draws from the budget.
 *
 * @example Two writes at most, whatever the callers do
 * ```ts
 * import { RequestBudget } from "@docspace-tools/upload";
 * import { assertEquals } from "@std/assert";
 *
 * const budget = new RequestBudget({ writes: 2, requestsPerMinute: false });
 * let inFlight = 0;
 * let most = 0;
 * const send = budget.fetch(async () => {
 *   most = Math.max(most, ++inFlight);
 *   await new Promise((resolve) => setTimeout(resolve, 5));
 *   inFlight--;
 *   return new Response("{}");
 * });
 * await Promise.all(
 *   Array.from({ length: 6 }, () => send("https://portal.invalid/", { method: "POST" })),
 * );
 * assertEquals(most, 2);
 * assertEquals(budget.stats().started, 6);
 * ```
 */
export class RequestBudget {
  #maxWrites: number;
  #writeLimit: number;
  #reads: number;
  #perMinute: number | false;
  #now: () => number;
  #writes = 0;
  #readsInFlight = 0;
  #queue: Waiter[] = [];
  /** Start times of the last `perMinute` requests, oldest first (a ring). */
  #starts: number[] = [];
  #startAt = 0;
  #holdUntil = 0;
  #successes = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stats = { started: 0, refused: 0, peakWrites: 0, peakReads: 0 };

  /**
   * Creates a budget.
   *
   * @param options The limits and the clock.
   * @throws {RangeError} If a limit is not a positive integer.
   */
  constructor(options: RequestBudgetOptions = {}) {
    this.#maxWrites = positive("writes", options.writes ?? 12);
    this.#writeLimit = this.#maxWrites;
    this.#reads = positive("reads", options.reads ?? this.#maxWrites);
    const perMinute = options.requestsPerMinute ?? 1350;
    this.#perMinute = perMinute === false
      ? false
      : positive("requestsPerMinute", perMinute);
    this.#now = options.now ?? Date.now;
  }

  /**
   * Changes the most writes (and reads) in flight, as when the server's settings arrive.
   *
   * @param writes The new most writes in flight; reads follow it.
   * @throws {RangeError} If it is not a positive integer.
   */
  resize(writes: number): void {
    this.#maxWrites = positive("writes", writes);
    this.#writeLimit = Math.min(this.#writeLimit, writes);
    if (this.#stats.refused === 0) this.#writeLimit = writes;
    this.#reads = writes;
    this.#pump();
  }

  /**
   * Waits for a place for one request, then takes it.
   *
   * @param method The request's method: GET and HEAD are reads, every other method a write.
   * @param signal Stops the wait.
   * @returns The function that gives the place back; call it once the reply has arrived.
   */
  async acquire(method: string, signal?: AbortSignal): Promise<() => void> {
    signal?.throwIfAborted();
    const write = !/^(GET|HEAD)$/i.test(method);
    const waiter: Waiter = { write, resolve: () => {} };
    let admitted = false;
    const entered = new Promise<void>((resolve) =>
      waiter.resolve = () => {
        admitted = true;
        resolve();
      }
    );
    this.#queue.push(waiter);
    this.#pump();
    if (signal && !admitted) {
      let onAbort!: () => void;
      const aborted = new Promise<never>((_, reject) => {
        onAbort = () => reject(signal.reason);
        signal.addEventListener("abort", onAbort, { once: true });
      });
      try {
        await Promise.race([entered, aborted]);
      } catch (error) {
        if (admitted) this.#release(write);
        else this.#forget(waiter);
        throw error;
      } finally {
        signal.removeEventListener("abort", onAbort);
      }
    } else {
      await entered;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#release(write);
    };
  }

  /**
   * Takes note of a reply: a 429 shrinks the write limit and holds new requests back as the headers ask;
   * other replies to writes grow the limit back.
   *
   * @param response The reply.
   * @param method The request's method.
   */
  observe(response: Response, method: string): void {
    if (response.status === 429) {
      this.#stats.refused++;
      this.#successes = 0;
      this.#writeLimit = Math.max(1, Math.floor(this.#writeLimit / 2));
      const now = this.#now();
      const wait = retryAfter(response.headers, now);
      if (wait !== undefined) {
        this.#holdUntil = Math.max(
          this.#holdUntil,
          now + Math.min(wait, MAX_HOLD),
        );
      }
      return;
    }
    if (
      !/^(GET|HEAD)$/i.test(method) && this.#writeLimit < this.#maxWrites &&
      ++this.#successes >= this.#writeLimit
    ) {
      this.#successes = 0;
      this.#writeLimit++;
      this.#pump();
    }
  }

  /**
   * Wraps a `fetch`: each request waits for its place, and its reply is observed.
   *
   * @param fetcher The `fetch` to send with.
   * @returns A `fetch` that draws from this budget.
   */
  fetch(fetcher: typeof fetch): typeof fetch {
    return async (input, init) => {
      const method = init?.method ??
        (input instanceof Request ? input.method : "GET");
      const release = await this.acquire(method, init?.signal ?? undefined);
      try {
        const response = await fetcher(input, init);
        this.observe(response, method);
        return response;
      } finally {
        release();
      }
    };
  }

  /**
   * What the budget has seen so far.
   *
   * @returns Counts and peaks.
   */
  stats(): RequestBudgetStats {
    return { ...this.#stats, writeLimit: this.#writeLimit };
  }

  #forget(waiter: Waiter): void {
    const at = this.#queue.indexOf(waiter);
    if (at >= 0) this.#queue.splice(at, 1);
    if (this.#queue.length === 0 && this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }

  #release(write: boolean): void {
    if (write) this.#writes--;
    else this.#readsInFlight--;
    this.#pump();
  }

  /** Admits waiters in order while there is room; arms a timer for a pace or a hold-off. */
  #pump(): void {
    while (this.#queue.length > 0) {
      const now = this.#now();
      let until = this.#holdUntil > now ? this.#holdUntil : 0;
      if (until === 0 && this.#perMinute !== false) {
        const oldest = this.#starts.length >= this.#perMinute
          ? this.#starts[this.#startAt]!
          : undefined;
        if (oldest !== undefined && now - oldest < 60_000) {
          until = oldest + 60_000;
        }
      }
      if (until > 0) {
        this.#wake(until - now);
        return;
      }
      // First come, first served, but a read need not wait behind a write that has no room (and back).
      const at = this.#queue.findIndex((w) =>
        w.write
          ? this.#writes < this.#writeLimit
          : this.#readsInFlight < this.#reads
      );
      if (at < 0) return;
      const [waiter] = this.#queue.splice(at, 1);
      if (waiter!.write) {
        this.#writes++;
        this.#stats.peakWrites = Math.max(this.#stats.peakWrites, this.#writes);
      } else {
        this.#readsInFlight++;
        this.#stats.peakReads = Math.max(
          this.#stats.peakReads,
          this.#readsInFlight,
        );
      }
      this.#stats.started++;
      if (this.#perMinute !== false) {
        if (this.#starts.length < this.#perMinute) this.#starts.push(now);
        else {
          this.#starts[this.#startAt] = now;
          this.#startAt = (this.#startAt + 1) % this.#perMinute;
        }
      }
      waiter!.resolve();
    }
  }

  #wake(ms: number): void {
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#pump();
      // Checked at least once a second, so that a clock that jumps (or a test's) is noticed.
    }, Math.min(1000, Math.max(1, ms)));
  }
}

/** How long a 429 asks to wait: `Retry-After`, else until `X-RateLimit-Reset`. */
function retryAfter(headers: Headers, now: number): number | undefined {
  const asked = parseRetryAfter(headers.get("retry-after") ?? undefined, now);
  if (asked !== undefined) return asked;
  const reset = rateLimitReset(
    headers.get("x-ratelimit-reset")?.trim().slice(0, 100),
    now,
  );
  return reset === undefined ? undefined : Math.max(0, reset - now);
}
