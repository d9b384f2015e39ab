// Re-sends a request that failed transiently, with exponential backoff, jitter and Retry-After.
import { delay } from "@std/async/delay";
import { DocSpaceError } from "./errors.ts";
import type { RetryNotice, RetryOptions } from "./upload_types.ts";

/** The longest `Retry-After` honoured, so a broken proxy cannot stall an upload for days. */
const MAX_RETRY_AFTER = 10 * 60 * 1000;

/** Resolved retry settings. */
export type RetryPolicy = Required<RetryOptions>;

/** Checks retry options and fills in the defaults. */
export function retryPolicy(options: RetryOptions | undefined): RetryPolicy {
  const policy = {
    attempts: options?.attempts ?? 8,
    minDelay: options?.minDelay ?? 500,
    maxDelay: options?.maxDelay ?? 30_000,
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
  return policy;
}

/** Parses a Retry-After value (seconds or an HTTP date) into milliseconds. */
export function parseRetryAfter(
  value: string | undefined,
  now: number,
): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (value.trim() !== "" && Number.isFinite(seconds) && seconds >= 0) {
    return Math.min(seconds * 1000, MAX_RETRY_AFTER);
  }
  const date = Date.parse(value);
  return Number.isNaN(date)
    ? undefined
    : Math.min(Math.max(0, date - now), MAX_RETRY_AFTER);
}

/** What {@linkcode withRetry} needs besides the request. */
export interface RetryContext {
  policy: RetryPolicy;
  signal: AbortSignal;
  /** The clock, for HTTP-date Retry-After values. */
  now: () => number;
  /** A random number in [0, 1), for jitter. */
  random: () => number;
  /** Called before each wait between two attempts. */
  onRetry?: (notice: RetryNotice) => void;
}

/**
 * Runs `send` until it succeeds, fails permanently, or runs out of attempts. `send` receives the attempt
 * number (1-based) and the error of the previous attempt.
 */
export async function withRetry<T>(
  context: RetryContext,
  send: (attempt: number, previous: DocSpaceError | undefined) => Promise<T>,
): Promise<T> {
  const { policy, signal } = context;
  let previous: DocSpaceError | undefined;
  for (let attempt = 1;; attempt++) {
    signal.throwIfAborted();
    try {
      return await send(attempt, previous);
    } catch (error) {
      if (
        !(error instanceof DocSpaceError) || !error.transient ||
        attempt >= policy.attempts || signal.aborted
      ) {
        throw error;
      }
      previous = error;
      await pause(context, error, attempt);
    }
  }
}

/**
 * Waits before attempt `attempt + 1`: the server's Retry-After, else exponential backoff with jitter.
 * Reports the wait to `onRetry` first.
 */
export async function pause(
  context: RetryContext,
  error: DocSpaceError,
  attempt: number,
): Promise<void> {
  const { policy } = context;
  const backoff = Math.min(
    policy.maxDelay,
    policy.minDelay * 2 ** (attempt - 1),
  );
  const asked = parseRetryAfter(error.retryAfter, context.now());
  const wait = asked ?? Math.round(backoff * (0.5 + context.random() / 2));
  context.onRetry?.({ step: error.step, attempt, delay: wait, error });
  await delay(wait, { signal: context.signal });
}
