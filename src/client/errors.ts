/**
 * The errors callers of this module catch: {@linkcode DocSpaceError} for a failed request, and
 * {@linkcode StreamLengthError} for a stream longer or shorter than declared.
 *
 * @module
 */
import { SESSION_GONE } from "./_server_messages.ts";

/** Options for {@linkcode DocSpaceError}. */
export interface DocSpaceErrorOptions {
  /** The step that failed: `settings`, `create`, `chunk 7`, `finalize`, `abort`. */
  step: string;
  /** The HTTP status of the reply, when there was one. */
  status?: number | undefined;
  /** The server's own message (`error.message` or `message` of a `success:false` reply). */
  serverMessage?: string | undefined;
  /** Whether sending the same request again may succeed (network errors, 408, 429, 5xx from a proxy). */
  transient?: boolean;
  /** The reply's `Retry-After` header, when it had one. */
  retryAfter?: string | undefined;
  /** The reply's `X-RateLimit-*` headers, when it had any (a 429 from DocSpace's rate limiter). */
  rateLimit?: RateLimitHeaders | undefined;
  /** What went wrong underneath, such as a network `TypeError`. */
  cause?: unknown;
}

/**
 * What DocSpace's rate limiter says about a refused request (HTTP 429): its `X-RateLimit-*` headers as
 * sent, each only when the limiter has it (RedisRateLimiting.AspNetCore's `RateLimitMetadata.OnRejected`).
 * The daily write limit sends all three and `Retry-After`; the per-minute and the concurrency limits send
 * only `limit` and `remaining`.
 */
export interface RateLimitHeaders {
  /** `X-RateLimit-Limit`: the limit's size, like `"10000"` (POST and PUT requests a day). */
  limit?: string;
  /** `X-RateLimit-Remaining`: the requests left in the window, like `"0"`. */
  remaining?: string;
  /**
   * `X-RateLimit-Reset`: when the window resets, as DocSpace 3.7 sends it a Unix time in seconds; a value
   * below 10^9 is read as seconds from now.
   */
  reset?: string;
}

const STEP_LABELS: Record<string, string> = {
  settings: "Reading the upload settings",
  create: "Creating the upload session",
  check: "Checking for existing files",
  finalize: "Finalizing the upload",
  abort: "Aborting the upload session",
  insert: "Uploading the file",
};

function label(step: string): string {
  return STEP_LABELS[step] ??
    (step.startsWith("chunk ") ? `Uploading ${step}` : `DocSpace ${step}`);
}

/**
 * A request to DocSpace failed: an error envelope, an HTTP-200 `success:false` reply, a non-JSON page from
 * a proxy, a refused or lost connection. It names the step, the HTTP status and the server's message, and
 * never the credentials.
 *
 * @example Inspect a failure
 * ```ts
 * import { DocSpaceError } from "@docspace-tools/upload";
 * import { assertEquals } from "@std/assert";
 *
 * const error = new DocSpaceError("uploadSize != bytesTotal", {
 *   step: "finalize",
 *   status: 200,
 *   serverMessage: "uploadSize != bytesTotal",
 * });
 * assertEquals(error.message, "Finalizing the upload failed: uploadSize != bytesTotal");
 * assertEquals(error.step, "finalize");
 * assertEquals(error.transient, false);
 * ```
 */
export class DocSpaceError extends Error {
  /** The step that failed: `settings`, `create`, `chunk 7`, `finalize`, `abort`. */
  readonly step: string;
  /** The HTTP status of the reply, or `undefined` when no reply arrived. */
  readonly status: number | undefined;
  /** The server's own message, when it gave one. */
  readonly serverMessage: string | undefined;
  /** Whether sending the same request again may succeed. */
  readonly transient: boolean;
  /** The reply's `Retry-After` header (seconds or an HTTP date), when it had one. */
  readonly retryAfter: string | undefined;
  /** The reply's `X-RateLimit-*` headers, when it had any. */
  readonly rateLimit: RateLimitHeaders | undefined;
  /** What went wrong, without the step's label in front. */
  readonly detail: string;

