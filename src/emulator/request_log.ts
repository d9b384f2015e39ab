/**
 * The emulator's record of every request, and what can be measured from it.
 *
 * @module
 */

import type { RateLimitName } from "./rate_limits.ts";

/**
 * What a request was, as the emulator classified it on arrival:
 * - `settings`: `GET /api/2.0/files/settings`
 * - `create`: `…/upload/create_session` or `…/edit_session`; `session`: `…/{folderId}/session`
 * - `numbered`: `{location}&upload=true&chunkNumber=N`; `sequential`: a plain `POST {location}`
 * - `small`: a chunk request (numbered or sequential) to a small-file session, which stores the whole file
 * - `finalize`, `abort`: `{location}&finalize=true`, `{location}&abort=true`
 * - `list`: `GET /api/2.0/files/{folderId}` (a folder's content); `create-folder`: `POST /api/2.0/files/folder/{folderId}`
 * - `auth`: `POST /api/2.0/authentication`; `other`: anything else
 */
export type RequestMode =
  | "settings"
  | "create"
  | "session"
  | "numbered"
  | "sequential"
  | "finalize"
  | "abort"
  | "small"
  | "list"
  | "create-folder"
  | "insert"
  | "auth"
  | "other";

/** One request as the emulator saw and answered it. */
export interface RequestLogEntry {
  /** The HTTP method. */
  method: string;
  /** The URL path. */
  path: string;
  /** The URL query, with its leading `?`, or `""`. */
  search: string;
  /** What the request was. */
  mode: RequestMode;
  /** The session id from `?uid=`, for requests to `location`. */
  uid?: string;
  /** The `chunkNumber` query parameter when it is an integer. */
  chunkNumber?: number;
  /** Numbered mode: the length the Content-Length formula gives; other chunk modes: the part's real size. */
  computedLength?: number;
  /** The HTTP status answered; 0 while the request is in flight. */
  status: number;
  /** The `success` of the reply (`location` replies), or whether an envelope reply was a success. */
  success?: boolean;
  /** The `message` of a `location` reply, or the `error.message` of an envelope error. */
  message?: string;
  /** The request headers, lower-case names; credentials redacted to their scheme, e.g. `Bearer ***`. */
  headers: Record<string, string>;
  /** The authenticated user's id. */
  user?: string;
  /** `performance.now()` on arrival. */
  start: number;
  /** `performance.now()` when the response was returned; `NaN` while in flight. */
  end: number;
  /** The kind of the injected fault applied to this request. */
  fault?: string;
  /** The limit that refused it (status 429), e.g. `"concurrentWrites"`. */
  rateLimit?: RateLimitName;
}

/**
 * The largest number of requests that were in flight at the same moment, from the log's start and end
 * times. A request still in flight counts as open until now.
 *
 * @param log The request log.
 * @param filter Which entries to count; all when absent.
 * @returns The peak number of overlapping requests.
 *
 * @example Two overlapping chunk requests
 * ```ts
 * import { peakConcurrency, type RequestLogEntry } from "@docspace-tools/upload/testing";
 * import { assertEquals } from "@std/assert";
 *
 * const entry = (start: number, end: number): RequestLogEntry => ({
 *   method: "POST", path: "/ChunkedUploader.ashx", search: "", mode: "numbered",
 *   status: 200, headers: {}, start, end,
 * });
 * assertEquals(peakConcurrency([entry(0, 10), entry(5, 15), entry(15, 20)]), 2);
 * ```
 */
export function peakConcurrency(
  log: readonly RequestLogEntry[],
  filter: (entry: RequestLogEntry) => boolean = () => true,
): number {
  const events: [time: number, delta: number][] = [];
  for (const entry of log) {
    if (!filter(entry)) continue;
    events.push([entry.start, 1]);
    events.push([Number.isNaN(entry.end) ? Infinity : entry.end, -1]);
  }
  // Ends sort before starts at the same instant: back-to-back requests do not overlap.
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let open = 0;
  let peak = 0;
  for (const [, delta] of events) {
    open += delta;
    peak = Math.max(peak, open);
  }
  return peak;
}
