/**
 * A `TransformStream` that cuts a byte stream into upload-sized `Blob` chunks.
 *
 * @module
 */

/** The largest chunk DocSpace accepts, and the default chunk size: 10 MiB. */
export const MAX_CHUNK_SIZE = 10 * 1024 * 1024;

/** The alignment DocSpace asks chunk sizes to keep. */
export const CHUNK_ALIGNMENT = 512;

/** Options for {@linkcode RechunkStream}. */
export interface RechunkStreamOptions {
  /**
   * The size of every emitted chunk but the last, in bytes: a positive multiple of 512, at most 10 MiB.
   *
   * @default {10485760}
   */
  chunkSize?: number;
}

/**
 * Checks a chunk size against DocSpace's rules and returns it.
 *
 * @param chunkSize The size to check.
 * @param context Who is asking, for the error message ("Cannot create RechunkStream").
 * @returns The same size.
 * @throws {RangeError} If it is not a positive integer multiple of 512 no greater than 10 MiB.
 *
 * @example A valid and an invalid size
 * ```ts
 * import { validateChunkSize } from "@docspace-tools/upload";
 * import { assertEquals, assertThrows } from "@std/assert";
 *
 * assertEquals(validateChunkSize(1024 * 1024, "Cannot upload"), 1048576);
 * assertThrows(() => validateChunkSize(1000, "Cannot upload"), RangeError, "multiple of 512");
 * ```
 */
export function validateChunkSize(chunkSize: number, context: string): number {
  if (
    !Number.isInteger(chunkSize) || chunkSize <= 0 ||
    chunkSize % CHUNK_ALIGNMENT !== 0 || chunkSize > MAX_CHUNK_SIZE
  ) {
    throw new RangeError(
      `${context}: chunkSize must be a positive multiple of ${CHUNK_ALIGNMENT} no greater than ${MAX_CHUNK_SIZE}, received ${chunkSize}`,
    );
  }
  return chunkSize;
}

/**
 * Cuts a stream of `Uint8Array` pieces, however they are sized, into `Blob` chunks of exactly `chunkSize`
 * bytes, the last one holding the remaining 1..chunkSize bytes. An empty input emits nothing.
 *
 * Pieces are held by reference until a chunk is complete, then copied once, into the `Blob`. At most one
 * chunk's worth of input is held, and a consumer that stops reading stops the producer (backpressure).
 * A piece larger than a chunk is cut without copying first.
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
export class RechunkStream extends TransformStream<Uint8Array, Blob> {
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
    let parts: Uint8Array[] = [];
    let held = 0;
    super({
      transform(piece, controller) {
        if (!(piece instanceof Uint8Array)) {
          throw new TypeError(
            `Cannot rechunk: expected Uint8Array pieces, received ${
              describe(piece)
            }`,
          );
        }
        let offset = 0;
        while (piece.length - offset >= chunkSize - held) {
          const take = chunkSize - held;
          parts.push(piece.subarray(offset, offset + take));
          controller.enqueue(new Blob(parts as BlobPart[]));
          offset += take;
          parts = [];
          held = 0;
        }
        if (offset < piece.length) {
          parts.push(offset === 0 ? piece : piece.subarray(offset));
          held += piece.length - offset;
        }
      },
      flush(controller) {
        if (held > 0) controller.enqueue(new Blob(parts as BlobPart[]));
        parts = [];
        held = 0;
      },
    });
  }
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value !== "object") return typeof value;
  return value.constructor?.name ?? "object";
}
