// A file smaller than one chunk. The server stores it whole in its one chunk request: a numbered one
// answers 200 with the session and the file needs a finalize (201); a sequential one answers 201 at once.
// Every repeat of that request stores the file again, as a new version, so a chunk whose reply was lost
// is not re-sent until finalize shows that the file is not there. A 429 is re-sent at once (after the wait
// it asks for): the rate limiter refused it before the handler ran.
import { completing, postChunk, type SendContext } from "./_chunk_senders.ts";
import type { Chunk } from "./_upload_chunks.ts";
import { pause, withRetry } from "./_retry.ts";
import { DocSpaceError } from "./errors.ts";
import type { ChunkResult, UploadedFile } from "./session_types.ts";

/** Sends a small file's only chunk, then finalizes unless the chunk already completed the file. */
export async function sendSmall(
  context: SendContext,
  numbered: boolean,
): Promise<UploadedFile> {
  const { next, tracker } = context;
  const chunk = (await next())!;
  tracker.markSent(chunk.number);
  let file: UploadedFile;
  try {
    file = await deliver(context, chunk, numbered);
  } catch (error) {
    chunk.discard();
    throw error;
  }
  chunk.release();
  tracker.markConfirmed(chunk.number);
  return file;
}

/** Sends the chunk until the file is there; it is re-sent only when finalize shows it is not. */
async function deliver(
  context: SendContext,
  chunk: Chunk,
  numbered: boolean,
): Promise<UploadedFile> {
  const { client, retry, session, signal } = context;
  for (let attempt = 1;; attempt++) {
    signal.throwIfAborted();
    let result: ChunkResult;
    try {
      result = await postChunk(context, chunk, numbered, () => false);
    } catch (error) {
      if (
        !(error instanceof DocSpaceError) || !error.transient || signal.aborted
      ) {
        throw error;
      }
      const file = await storedFile(context);
      if (file !== undefined) return file;
      if (attempt >= retry.policy.attempts) throw error;
      await pause(retry, error, attempt);
      continue;
    }
    return result.done
      ? result.file
      : await completing(retry, "finalize", () =>
        client.finalize(session, signal));
  }
}

/**
 * Asks finalize whether the chunk was stored: a small file's session answers the stored file (and keeps
 * answering it). Undefined when finalize refuses, so the chunk is not there; a session that is gone, or
 * a finalize that keeps failing transiently, is thrown.
 */
async function storedFile(
  { client, retry, session, signal }: SendContext,
): Promise<UploadedFile | undefined> {
  try {
    return await withRetry(retry, () => client.finalize(session, signal));
  } catch (error) {
    if (
      error instanceof DocSpaceError && !error.transient && !error.sessionGone
    ) {
      return undefined;
    }
    throw error;
  }
}
