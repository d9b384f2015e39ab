// Two of the three ways chunks go to a session (a small file's is in _small_file.ts): numbered chunks in
// parallel with retries then finalize, or sequential chunks strictly one at a time and never re-sent. Every
// chunk is framed here, once, whatever its source (frameChunk), and posted by postChunk.
import { type ChunkFrame, frameChunk } from "./_chunk_frame.ts";
import type { Chunk } from "./_upload_chunks.ts";
import { type RetryContext, withRetry } from "./_retry.ts";
import type { UploadTracker } from "./_upload_progress.ts";
import { DocSpaceError } from "./errors.ts";
import type {
  ChunkResult,
  UploadedFile,
  UploadSession,
} from "./session_types.ts";
import type { SessionClient } from "./session_client.ts";

/** What every sender needs. */
export interface SendContext {
  client: SessionClient;
  retry: RetryContext;
  session: Pick<UploadSession, "id" | "location" | "folderId" | "routes">;
  signal: AbortSignal;
  /** The next chunk, or undefined at the end. */
  next: () => Promise<Chunk | undefined>;
  /** The framing every chunk of the upload is sent in. */
  frame: ChunkFrame;
  tracker: UploadTracker;
  /** Fails the whole upload: aborts the requests still in flight. */
  fail: (reason: unknown) => void;
}

/**
 * Posts one chunk, framed once for all its attempts: numbered under its number, or sequential. A failure
 * is sent again while `again` says so (by default, while it is transient).
 */
export async function postChunk(
  { client, retry, session, signal, frame }: SendContext,
  chunk: Chunk,
  numbered: boolean,
  again?: (error: DocSpaceError) => boolean,
): Promise<ChunkResult> {
  const body = frameChunk(frame, chunk.bytes);
  return await withRetry(
    retry,
    () =>
      client.uploadChunk(session, body, {
        chunkNumber: chunk.number,
        numbered,
        signal,
      }),
    again,
  );
}

/**
 * Numbered chunks, `concurrency` at a time, each retried under its number while the failure is transient;
 * then finalize. The first failure calls `fail`, which aborts the requests still in flight.
 */
export async function sendNumbered(
  context: SendContext,
  concurrency: number,
): Promise<UploadedFile> {
  const { client, retry, session, signal, next, tracker, fail } = context;
  const worker = async () => {
    for (
      let chunk = await next();
      chunk && !signal.aborted;
      chunk = await next()
    ) {
      tracker.markSent(chunk.number);
      try {
        await postChunk(context, chunk, true);
      } catch (error) {
        chunk.discard();
        throw error;
      }
      chunk.release();
      tracker.markConfirmed(chunk.number);
    }
  };
  // The first failure in time is the cause; the others follow from the abort it triggers.
  let failed: { reason: unknown } | undefined;
  await Promise.all(
    Array.from({ length: concurrency }, () =>
      worker().catch((reason) => {
        if (failed === undefined) {
          failed = { reason };
          fail(reason);
        }
      })),
  );
  if (failed) throw failed.reason;
  signal.throwIfAborted();
  return await completing(
    retry,
    "finalize",
    () => client.finalize(session, signal),
  );
}

/**
 * Sequential chunks in order; the server completes the file on the last one (201). A chunk is sent
 * again only after a 429, which the server refused before counting it.
 */
export async function sendSequential(
  context: SendContext,
  totalChunks: number,
): Promise<UploadedFile> {
  const { next, tracker } = context;
  let file: UploadedFile | undefined;
  for (let chunk = await next(); chunk; chunk = await next()) {
    tracker.markSent(chunk.number);
    let result;
    try {
      result = await postChunk(context, chunk, false, () => false);
    } catch (error) {
      chunk.discard();
      if (error instanceof DocSpaceError && error.transient) {
        throw new DocSpaceError(
          `${error.detail}; sequential chunks are not re-sent because the server may have counted this one, so start the upload again`,
          {
            step: error.step,
            status: error.status,
            serverMessage: error.serverMessage,
            cause: error,
          },
        );
      }
      throw error;
    }
    chunk.release();
    tracker.markConfirmed(chunk.number);
    if (result.done && chunk.number < totalChunks) {
      throw new DocSpaceError(
        `the server completed the file after chunk ${chunk.number} of ${totalChunks}`,
        { step: `chunk ${chunk.number}`, status: 201 },
      );
    }
    if (result.done) file = result.file;
  }
  if (file === undefined) {
    throw new DocSpaceError(
      "the server did not complete the file after the last chunk",
      { step: `chunk ${totalChunks}`, status: 200 },
    );
  }
  return file;
}

/**
 * Retries a finalize. If an earlier attempt's reply was lost and the session is now gone, the file was
 * most likely created: say so.
 */
export async function completing(
  retry: RetryContext,
  step: string,
  send: () => Promise<UploadedFile>,
): Promise<UploadedFile> {
  let lost: DocSpaceError | undefined;
  return await withRetry(retry, async (_attempt, previous) => {
    // A 429 between the lost reply and now does not make the loss less likely.
    if (previous !== undefined && previous.status === undefined) {
      lost = previous;
    }
    try {
      return await send();
    } catch (error) {
      if (
        lost !== undefined && error instanceof DocSpaceError &&
        error.sessionGone
      ) {
        throw new DocSpaceError(
          "the reply to an earlier attempt was lost and the session is now gone, so the file was most likely created; check the folder before uploading again",
          {
            step,
            status: error.status,
            serverMessage: error.serverMessage,
            cause: lost,
          },
        );
      }
      throw error;
    }
  });
}