  /**
   * Creates an error for a failed step.
   *
   * @param detail What went wrong, for a person; the step's label is put in front of it.
   * @param options The step, status, server message, whether it is transient, and the cause.
   */
  constructor(detail: string, options: DocSpaceErrorOptions) {
    super(`${label(options.step)} failed: ${detail}`, { cause: options.cause });
    this.name = "DocSpaceError";
    this.step = options.step;
    this.status = options.status;
    this.serverMessage = options.serverMessage;
    this.transient = options.transient ?? false;
    this.retryAfter = options.retryAfter;
    this.rateLimit = options.rateLimit;
    this.detail = detail;
  }

  /** Whether DocSpace refused the request before running it, to slow the client down (HTTP 429). */
  get rateLimited(): boolean {
    return this.status === 429;
  }

  /** Whether the server no longer knows the session: it expired, was finalized or aborted, or never was. */
  get sessionGone(): boolean {
    return this.serverMessage === SESSION_GONE;
  }
}

/** Options for {@linkcode StreamLengthError}. */
export interface StreamLengthErrorOptions {
  /** The declared length of the stream, in bytes. */
  expected: number;
  /** The bytes the stream yielded before it ended, or, for a longer one, at least `expected + 1`. */
  received: number;
  /** What went wrong underneath, when anything did. */
  cause?: unknown;
}

/**
 * A stream is longer or shorter than its declared size (`uploadFile`'s `fileSize`). No file is created
 * from it: the upload's session is aborted before anything is finalized. This class, and no other
 * `RangeError`, means "wrong length".
 *
 * @example Catch a stream shorter than its fileSize
 * ```ts
 * import { StreamLengthError, uploadFile } from "@docspace-tools/upload";
 * import { startEmulator } from "@docspace-tools/upload/testing";
 * import { assertEquals, assertRejects } from "@std/assert";
 *
 * await using portal = await startEmulator({ chunkUploadSize: 1024 });
 * const error = await assertRejects(
 *   () =>
 *     uploadFile(ReadableStream.from([new Uint8Array(3000)]), {
 *       url: portal.url,
 *       token: portal.token,
 *       folderId: 1,
 *       fileName: "short.bin",
 *       fileSize: 5000,
 *     }),
 *   StreamLengthError,
 *   "the stream ended after 3000 bytes but fileSize is 5000",
 * );
 * assertEquals([error.expected, error.received], [5000, 3000]);
 * assertEquals(portal.emulator.files(), []);
 * ```
 */
export class StreamLengthError extends RangeError {
  /** The declared length of the stream, in bytes. */
  readonly expected: number;
  /** The bytes seen: all of a shorter stream's, at least `expected + 1` of a longer one's. */
  readonly received: number;

  /**
   * Creates the error.
   *
   * @param message What happened, for a person.
   * @param options The declared and the received length.
   */
  constructor(message: string, options: StreamLengthErrorOptions) {
    super(message, { cause: options.cause });
    this.name = "StreamLengthError";
    this.expected = options.expected;
    this.received = options.received;
  }
}

/**
 * The one wording of a stream's wrong length: in `uploadFile`'s words when the file's name is given
 * (`Cannot upload "name": …; nothing was finalized`), else in the rechunker's (`Cannot rechunk: …`).
 *
 * @param expected The declared length.
 * @param received The bytes seen (for a longer stream, at least `expected + 1`).
 * @param fileName The file the stream was for, when it was for an upload.
 * @returns The error.
 */
export function streamLengthError(
  expected: number,
  received: number,
  fileName?: string,
): StreamLengthError {
  const [what, size, outcome] = fileName === undefined
    ? ["Cannot rechunk", "its size", ""]
    : [
      `Cannot upload ${JSON.stringify(fileName)}`,
      "fileSize",
      "; nothing was finalized",
    ];
  return new StreamLengthError(
    received > expected
      ? `${what}: the stream has more bytes than ${size} (${expected})${outcome}`
      : `${what}: the stream ended after ${received} bytes but ${size} is ${expected}${outcome}`,
    { expected, received },
  );
}
