// Re-sends a request that failed transiently, with exponential backoff, jitter and Retry-After. A 429
// (DocSpace's rate limiter, which refuses a request before any handler runs it: UseRateLimiter comes
// before the endpoints in common/ASC.Api.Core/Core/BaseStartup.cs) is always safe to send again and uses
// up no attempt: the client waits as asked, up to `rateLimitWait` in all per request.
import { delay } from "@std/async/delay";
import { DocSpaceError } from "./errors.ts";
import { describeRateLimit, rateLimitReset } from "./_docspace/rate_limit.ts";
import type { RetryNotice, RetryOptions } from "./upload_types.ts";

/** The longest `Retry-After` honoured for a failure other than a 429, so a broken proxy cannot stall an upload for days. */
const MAX_RETRY_AFTER = 10 * 60 * 1000;

/** How long a request may wait in all for DocSpace's rate limit, by default: 15 minutes. */
export const RATE_LIMIT_WAIT = 15 * 60 * 1000;

/** Resolved retry settings; `rateLimitWait` defaults to {@linkcode RATE_LIMIT_WAIT}. */
export type RetryPolicy =
  & Required<Omit<RetryOptions, "rateLimitWait">>
  & Pick<RetryOptions, "rateLimitWait">;

/** Checks retry options and fills in the defaults. */
export function retryPolicy(options: RetryOptions | undefined): RetryPolicy {
  const policy = {
    attempts: options?.attempts ?? 8,
    minDelay: options?.minDelay ?? 500,
    maxDelay: options?.maxDelay ?? 30_000,
    rateLimitWait: options?.rateLimitWait ?? RATE_LIMIT_WAIT,
  };
  if (!Number.isInteger(policy.attempts) || policy.attempts < 1) {
    throw new RangeError(
      `Cannot upload: retry.attempts must be a positive integer, received ${policy.attempts}`,
    );
  }
  if (
    !(policy.minDelay >= 0) || !(policy.maxDelay >= policy.minDelay)
  ) {
    throw new RangeError(
      `Cannot upload: retry delays must satisfy 0 <= minDelay <= maxDelay, received minDelay ${policy.minDelay} and maxDelay ${policy.maxDelay}`,
    );
  }
  if (!(policy.rateLimitWait >= 0) || !Number.isFinite(policy.rateLimitWait)) {
    throw new RangeError(
      `Cannot upload: retry.rateLimitWait must be a finite number of milliseconds >= 0, received ${policy.rateLimitWait}`,
    );
  }
  return policy;
}

/** Parses a Retry-After value (seconds or an HTTP date) into milliseconds, at most `max`. */
export function parseRetryAfter(
  value: string | undefined,
  now: number,
  max = MAX_RETRY_AFTER,
): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (value.trim() !== "" && Number.isFinite(seconds) && seconds >= 0) {
    return Math.min(seconds * 1000, max);
  }
  const date = Date.parse(value);
  return Number.isNaN(date)
    ? undefined
    : Math.min(Math.max(0, date - now), max);
}

/** The retry context of an upload's options: their policy and `onRetry`, under `signal`, on the real clock. */
export function retryContextOf(
  options: { retry?: RetryOptions; onRetry?: (notice: RetryNotice) => void },
  signal: AbortSignal,
): RetryContext {
  return {
    policy: retryPolicy(options.retry),
    signal,
    now: Date.now,
    random: Math.random,
    ...(options.onRetry ? { onRetry: options.onRetry } : {}),
  };
}

/** What {@linkcode withRetry} needs besides the request. */
export interface RetryContext {
  policy: RetryPolicy;
  signal: AbortSignal;
  /** The clock, for HTTP-date Retry-After values and rate-limit resets. */
  now: () => number;
  /** A random number in [0, 1), for jitter. */
  random: () => number;
  /** Called before each wait between two attempts. */
  onRetry?: (notice: RetryNotice) => void;
}

/**
 * Runs `send` until it succeeds, fails permanently, or runs out of attempts. `send` receives the attempt
 * number (1-based) and the error of the previous attempt. A failure is sent again when `retryable` says
 * so (by default: when it is transient); a 429 always is, without using up an attempt, until the waits
 * it asks for pass the policy's `rateLimitWait`.
 */
