// The chunks uploadFile sends, numbered from 1, all in the one shape the rechunker hands out
// (PooledChunk): a stream's chunks straight from the rechunker, into pooled buffers that leave room for
// each chunk's framing; a Blob's as slices (referenced, not copied) in the same shape. Chunks a resumed
// upload already has are skipped. The sender of a chunk frames it (_chunk_frame.ts) and releases it once
// its request is done.
import { chunkCount } from "./_chunk_size.ts";
import { type ChunkFrame, roomFor } from "./_chunk_frame.ts";
import { Rechunker } from "./_rechunker.ts";
import type { PooledChunk } from "./chunk_types.ts";

/** One chunk of the file: a stream's pooled chunk, or a Blob's slice in the same shape. */
export type Chunk =
  | PooledChunk
  | (Omit<PooledChunk, "bytes"> & { readonly bytes: Blob });

/** The chunks of one upload, in order; `next` is safe to call concurrently. */
export interface UploadChunks {
  /** The next chunk to send, or `undefined` when there are no more. */
  next(): Promise<Chunk | undefined>;
  /** Releases the source (cancels the stream). */
  cancel(reason: unknown): Promise<void>;
}

/** What {@linkcode uploadChunks} needs to know. */
export interface UploadChunksOptions {
  fileName: string;
  fileSize: number;
  chunkSize: number;
  /** Chunk numbers not to hand out: those a resumed upload's server already has. */
  skip: ReadonlySet<number>;
  /** How many stream chunks may be out at once (sent and not yet released). */
  buffers: number;
  /** The framing the chunks will be sent in: a stream's buffers leave room for it. */
  frame: ChunkFrame;
}

const noop = () => {};

/** A Blob's slice as a chunk: nothing to release. */
function sliceChunk(number: number, bytes: Blob): Chunk {
  return { number, bytes, release: noop, discard: noop };
}

/** The chunks of a Blob or a stream. */
export function uploadChunks(
  source: Blob | ReadableStream<Uint8Array>,
  options: UploadChunksOptions,
): UploadChunks {
  return source instanceof Blob
    ? blobChunks(source, options)
    : streamChunks(source, options);
}

function streamChunks(
  source: ReadableStream<Uint8Array>,
  { fileName, fileSize, chunkSize, skip, buffers, frame }: UploadChunksOptions,
): UploadChunks {
  const pooled = new Rechunker(source, {
    chunkSize,
    buffers,
    size: fileSize,
    room: roomFor(frame),
    fileName,
  });
  let empty = fileSize === 0;
  return {
    async next() {
      for (;;) {
        const chunk = await pooled.next();
        // A 0-byte file is one empty chunk; the rechunker has checked that the stream is empty.
        if (chunk === undefined && empty) {
          empty = false;
          return sliceChunk(1, new Blob([]));
        }
        if (chunk === undefined || !skip.has(chunk.number)) return chunk;
        chunk.release();
      }
    },
    cancel: (reason) => pooled.cancel(reason),
  };
}

function blobChunks(
  source: Blob,
  { chunkSize, skip }: UploadChunksOptions,
): UploadChunks {
  const total = chunkCount(source.size, chunkSize);
  let number = 0;
  return {
    next() {
      while (++number <= total && skip.has(number));
      if (number > total) return Promise.resolve(undefined);
      const start = (number - 1) * chunkSize;
      const end = Math.min(source.size, start + chunkSize);
      return Promise.resolve(sliceChunk(number, source.slice(start, end)));
    },
    cancel: () => Promise.resolve(),
  };
}
