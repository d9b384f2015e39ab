// What DocSpace's rate limiter says in a reply's `X-RateLimit-*` headers: the limit, what remains, and when
// it resets, read and put in words for a person.
import type { RateLimitHeaders } from "../errors.ts";

/** Above this, an `X-RateLimit-Reset` is a Unix time in seconds, not a number of seconds from now. */
const EPOCH_SECONDS = 1e9;

/** The rate limiter's `X-RateLimit-*` headers, when the reply has any. */
export function rateLimitHeaders(
  headers: Headers,
): RateLimitHeaders | undefined {
  const found: RateLimitHeaders = {};
  for (const name of ["limit", "remaining", "reset"] as const) {
    const value = headers.get(`x-ratelimit-${name}`)?.trim();
    if (value) found[name] = value.slice(0, 100);
  }
  return Object.keys(found).length > 0 ? found : undefined;
}

/**
 * When a rate limit resets, in milliseconds since the epoch, from `X-RateLimit-Reset`: a Unix time in
 * seconds (what DocSpace sends), or below 10^9 a number of seconds from `now`.
 */
export function rateLimitReset(
  reset: string | undefined,
  now: number,
): number | undefined {
  if (reset === undefined || !/^\d+(\.\d+)?$/.test(reset)) return undefined;
  const seconds = Number(reset);
  return seconds > EPOCH_SECONDS ? seconds * 1000 : now + seconds * 1000;
}

/** The rate limit, for a person: "limit 10000, 0 remaining, resets at 2026-01-01T00:00:00Z". */
export function describeRateLimit(
  rateLimit: RateLimitHeaders | undefined,
  now: number,
): string {
  const parts: string[] = [];
  if (rateLimit?.limit !== undefined) parts.push(`limit ${rateLimit.limit}`);
  if (rateLimit?.remaining !== undefined) {
    parts.push(`${rateLimit.remaining} remaining`);
  }
  const reset = rateLimitReset(rateLimit?.reset, now);
  if (reset !== undefined && reset < 8.64e15) {
    parts.push(
      `resets at ${new Date(reset).toISOString().replace(".000Z", "Z")}`,
    );
  }
  return parts.join(", ");
}