export async function withRetry<T>(
  context: RetryContext,
  send: (attempt: number, previous: DocSpaceError | undefined) => Promise<T>,
  retryable: (error: DocSpaceError) => boolean = (error) => error.transient,
): Promise<T> {
  const { policy, signal } = context;
  let previous: DocSpaceError | undefined;
  let failures = 0;
  let limited = 0;
  let waited = 0;
  for (let attempt = 1;; attempt++) {
    signal.throwIfAborted();
    try {
      return await send(attempt, previous);
    } catch (error) {
      if (!(error instanceof DocSpaceError) || signal.aborted) throw error;
      if (error.rateLimited) {
        const wait = rateLimitDelay(context, error, ++limited, waited);
        waited += wait;
        previous = error;
        await wait_(context, error, attempt, wait);
        continue;
      }
      if (!retryable(error) || ++failures >= policy.attempts) throw error;
      previous = error;
      await pause(context, error, attempt, failures);
    }
  }
}

/** Exponential backoff with jitter for the `nth` wait in a row. */
function backoff(context: RetryContext, nth: number): number {
  const { policy } = context;
  const longest = Math.min(policy.maxDelay, policy.minDelay * 2 ** (nth - 1));
  return Math.round(longest * (0.5 + context.random() / 2));
}

/**
 * The wait before a 429 is sent again: `Retry-After`, else until `X-RateLimit-Reset`, else backoff. A wait
 * that would take this request's waits past `rateLimitWait` is not waited: the limit is thrown, saying
 * when it resets.
 */
function rateLimitDelay(
  context: RetryContext,
  error: DocSpaceError,
  nth: number,
  waited: number,
): number {
  const now = context.now();
  const budget = context.policy.rateLimitWait ?? RATE_LIMIT_WAIT;
  const reset = rateLimitReset(error.rateLimit?.reset, now);
  const asked = parseRetryAfter(error.retryAfter, now, Infinity) ??
    (reset === undefined ? undefined : Math.max(0, Math.ceil(reset - now)));
  const wait = asked ?? backoff(context, nth);
  if (waited + wait <= budget) return wait;
  const limit = describeRateLimit(error.rateLimit, now);
  const until = asked !== undefined
    ? `it asks to wait ${minutes(asked)}`
    : `it kept refusing for ${minutes(waited)}`;
  const daily = asked !== undefined && asked > 60 * 60 * 1000
    ? "; this is most likely DocSpace's daily limit of POST and PUT requests per user (DailyWriteLimit, 10,000 by default), shared by every client of this user"
    : "";
  throw new DocSpaceError(
    `DocSpace's rate limit refused the request (HTTP 429${
      limit ? `: ${limit}` : ""
    }) and ${until}, more than retry.rateLimitWait (${
      minutes(budget)
    }) allows${daily}; try again after the limit resets`,
    {
      step: error.step,
      status: 429,
      retryAfter: error.retryAfter,
      rateLimit: error.rateLimit,
      cause: error,
    },
  );
}

function minutes(ms: number): string {
  return ms < 1000
    ? `${Math.round(ms)} ms`
    : ms < 60_000
    ? `${Math.round(ms / 1000)} s`
    : ms < 2 * 60 * 60 * 1000
    ? `${Math.round(ms / 60_000)} min`
    : `${Math.round(ms / 360_000) / 10} h`;
}

/** Reports a wait to `onRetry`, then waits. */
async function wait_(
  context: RetryContext,
  error: DocSpaceError,
  attempt: number,
  wait: number,
): Promise<void> {
  context.onRetry?.({ step: error.step, attempt, delay: wait, error });
  await delay(wait, { signal: context.signal });
}

/**
 * Waits before attempt `attempt + 1`: the server's Retry-After, else exponential backoff with jitter
 * for the `nth` failure in a row (default: `attempt`). Reports the wait to `onRetry` first.
 */
export async function pause(
  context: RetryContext,
  error: DocSpaceError,
  attempt: number,
  nth = attempt,
): Promise<void> {
  const asked = parseRetryAfter(error.retryAfter, context.now());
  await wait_(context, error, attempt, asked ?? backoff(context, nth));
}
