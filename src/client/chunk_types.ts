/**
 * A chunk's shapes on its way to DocSpace: cut ({@linkcode PooledChunk}, the one shape from the cutting
 * core, `RechunkStream.pooled` and `uploadFile`'s own reading, to the request: a numbered chunk in one of
 * a fixed pool's reused buffers, given back or up once sent), then framed for its request
 * ({@linkcode ChunkBody}).
 *
 * @module
 */
/**
 * A chunk in one of the pool's buffers.
 *
 * @example Read a stream's chunks and give each buffer back
 * ```ts
 * import { RechunkStream, type PooledChunk } from "@docspace-tools/upload";
 * import { assertEquals } from "@std/assert";
 *
 * const chunks = RechunkStream.pooled(new Blob([new Uint8Array(1536)]).stream(), {
 *   chunkSize: 1024,
 * });
 * const sizes: number[] = [];
 * for await (const chunk of chunks as AsyncIterable<PooledChunk>) {
 *   sizes.push(chunk.bytes.length);
 *   chunk.release();
 * }
 * assertEquals(sizes, [1024, 512]);
 * ```
 */
export interface PooledChunk {
  /** The chunk's number, from 1. */
  readonly number: number;
  /** The chunk's bytes, valid until {@linkcode PooledChunk.release}: the buffer is then reused. */
  readonly bytes: Uint8Array<ArrayBuffer>;
  /** Gives the chunk's buffer back to the pool, once the chunk is sent or no longer needed; more calls do nothing. */
  release(): void;
  /**
   * Gives the chunk's buffer up instead of back, when something may still hold it (a request that failed
   * or was aborted): it is never read into again, and the pool makes a new one when needed.
   */
  discard(): void;
}

/**
 * The chunks of one stream, cut into a pool of reused buffers.
 *
 * @example Take chunks one at a time
 * ```ts
 * import { RechunkStream, type PooledChunks } from "@docspace-tools/upload";
 * import { assertEquals } from "@std/assert";
 *
 * const chunks: PooledChunks = RechunkStream.pooled(
 *   new Blob([new Uint8Array(2048)]).stream(),
 *   { chunkSize: 1024 },
 * );
 * const first = await chunks.next();
 * assertEquals(first?.number, 1);
 * first?.release();
 * await chunks.cancel();
 * ```
 */
export interface PooledChunks extends AsyncIterable<PooledChunk> {
  /**
   * The next chunk, or `undefined` after the last; safe to call concurrently. After a failure every
   * call rejects with it.
   */
  next(): Promise<PooledChunk | undefined>;
  /** Cancels the stream; later calls to `next` resolve to `undefined`. */
  cancel(reason?: unknown): Promise<void>;
}

/**
 * A chunk request body and the headers that must go with it.
 *
 * @example Frame bytes and send them with their headers
 * ```ts
 * import { type ChunkBody, createChunkBody } from "@docspace-tools/upload";
 * import { assertEquals } from "@std/assert";
 *
 * const framed: ChunkBody = createChunkBody(new Uint8Array(512));
 * assertEquals(framed.contentType.startsWith("multipart/form-data; boundary="), true);
 * assertEquals(framed.contentLength > 512, true);
 * ```
 */
export interface ChunkBody<
  Body extends Blob | Uint8Array<ArrayBuffer> = Blob | Uint8Array<ArrayBuffer>,
> {
  /**
   * The whole multipart body: a Blob that references a Blob chunk's bytes, or one Uint8Array holding a
   * copy of a Uint8Array chunk's bytes.
   */
  body: Body;
  /** The `Content-Type` header value, `multipart/form-data; boundary=…`. */
  contentType: string;
  /** The body's exact length in bytes, for the `Content-Length` header. */
  contentLength: number;
}
