/**
 * The options of `uploadFile`, with the progress, retry notices and resumable state it hands out.
 *
 * @module
 */
import type { DocSpaceError } from "./errors.ts";
import type { SessionRoutes } from "./session_types.ts";

/**
 * How failed requests are retried. A 429 (DocSpace's rate limiter refused the request before running it)
 * is a different case: it is always sent again, a sequential chunk too, and uses up no attempt; the client
 * waits as the reply asks (`Retry-After`, else until `X-RateLimit-Reset`, else backoff), up to
 * `rateLimitWait` in all for one request, and fails past that saying when the limit resets.
 */
export interface RetryOptions {
  /**
   * How many times a request is sent at most, the first time included; 1 turns retries off. Replies
   * 429 do not count.
   *
   * @default {8}
   */
  attempts?: number;
  /**
   * The delay before the first retry, in milliseconds; each further one doubles it; each wait is
   * drawn between half and all of that (jitter), so the defaults ride out an outage of about half a minute.
   *
   * @default {500}
   */
  minDelay?: number;
  /**
   * The longest delay between two attempts, in milliseconds, unless the server's `Retry-After` asks for more.
   *
   * @default {30000}
   */
  maxDelay?: number;
  /**
   * How long one request may wait in all for DocSpace's rate limit (replies 429), in milliseconds. A
   * wait the server asks for that would go past it is not waited: the request fails at once with a
   * message naming the limit and when it resets (the daily write limit resets up to a day later).
   *
   * @default {900000}
   */
  rateLimitWait?: number;
}

/** A request failed transiently and will be sent again: what `onRetry` receives before each wait. */
export interface RetryNotice {
  /** The step that failed: `settings`, `create`, `chunk 7`, `finalize`. */
  step: string;
  /** The number of the attempt that failed, from 1. */
  attempt: number;
  /** Milliseconds until the next attempt. */
  delay: number;
  /** The failure. */
  error: DocSpaceError;
}

/** Byte-level progress of an upload. Every field only grows; at the end the confirmed counts equal the totals. */
export interface UploadProgress {
  /** Bytes of the chunks sent so far (a chunk counts once, when its first request starts). */
  bytesSent: number;
  /** Bytes of the chunks the server has accepted. */
  bytesConfirmed: number;
  /** The file's size in bytes. */
  totalBytes: number;
  /** Chunks the server has accepted. */
  chunksConfirmed: number;
  /** The file's number of chunks (a 0-byte file has one, empty). */
  totalChunks: number;
}

/**
 * What it takes to continue a numbered upload after a crash or an interruption, within the server's
 * 12-hour window. Plain JSON: store it, then pass it back as `resume`.
 */
export interface UploadState {
  /** The session's location (where its chunks go on the legacy routes). */
  location: string;
  /**
   * The routes the session was opened on, which a resumed upload keeps. Always set in the states
   * `onState` hands out; absent only in states saved by earlier versions, which are legacy sessions.
   *
   * @default {"legacy"}
   */
  routes?: SessionRoutes;
  /** The session's id; required with `routes: "rest"`. */
  sessionId?: string;
  /**
   * The folder the session puts the file in (a subfolder when `relativePath` made one); the REST routes
   * name it.
   *
   * @default {folderId}
   */
  sessionFolderId?: number | string;
  /** The folder the file goes to. */
  folderId: number | string;
  /** The file's title. */
  fileName: string;
  /** The file's size in bytes. */
  fileSize: number;
  /** The chunk size the session was started with. */
  chunkSize: number;
  /** The numbers of the chunks the server has accepted, ascending. */
  confirmedChunks: number[];
}

/** Options for {@linkcode uploadFile}. */
export interface UploadOptions {
  /** The portal's URL, like `https://example.onlyoffice.com`. */
  url: string;
  /** An API key, OAuth2 or authentication token, sent as `Bearer <token>` unless it names its scheme. */
  token: string;
  /**
   * The target folder: a number for DocSpace's own folders, a string for third-party storage folders
   * (uploaded sequentially). A string of digits is one of DocSpace's own.
   */
  folderId: number | string;
  /** The file's title in DocSpace. Required unless the source is a `File`, whose name is the default. */
  fileName?: string;
  /** The file's size in bytes. Required for a stream; for a Blob it must equal `size` if given. */
  fileSize?: number;
  /**
   * `false`: an existing file of that name gets a new version; `true`: the server picks a free name.
   *
   * @default {false}
   */
  createNewIfExist?: boolean;
  /** Subfolders to create under the folder, like `"a/b"`. */
  relativePath?: string;
  /** The file's creation date, as an ISO string. */
  createOn?: string;
  /**
   * The chunk size: a multiple of 512, at most 10 MiB. In DocSpace's own folders (numeric ids) it must
   * be the server's `chunkUploadSize`, in both modes; third-party folders (string ids) take any size up
   * to it that their storage takes: multiples of 256 KiB in Google Drive (`drive-…` ids), of 320 KiB in
   * OneDrive (`onedrive-…`); a SharePoint (`spoint-…`) file always goes whole in one chunk.
   *
   * @default {the server's chunkUploadSize}
   */
  chunkSize?: number;
  /**
   * How many chunk requests run at once in numbered mode, capped at the server's `maxUploadThreadCount`.
   *
   * @default {3}
   */
  concurrency?: number;
  /**
   * `"numbered"`: parallel numbered chunks, then finalize. `"sequential"`: one chunk after another, the
   * only mode third-party storage folders (string ids) take.
   *
   * @default {"numbered" for a numeric folderId, "sequential" for a third-party one}
   */
  mode?: "numbered" | "sequential";
  /**
   * Which upload routes to use: `"rest"`, the REST session routes of DocSpace 3.7.1 and later;
   * `"legacy"`, the session's `location` (`ChunkedUploader.ashx`), which every version has; `"auto"`,
   * the REST routes where the server has them, else the legacy ones, found out when the session opens
   * (no extra session, no failure). A resumed upload keeps its session's routes.
   *
   * @default {"auto"}
   */
  routes?: "auto" | SessionRoutes;
  /** How transient failures are retried (numbered chunks, settings, session creation, finalize). */
  retry?: RetryOptions;
  /**
   * Whether a failed or aborted upload also aborts the server session. Set `false` to keep it for `resume`;
   * a session for a stream of the wrong length is always aborted.
   *
   * @default {true}
   */
  abortSessionOnFailure?: boolean;
  /** Cancels the upload: requests in flight are aborted, and so is the session. */
  signal?: AbortSignal;
  /** Called whenever progress changes. */
  onProgress?: (progress: UploadProgress) => void;
  /** Called with the resumable state when the session opens and after every accepted chunk (numbered mode). */
  onState?: (state: UploadState) => void;
  /**
   * Called before every wait between two attempts of a request, for every step that is retried: what
   * failed, which attempt it was, and how long until the next.
   */
  onRetry?: (notice: RetryNotice) => void;
  /** Continue this earlier numbered upload instead of opening a session: only missing chunks are sent. */
  resume?: UploadState;
  /**
   * The `fetch` to use.
   *
   * @default {globalThis.fetch}
   */
  fetch?: typeof fetch;
  /** Extra headers for every request. */
  headers?: HeadersInit;
}
