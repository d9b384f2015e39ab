// What the upload page says, in plain words: sizes, speeds, times, retries, the gateway's queue, and errors
// that name the party that can fix them (the person who gave the ticket, the gateway, DocSpace, the
// browser). Browser-only; bundled into the page.
import { DocSpaceError, StreamLengthError } from "../../client/errors.ts";
import type { RetryNotice } from "../../client/upload_types.ts";

/** Where a request stood in the gateway's fair queue (a 503's `queue`, or `GET /queue`). */
export interface QueuePlace {
  /** Its place in line, 1 = next served. */
  position?: number;
  /** Seconds until it is worth asking again. */
  retryAfter?: number;
}

/** A byte count, like `1.5 MiB`. */
export function formatBytes(n: number): string {
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
  let unit = 0;
  while (n >= 1024 && unit < units.length - 1) {
    n /= 1024;
    unit++;
  }
  return `${unit === 0 ? n : n.toFixed(1)} ${units[unit]}`;
}

/** A number of seconds, like `5 s`, `3 min 20 s` or `2 h 5 min`. */
export function formatSeconds(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** How many uploads are ahead of one at `position`, in words. */
export function ahead(position: number): string {
  const n = position - 1;
  return n <= 0
    ? "next in line"
    : `${n} ${n === 1 ? "upload" : "uploads"} ahead`;
}

/** What a retry notice means for a person: who is slow or busy, and when the next attempt goes. */
export function retryWords(
  notice: RetryNotice,
  queue: QueuePlace | undefined,
): string {
  const when = `retrying in ${formatSeconds(notice.delay / 1000)}`;
  const { error } = notice;
  if (error.status === 503 && queue !== undefined) {
    return `Waiting for the gateway${
      queue.position ? `: ${ahead(queue.position)}` : ""
    }, ${when}`;
  }
  if (error.status === 429) {
    return `DocSpace asked to slow down, ${when}`;
  }
  const what = error.status === undefined
    ? "The connection to the gateway failed"
    : error.status === 502 || error.status === 504
    ? "DocSpace did not answer the gateway in time"
    : `The gateway answered HTTP ${error.status}`;
  return `${what}, ${when} (attempt ${notice.attempt + 1})`;
}

/** Whether an error is the cancellation of an upload. */
export function isAbort(error: unknown): boolean {
  return error instanceof Error && error.name === "AbortError";
}

/**
 * An error, for the person uploading: what happened and who can help. `maxBytes` is the ticket's limit,
 * when known.
 */
export function explain(error: unknown, maxBytes?: number): string {
  if (error instanceof StreamLengthError || isReadError(error)) {
    return "The browser could not read this file (was it changed, moved or deleted?). Pick it again.";
  }
  if (!(error instanceof DocSpaceError)) {
    return `Something went wrong in this page: ${
      error instanceof Error ? error.message : String(error)
    }`;
  }
  const said = error.serverMessage ? ` It said: “${error.serverMessage}”.` : "";
  switch (error.status) {
    case undefined:
      return "The upload gateway could not be reached: check your internet connection, then retry.";
    case 400:
      return `The upload gateway refused the request.${said}`;
    case 401:
      return "The upload ticket was not accepted: it may have expired or been copied incompletely. Ask whoever sent you this link for a new one.";
    case 403:
      return `The upload ticket does not allow this.${said} Ask whoever sent you this link.`;
    case 408:
      return "The connection was too slow: the upload gateway stopped waiting for data. Retry.";
    case 411:
    case 413:
      return `This file is larger than the upload ticket allows${
        maxBytes === undefined ? "" : ` (${formatBytes(maxBytes)})`
      }.${said}`;
    case 429:
      return `DocSpace's request limit for this gateway was reached. Retry later.${said}`;
    case 502:
    case 504:
      return `DocSpace, behind the upload gateway, did not answer properly. Retry later.${said}`;
    case 503:
      return `The upload gateway is busy with other uploads. Retry in a minute.${said}`;
    default:
      return error.status >= 500
        ? `The upload gateway failed (HTTP ${error.status}). Retry later.${said}`
        : `The upload was refused (HTTP ${error.status}).${said}`;
  }
}

function isReadError(error: unknown): boolean {
  return error instanceof Error &&
    (error.name === "NotReadableError" || error.name === "NotFoundError");
}
