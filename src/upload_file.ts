/**
 * `uploadFile`: a whole file or stream into a DocSpace folder, through a chunked upload session.
 *
 * @module
 */
import type { DocSpaceError } from "./errors.ts";
import { chunkCount, ChunkSource } from "./_chunk_source.ts";
import {
  type SendContext,
  sendNumbered,
  sendSequential,
  sendSmall,
} from "./_chunk_senders.ts";
import { UploadTracker } from "./_upload_progress.ts";
import {
  type RetryContext,
  type RetryOptions,
  retryPolicy,
  withRetry,
} from "./_retry.ts";
import { validateChunkSize } from "./rechunk_stream.ts";
import { SessionClient, type UploadedFile } from "./session_client.ts";

export type { RetryOptions } from "./_retry.ts";

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
  /** The session's location. */
  location: string;
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
  /** The target folder: a number, or a string for third-party storage folders (uploaded sequentially). */
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
   * The chunk size: a multiple of 512, at most 10 MiB. Numbered uploads need the server's
   * `chunkUploadSize`, so there it must match; it is free only in sequential mode.
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
   * `"numbered"`: parallel numbered chunks, then finalize. `"sequential"`: one chunk after another, for old
   * servers and third-party storage folders.
   *
   * @default {"numbered" for a number folderId, "sequential" for a string one}
   */
  mode?: "numbered" | "sequential";
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
  /** Called before a request is retried, with the error that caused it and the wait in milliseconds. */
  onRetry?: (error: DocSpaceError, attempt: number, wait: number) => void;
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

/** How long the clean-up `abort` request may take. */
const ABORT_TIMEOUT = 10_000;

interface Plan {
  fileName: string;
  fileSize: number;
  concurrency: number;
  describe: string;
}

function plan(
  source: Blob | ReadableStream<Uint8Array>,
  options: UploadOptions,
): Plan {
  const isBlob = source instanceof Blob;
  if (!isBlob && !(source instanceof ReadableStream)) {
    throw new TypeError(
      "Cannot upload: source must be a Blob, a File or a ReadableStream<Uint8Array>",
    );
  }
  const fileName = options.fileName ??
    (source instanceof File ? source.name : undefined);
  if (fileName === undefined || fileName.trim() === "") {
    throw new TypeError(
      "Cannot upload: fileName is required (a File's name is used by default, but this source has none)",
    );
  }
  const describe = JSON.stringify(fileName);
  const fileSize = options.fileSize ?? (isBlob ? source.size : undefined);
  if (fileSize === undefined) {
    throw new TypeError(
      `Cannot upload ${describe}: fileSize is required for a stream`,
    );
  }
  if (!Number.isSafeInteger(fileSize) || fileSize < 0) {
    throw new RangeError(
      `Cannot upload ${describe}: fileSize must be a non-negative integer, received ${fileSize}`,
    );
  }
  if (isBlob && fileSize !== source.size) {
    throw new RangeError(
      `Cannot upload ${describe}: fileSize is ${fileSize} but the Blob has ${source.size} bytes`,
    );
  }
  const folderId = options.folderId;
  if (
    !(typeof folderId === "number" && Number.isSafeInteger(folderId) &&
      folderId > 0) &&
    !(typeof folderId === "string" && folderId.trim() !== "")
  ) {
    throw new TypeError(
      `Cannot upload ${describe}: folderId must be a positive integer or a non-empty string, received ${
        JSON.stringify(folderId)
      }`,
    );
  }
  if (options.chunkSize !== undefined) {
    validateChunkSize(options.chunkSize, `Cannot upload ${describe}`);
  }
  const concurrency = options.concurrency ?? 3;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(
      `Cannot upload ${describe}: concurrency must be a positive integer, received ${concurrency}`,
    );
  }
  const resume = options.resume;
  if (resume !== undefined) {
    validateChunkSize(resume.chunkSize, `Cannot resume ${describe}`);
    if (resume.fileSize !== fileSize) {
      throw new RangeError(
        `Cannot resume ${describe}: the saved session is for ${resume.fileSize} bytes but the file has ${fileSize}`,
      );
    }
    if (String(resume.folderId) !== String(folderId)) {
      throw new RangeError(
        `Cannot resume ${describe}: the saved session is for folder ${resume.folderId}, not ${folderId}`,
      );
    }
  }
  return { fileName, fileSize, concurrency, describe };
}

