/**
 * `uploadFile`: a whole file or stream into a DocSpace folder, through a chunked upload session.
 *
 * @module
 */
import { chunkCount } from "./_chunk_size.ts";
import { type UploadChunks, uploadChunks } from "./_upload_chunks.ts";
import {
  type SendContext,
  sendNumbered,
  sendSequential,
} from "./_chunk_senders.ts";
import { sendSmall } from "./_small_file.ts";
import { UploadTracker } from "./_upload_progress.ts";
import { chunkSizeFor, plan } from "./_upload_plan.ts";
import { retryContextOf, withRetry } from "./_retry.ts";
import { type SharedPortal, sharedPortal } from "./_shared_portal.ts";
import type { UploadedFile } from "./session_types.ts";
import { StreamLengthError } from "./errors.ts";
import { withAbortNote } from "./_abort_note.ts";

import type { UploadOptions } from "./upload_types.ts";

/** How long the clean-up `abort` request may take. */
const ABORT_TIMEOUT = 10_000;

/**
 * Uploads a Blob, File or stream into a DocSpace folder and resolves to the server's file object.
 *
 * It reads the server's chunk size, opens a session (on the REST session routes where the server has
 * them, else on the legacy `location`; option `routes`), sends the chunks (numbered ones in parallel with
 * retries, or sequential ones strictly in order), and finalizes. A file smaller than one chunk goes in a
 * single chunk request, then finalize; if that chunk's reply is lost it is not sent again until finalize
 * shows the file is not there (each repeat would store a new version). A Blob is cut with `slice`,
 * without copying; a stream is cut by the rechunker (see `RechunkStream.pooled`) into one reused buffer
 * per chunk in flight, so it holds at most `concurrency × chunkSize` bytes. A stream longer or shorter
 * than `fileSize` never becomes a file: it rejects with a `StreamLengthError`.
 * On failure or abort, requests in flight are aborted and so is the server session.
 *
 * @param source The bytes to upload.
 * @param options Where to, as what, and how.
 * @returns The uploaded file, as the server describes it.
 * @throws {TypeError} If an option has the wrong type (no fileName, no fileSize for a stream, bad URL,
 * numbered mode for a third-party folder).
 * @throws {RangeError} If a size is invalid (a chunkSize other than the server's chunkUploadSize for a
 * folder with a numeric id), before any session opens.
 * @throws {StreamLengthError} If the stream is longer or shorter than `fileSize` (the session is aborted).
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
export function uploadFile(
  source: Blob | ReadableStream<Uint8Array>,
  options: UploadOptions,
): Promise<UploadedFile> {
  let portal: SharedPortal;
  try {
    plan(source, options);
    portal = sharedPortal({
      url: options.url,
      token: options.token,
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.headers ? { headers: options.headers } : {}),
      ...(options.routes ? { routes: options.routes } : {}),
    }, false);
  } catch (error) {
    return Promise.reject(error);
  }
  return uploadThrough(portal, source, options);
}

/**
 * `uploadFile` through a portal that other uploads may share: its session client (and so its `fetch`
 * and route generation) and its settings.
 */
export async function uploadThrough(
  portal: SharedPortal,
  source: Blob | ReadableStream<Uint8Array>,
  options: UploadOptions,
): Promise<UploadedFile> {
  const planned = plan(source, options);
  const { fileName, fileSize, describe, numbered, resumed } = planned;
  const client = portal.client;
  const controller = new AbortController();
  const signal = controller.signal;
  const onAbort = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener("abort", onAbort, { once: true });
  const retry = retryContextOf(options, signal);
  const resume = options.resume;
  let session: SendContext["session"] | undefined = resumed;
  let chunks: UploadChunks | undefined;
  let wrongLength = false;
  try {
    options.signal?.throwIfAborted();
    const settings = await portal.settings(retry);
    const chunkSize = chunkSizeFor(planned, options, settings);
    const small = !resume && fileSize < settings.chunkUploadSize;
    const concurrency = Math.min(
      planned.concurrency,
      settings.maxUploadThreadCount,
    );
    if (!session) {
      session = await withRetry(
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
    }
    const opened: SendContext["session"] = session;
    // A small file goes whole in one chunk, whatever the chunk size.
    const cut = small ? Math.max(chunkSize, fileSize) : chunkSize;
    const totalChunks = chunkCount(fileSize, cut);
    const resumable = numbered && !small;
    const tracker = new UploadTracker(
      {
        location: opened.location,
        routes: opened.routes,
        sessionId: opened.id,
        sessionFolderId: opened.folderId,
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
    const source_ = chunks = uploadChunks(source, {
      fileSize,
      chunkSize: cut,
      // The chunks the server had when the upload started; none is read twice, so this never changes.
      skip: new Set(tracker.state().confirmedChunks),
      // A sender releases its chunk before it takes the next, so one buffer per sender suffices.
      buffers: resumable ? concurrency : 1,
      describe,
    });
    const context: SendContext = {
      client,
      retry,
      session: opened,
      signal,
      tracker,
      next: async () => {
        try {
          return await source_.next();
        } catch (error) {
          if (error instanceof StreamLengthError) wrongLength = true;
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
    session = undefined;
    return file;
  } catch (caught) {
    let error = caught;
    controller.abort(error);
    await chunks?.cancel(error);
    if (
      session !== undefined &&
      (wrongLength || options.abortSessionOnFailure !== false)
    ) {
      // One attempt: a refused abort fails the same way again; the error says that the chunks stay.
      const failed = await client.abort(
        session,
        AbortSignal.timeout(ABORT_TIMEOUT),
      ).then(() => undefined, (abortError) => ({ abortError }));
      if (failed) error = withAbortNote(error, failed.abortError);
    }
    throw options.signal?.aborted ? options.signal.reason : error;
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
  }
}
