/**
 * `uploadFile`: a whole file or stream into a DocSpace folder, through a chunked upload session.
 *
 * @module
 */
import { chunkFrame } from "./_chunk_frame.ts";
import { uploadChunks } from "./_upload_chunks.ts";
import {
  type SendContext,
  sendNumbered,
  sendSequential,
} from "./_chunk_senders.ts";
import { sendSmall } from "./_small_file.ts";
import { UploadTracker } from "./_upload_progress.ts";
import {
  type Course,
  courseOf,
  type Plan,
  plan,
  type Way,
} from "./_upload_plan.ts";
import { type RetryContext, retryContextOf, withRetry } from "./_retry.ts";
import { type SharedPortal, sharedPortal } from "./_shared_portal.ts";
import type { SessionClient } from "./session_client.ts";
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
  const client = portal.client;
  const controller = new AbortController();
  const onAbort = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener("abort", onAbort, { once: true });
  const retry = retryContextOf(options, controller.signal);
  // The session to abort if the upload fails: the resumed one from the start, else the one opened.
  let session = planned.resumed;
  try {
    options.signal?.throwIfAborted();
    const course = courseOf(planned, options, await portal.settings(retry));
    session ??= await openSession(client, retry, planned, options);
    const run = { client, retry, controller, session };
    return await sendFile(run, source, planned, options, course);
  } catch (caught) {
    controller.abort(caught);
    const error = session === undefined
      ? caught
      : await abandon(client, session, caught, options);
    throw options.signal?.aborted ? options.signal.reason : error;
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
  }
}

/** What the steps of one upload share once its session is open. */
interface Run {
  client: SessionClient;
  retry: RetryContext;
  /** Aborts every request of the upload. */
  controller: AbortController;
  session: SendContext["session"];
}

/** Opens the upload's session, retried while the failure is transient. */
function openSession(
  client: SessionClient,
  retry: RetryContext,
  { fileName, fileSize }: Plan,
  options: UploadOptions,
): Promise<SendContext["session"]> {
  return withRetry(
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
      }, retry.signal),
  );
}

/** How each way sends the chunks. */
const SENDERS: Record<
  Way,
  (context: SendContext, course: Course, planned: Plan) => Promise<UploadedFile>
> = {
  small: (context, _course, { numbered }) => sendSmall(context, numbered),
  numbered: (context, { concurrency }) => sendNumbered(context, concurrency),
  sequential: (context, { totalChunks }) =>
    sendSequential(context, totalChunks),
};

/**
 * Cuts the source and sends its chunks the course's way. A failure aborts the requests in flight, then
 * cancels the source.
 */
async function sendFile(
  { client, retry, controller, session }: Run,
  source: Blob | ReadableStream<Uint8Array>,
  planned: Plan,
  options: UploadOptions,
  course: Course,
): Promise<UploadedFile> {
  const tracker = trackerFor(session, planned, options, course);
  const frame = chunkFrame();
  const chunks = uploadChunks(source, {
    fileName: planned.fileName,
    fileSize: planned.fileSize,
    chunkSize: course.chunkSize,
    // The chunks the server had when the upload started; none is read twice, so this never changes.
    skip: new Set(tracker.state().confirmedChunks),
    // A sender releases its chunk before it takes the next, so one buffer per sender suffices.
    buffers: course.way === "numbered" ? course.concurrency : 1,
    frame,
  });
  const fail = (reason: unknown) => controller.abort(reason);
  const next = () => chunks.next();
  const { signal } = controller;
  const context = {
    client,
    retry,
    session,
    signal,
    next,
    frame,
    tracker,
    fail,
  };
  try {
    return await SENDERS[course.way](context, course, planned);
  } catch (error) {
    fail(error);
    await chunks.cancel(error);
    throw error;
  }
}

/** The upload's progress and, for a numbered upload (the only kind that resumes), its resumable state. */
function trackerFor(
  session: SendContext["session"],
  { fileName, fileSize }: Plan,
  options: UploadOptions,
  { way, chunkSize, totalChunks }: Course,
): UploadTracker {
  return new UploadTracker(
    {
      location: session.location,
      routes: session.routes,
      sessionId: session.id,
      sessionFolderId: session.folderId,
      folderId: options.folderId,
      fileName,
      fileSize,
      chunkSize,
    },
    totalChunks,
    options.resume?.confirmedChunks ?? [],
    options.onProgress,
    way === "numbered" ? options.onState : undefined,
  );
}

/**
 * Aborts a failed upload's session, unless the options keep it for `resume` (never for a stream of the
 * wrong length, which no session may keep). One attempt: a refused abort fails the same way again, so the
 * error gets a note that the chunks stay.
 */
async function abandon(
  client: SessionClient,
  session: SendContext["session"],
  error: unknown,
  options: UploadOptions,
): Promise<unknown> {
  const keep = options.abortSessionOnFailure === false &&
    !(error instanceof StreamLengthError);
  if (keep) return error;
  const failed = await client.abort(
    session,
    AbortSignal.timeout(ABORT_TIMEOUT),
  ).then(() => undefined, (abortError) => ({ abortError }));
  return failed ? withAbortNote(error, failed.abortError) : error;
}