/**
 * Uploads a Blob, File or stream into a DocSpace folder and resolves to the server's file object.
 *
 * It reads the server's chunk size, opens a session, sends the chunks (numbered ones in parallel with
 * retries, or sequential ones strictly in order), and finalizes. A file smaller than one chunk goes in a
 * single request. A Blob is cut with `slice`, without copying; a stream is rechunked holding at most
 * `(concurrency + 1) × chunkSize` bytes. A stream longer or shorter than `fileSize` never becomes a file.
 * On failure or abort, requests in flight are aborted and so is the server session.
 *
 * @param source The bytes to upload.
 * @param options Where to, as what, and how.
 * @returns The uploaded file, as the server describes it.
 * @throws {TypeError} If an option has the wrong type (no fileName, no fileSize for a stream, bad URL).
 * @throws {RangeError} If a size is invalid, or the stream's length differs from `fileSize`.
 * @throws {DocSpaceError} If the server refuses or cannot be reached, after retries where they are safe.
 *
 * @example Upload a Blob to the emulator and read it back
 * ```ts
 * import { uploadFile } from "@docspace-tools/upload";
 * import { startEmulator } from "@docspace-tools/upload/testing";
 * import { assertEquals } from "@std/assert";
 *
 * await using portal = await startEmulator({ chunkUploadSize: 1024 });
 * const bytes = crypto.getRandomValues(new Uint8Array(5000));
 * const file = await uploadFile(new Blob([bytes]), {
 *   url: portal.url,
 *   token: portal.token,
 *   folderId: 1,
 *   fileName: "random.bin",
 * });
 * assertEquals(file.title, "random.bin");
 * assertEquals(portal.emulator.file(file.id)?.bytes, bytes);
 * ```
 */
export async function uploadFile(
  source: Blob | ReadableStream<Uint8Array>,
  options: UploadOptions,
): Promise<UploadedFile> {
  const { fileName, fileSize, describe, concurrency: asked } = plan(
    source,
    options,
  );
  const client = new SessionClient({
    url: options.url,
    token: options.token,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.headers ? { headers: options.headers } : {}),
  });
  const controller = new AbortController();
  const signal = controller.signal;
  const onAbort = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener("abort", onAbort, { once: true });
  const retry: RetryContext = {
    policy: retryPolicy(options.retry),
    signal,
    now: Date.now,
    random: Math.random,
    ...(options.onRetry ? { onRetry: options.onRetry } : {}),
  };
  const resume = options.resume;
  let location = resume?.location;
  let chunks: ChunkSource | undefined;
  let wrongLength = false;
  try {
    options.signal?.throwIfAborted();
    const numbered = (options.mode ??
      (typeof options.folderId === "string" ? "sequential" : "numbered")) ===
      "numbered";
    if (resume && !numbered) {
      throw new TypeError(
        `Cannot resume ${describe}: only numbered uploads can be resumed`,
      );
    }
    const settings = await withRetry(retry, () => client.settings(signal));
    const chunkSize = resume?.chunkSize ?? options.chunkSize ??
      settings.chunkUploadSize;
    if (!resume && numbered && chunkSize !== settings.chunkUploadSize) {
      throw new RangeError(
        `Cannot upload ${describe}: chunkSize ${chunkSize} differs from the server's chunkUploadSize ${settings.chunkUploadSize}; numbered uploads need the server's size (use mode "sequential" for another)`,
      );
    }
    const small = !resume && fileSize < settings.chunkUploadSize;
    const concurrency = Math.min(asked, settings.maxUploadThreadCount);
    if (!resume) {
      const session = await withRetry(
        retry,
        () =>
          client.createSession(options.folderId, {
            fileName,
            fileSize,
            ...(options.createNewIfExist !== undefined
              ? { createNewIfExist: options.createNewIfExist }
              : {}),
            ...(options.relativePath !== undefined
              ? { relativePath: options.relativePath }
              : {}),
            ...(options.createOn !== undefined
              ? { createOn: options.createOn }
              : {}),
          }, signal),
      );
      location = session.location;
    }
    // A small file goes whole in one request, whatever the chunk size.
    const cut = small ? Math.max(chunkSize, fileSize) : chunkSize;
    const totalChunks = chunkCount(fileSize, cut);
    const resumable = numbered && !small;
    const tracker = new UploadTracker(
      {
        location: location!,
        folderId: options.folderId,
        fileName,
        fileSize,
        chunkSize: cut,
      },
      totalChunks,
      resume?.confirmedChunks ?? [],
      options.onProgress,
      resumable ? options.onState : undefined,
    );
    const source_ = chunks = new ChunkSource(
      source,
      fileSize,
      cut,
      tracker.confirmed,
      // A worker releases its chunk's buffer before it takes the next, so one buffer per worker suffices.
      resumable ? concurrency : 1,
      describe,
    );
    const context: SendContext = {
      client,
      retry,
      location: location!,
      signal,
      tracker,
      next: async () => {
        try {
          return await source_.next();
        } catch (error) {
          if (error instanceof RangeError) wrongLength = true;
          throw error;
        }
      },
    };
    const file = small
      ? await sendSmall(context, numbered)
      : numbered
      ? await sendNumbered(context, concurrency, (reason) =>
        controller.abort(reason))
      : await sendSequential(context, totalChunks);
    location = undefined;
    return file;
  } catch (error) {
    controller.abort(error);
    await chunks?.cancel(error);
    if (
      location !== undefined &&
      (wrongLength || options.abortSessionOnFailure !== false)
    ) {
      await client.abort(location, AbortSignal.timeout(ABORT_TIMEOUT)).catch(
        () => {},
      );
    }
    throw options.signal?.aborted ? options.signal.reason : error;
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
  }
}
