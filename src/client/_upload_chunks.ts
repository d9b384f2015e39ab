// The chunks uploadFile sends, numbered from 1: slices of a Blob (indexed, not copied), or a stream cut by
// the rechunker into pooled buffers, each framed in place as its request body. Chunks a resumed upload
// already has are skipped. The sender of a chunk releases it once the request is done.
import { chunkCount } from "./_chunk_size.ts";
import { chunkFrame } from "./_chunk_frame.ts";
import { Rechunker } from "./_rechunker.ts";
import type { ChunkBody } from "./chunk_body.ts";
import { StreamLengthError } from "./errors.ts";

/** One chunk of the file. */
export interface Chunk {
  number: number;
  /** A slice of a Blob source, or a stream chunk already framed as its request body. */
  bytes: Blob | ChunkBody;
  /** Gives a pooled buffer back; the code that sent the chunk calls it once the request is done. */
  release(): void;
  /** Gives a pooled buffer up for good, after a failed or aborted request that may still hold it. */
  discard(): void;
}

/** The chunks of one upload, in order; `next` is safe to call concurrently. */
export interface UploadChunks {
  /** The next chunk to send, or `undefined` when there are no more. */
  next(): Promise<Chunk | undefined>;
  /** Releases the source (cancels the stream). */
  cancel(reason: unknown): Promise<void>;
}

/** What {@linkcode uploadChunks} needs to know. */
export interface UploadChunksOptions {
  fileSize: number;
  chunkSize: number;
  /** Chunk numbers not to hand out: those a resumed upload's server already has. */
  skip: ReadonlySet<number>;
  /** How many stream chunks may be out at once (sent and not yet released). */
  buffers: number;
  /** The file name, quoted, for messages. */
  describe: string;
}

const noop = () => {};

/** The chunks of a Blob or a stream. */
export function uploadChunks(
  source: Blob | ReadableStream<Uint8Array>,
  { fileSize, chunkSize, skip, buffers, describe }: UploadChunksOptions,
): UploadChunks {
  if (source instanceof Blob) return blobChunks(source, chunkSize, skip);
  const frame = chunkFrame();
  const core = new Rechunker(source, {
    chunkSize,
    buffers,
    size: fileSize,
    frame,
  });
  let empty = fileSize === 0;
  return {
    async next() {
      for (;;) {
        const chunk = await core.next().catch((error) => {
          throw error instanceof StreamLengthError
            ? lengthError(error, describe)
            : error;
        });
        // A 0-byte file is one empty chunk; the rechunker has checked that the stream is empty.
        if (chunk === undefined && empty) {
          empty = false;
          return {
            number: 1,
            bytes: new Blob([]),
            release: noop,
            discard: noop,
          };
        }
        if (chunk === undefined) return undefined;
        if (skip.has(chunk.number)) {
          chunk.release();
          continue;
        }
        return {
          number: chunk.number,
          bytes: {
            body: chunk.framed,
            contentType: frame.contentType,
            contentLength: chunk.framed.length,
          },
          release: chunk.release,
          discard: chunk.discard,
        };
      }
    },
    cancel: (reason) => core.cancel(reason),
  };
}

function blobChunks(
  source: Blob,
  chunkSize: number,
  skip: ReadonlySet<number>,
): UploadChunks {
  const total = chunkCount(source.size, chunkSize);
  let number = 0;
  return {
    next() {
      while (++number <= total && skip.has(number));
      if (number > total) return Promise.resolve(undefined);
      const start = (number - 1) * chunkSize;
      const bytes = source.slice(
        start,
        Math.min(source.size, start + chunkSize),
      );
      return Promise.resolve({ number, bytes, release: noop, discard: noop });
    },
    cancel: () => Promise.resolve(),
  };
}

/** The rechunker's length error in uploadFile's words. */
export function lengthError(
  error: StreamLengthError,
  describe: string,
): StreamLengthError {
  const { expected, received } = error;
  return new StreamLengthError(
    received > expected
      ? `Cannot upload ${describe}: the stream has more bytes than fileSize (${expected}); nothing was finalized`
      : `Cannot upload ${describe}: the stream ended after ${received} bytes but fileSize is ${expected}; nothing was finalized`,
    { expected, received },
  );
}
