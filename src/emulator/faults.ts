/**
 * Failures the emulator can inject, as the proxies in front of a real portal produce them.
 *
 * @module
 */

import type { RequestLogEntry, RequestMode } from "./request_log.ts";

/** Which requests a fault applies to; every field given must match. */
export interface FaultMatch {
  /** The request's mode; when absent, any request to `location` (numbered, sequential, small, finalize, abort). */
  mode?: RequestMode;
  /** The chunk number (numbered mode). */
  chunkNumber?: number;
  /** The session id. */
  uid?: string;
}

/**
 * A fault to inject. It applies to the next `times` requests that match, in arrival order:
 * - `status`: answer this HTTP status before storing anything (the body is read and dropped), with
 *   `body` (default: a proxy's HTML error page), an optional `Retry-After` in seconds and optional extra
 *   `headers` (like the `X-RateLimit-*` of DocSpace's rate limiter, RateLimitMetadata.OnRejected of
 *   RedisRateLimiting.AspNetCore, set up in common/ASC.Api.Core/Core/BaseStartup.cs)
 * - `drop-after-store`: handle the request fully (the chunk is stored), then break the response: the
 *   status line and headers arrive but the body ends early, so the client's body read fails
 * - `latency`: wait `ms` before handling
 * - `slow-reader`: read the request body at `bytesPerSecond`
 */
export type Fault =
  & {
    /** Which requests it applies to. @default {any request to location} */
    match?: FaultMatch;
    /** How many matching requests it applies to. @default {1} */
    times?: number;
  }
  & (
    | {
      kind: "status";
      status: number;
      body?: string;
      retryAfter?: number;
      headers?: Record<string, string>;
    }
    | { kind: "drop-after-store" }
    | { kind: "latency"; ms: number }
    | { kind: "slow-reader"; bytesPerSecond: number }
  );

const LOCATION_MODES: ReadonlySet<RequestMode> = new Set([
  "numbered",
  "sequential",
  "small",
  "finalize",
  "abort",
]);

function matches(fault: Fault, entry: RequestLogEntry): boolean {
  const match = fault.match ?? {};
  if (
    match.mode === undefined
      ? !LOCATION_MODES.has(entry.mode)
      : match.mode !== entry.mode
  ) {
    return false;
  }
  if (
    match.chunkNumber !== undefined && match.chunkNumber !== entry.chunkNumber
  ) return false;
  return match.uid === undefined || match.uid === entry.uid;
}

/** The queue of injected faults; internal to the emulator. */
export class FaultQueue {
  #faults: { fault: Fault; left: number }[] = [];

  /** Queues a fault. */
  add(fault: Fault): void {
    const times = fault.times ?? 1;
    if (!Number.isSafeInteger(times) || times < 1) {
      throw new RangeError(
        `Cannot inject fault: times must be a positive integer, received ${times}`,
      );
    }
    this.#faults.push({ fault, left: times });
  }

  /** Drops every queued fault. */
  clear(): void {
    this.#faults = [];
  }

  /** Takes one application of the first queued fault that matches, if any. */
  take(entry: RequestLogEntry): Fault | undefined {
    const index = this.#faults.findIndex(({ fault }) => matches(fault, entry));
    const found = this.#faults[index];
    if (found === undefined) return undefined;
    if (--found.left === 0) this.#faults.splice(index, 1);
    return found.fault;
  }
}

/** A proxy-style HTML page for a status fault without a body. */
export function faultPage(status: number): string {
  return `<html>\r\n<head><title>${status}</title></head>\r\n<body>\r\n<center><h1>${status}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
}
