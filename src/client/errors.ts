/**
 * The one error class callers of this module need to catch.
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
  /** What went wrong underneath, such as a network `TypeError`. */
  cause?: unknown;
}

const STEP_LABELS: Record<string, string> = {
  settings: "Reading the upload settings",
  create: "Creating the upload session",
  check: "Checking for existing files",
  finalize: "Finalizing the upload",
  abort: "Aborting the upload session",
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
    this.detail = detail;
  }

  /** Whether the server no longer knows the session: it expired, was finalized or aborted, or never was. */
  get sessionGone(): boolean {
    return this.serverMessage === SESSION_GONE;
  }
}
