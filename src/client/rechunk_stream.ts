/**
 * The rechunker: it cuts any byte stream into upload-sized chunks, as `Blob`s through a
 * `TransformStream`, or into a fixed pool of reused buffers, the way `uploadFile` reads streams.
 *
 * @module
 */
import { MAX_CHUNK_SIZE, validateChunkSize } from "./_chunk_size.ts";
import { Rechunker } from "./_rechunker.ts";
import type { PooledChunk, PooledChunks } from "./chunk_types.ts";

export type { PooledChunk, PooledChunks };

/** Options for {@linkcode RechunkStream}. */
export interface RechunkStreamOptions {
  /**
   * The size of every emitted chunk but the last, in bytes: a positive multiple of 512, at most 10 MiB.
   *
   * @default {10485760}
   */
  chunkSize?: number;
}

/** Options for {@linkcode RechunkStream.pooled}. */
export interface PooledChunksOptions extends RechunkStreamOptions {
  /**
   * How many chunks may be out at once (handed out and not yet released): the pool's size. `next`
   * waits while every buffer is out.
   *
   * @default {1}
   */
  buffers?: number;
  /**
   * The stream's exact length in bytes. A longer or shorter stream rejects with a
   * {@linkcode StreamLengthError}, and the last chunk is handed out only once the stream has ended.
   */
  size?: number;
}

/**
 * Cuts a stream of `Uint8Array` pieces, however they are sized, into `Blob` chunks of exactly `chunkSize`
 * bytes, the last one holding the remaining 1..chunkSize bytes. An empty input emits nothing.
 *
 * It is a thin layer over the cutting core that `uploadFile` reads streams with (see
 * {@linkcode RechunkStream.pooled}): the core copies the pieces into one reused buffer, and each `Blob`
 * is made from it. At most one chunk's worth of input is held, and a consumer that stops reading stops
 * the producer (backpressure).
 *
 * @example Rechunk a stream into 512-byte blobs
 * ```ts
 * import { RechunkStream } from "@docspace-tools/upload";
 * import { assertEquals } from "@std/assert";
 *
 * const pieces = [new Uint8Array(300), new Uint8Array(900)];
 * const blobs = await Array.fromAsync(
 *   ReadableStream.from(pieces).pipeThrough(new RechunkStream({ chunkSize: 512 })),
 * );
 * assertEquals(blobs.map((blob) => blob.size), [512, 512, 176]);
 * ```
 */
export class RechunkStream implements TransformStream<Uint8Array, Blob> {
  #readable: ReadableStream<Blob>;
  #writable: WritableStream<Uint8Array>;

  /**
   * Creates a rechunker.
   *
   * @param options The chunk size.
   * @throws {RangeError} If `chunkSize` is not a positive multiple of 512 no greater than 10 MiB.
   */
  constructor(options: RechunkStreamOptions = {}) {
    const chunkSize = validateChunkSize(
      options.chunkSize ?? MAX_CHUNK_SIZE,
      "Cannot create RechunkStream",
    );
    // The pieces written go through a queue that the core reads; its chunks become the Blobs read.
    const { readable: pieces, writable } = new TransformStream<
      Uint8Array,
      Uint8Array
    >();
    const core = new Rechunker(pieces, { chunkSize, buffers: 1 });
    this.#readable = new ReadableStream<Blob>({
      async pull(controller) {
        const chunk = await core.next();
        if (chunk === undefined) return controller.close();
        controller.enqueue(new Blob([chunk.bytes]));
        chunk.release();
      },
      cancel: (reason) => core.cancel(reason),
    }, { highWaterMark: 0 });
    this.#writable = writable;
  }

  /**
   * The readable side: the chunks, as Blobs of `chunkSize` bytes (the last one shorter).
   *
   * @returns The Blobs.
   */
  get readable(): ReadableStream<Blob> {
    return this.#readable;
  }

  /**
   * The writable side: the pieces to cut.
   *
   * @returns Where to write them.
   */
  get writable(): WritableStream<Uint8Array> {
    return this.#writable;
  }

  /**
   * Cuts a stream into chunks held in a fixed pool of reused buffers: the way `uploadFile` reads streams,
   * in flat memory whatever the stream's length. A byte stream (`type: "bytes"`, as files and sockets
   * are) is read with a BYOB reader straight into the buffers; any other stream's pieces are copied into
   * them once. Give each chunk back with `release()` once it is used: with `buffers: 1` (the default), the
   * next chunk waits for it. (`discard()` gives it up instead, when something may still hold it.)
   *
   * @param source The stream to cut.
   * @param options The chunk size, the pool's size and, when known, the stream's exact size.
   * @returns The chunks, by `next()` or `for await`.
   * @throws {RangeError} If `chunkSize` is not a positive multiple of 512 no greater than 10 MiB, or
   * `buffers` or `size` is not a valid count.
   *
   * @example Read a file's bytes in 512-byte chunks through one reused buffer
   * ```ts
   * import { RechunkStream } from "@docspace-tools/upload";
   * import { assertEquals } from "@std/assert";
   *
   * const stream = ReadableStream.from([new Uint8Array(700), new Uint8Array(600)]);
   * const sizes: number[] = [];
   * for await (const chunk of RechunkStream.pooled(stream, { chunkSize: 512, size: 1300 })) {
   *   sizes.push(chunk.bytes.length); // send it, then:
   *   chunk.release();
   * }
   * assertEquals(sizes, [512, 512, 276]);
   * ```
   */
  static pooled(
    source: ReadableStream<Uint8Array>,
    options: PooledChunksOptions = {},
  ): PooledChunks {
    const chunkSize = validateChunkSize(
      options.chunkSize ?? MAX_CHUNK_SIZE,
      "Cannot rechunk",
    );
    const { buffers = 1, size } = options;
    if (!Number.isSafeInteger(buffers) || buffers < 1) {
      throw new RangeError(
        `Cannot rechunk: buffers must be a positive integer, received ${buffers}`,
      );
    }
    if (size !== undefined && (!Number.isSafeInteger(size) || size < 0)) {
      throw new RangeError(
        `Cannot rechunk: size must be a non-negative integer, received ${size}`,
      );
    }
    return new Rechunker(source, { chunkSize, buffers, size });
  }
}
