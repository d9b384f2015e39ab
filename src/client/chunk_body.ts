/**
 * The multipart body of one chunk request, framed the one way DocSpace reads.
 *
 * @module
 */
import type { ChunkBody } from "./chunk_types.ts";
import { chunkFrame, frameBlob, frameCopy } from "./_chunk_frame.ts";

export type { ChunkBody };

/** Options for {@linkcode createChunkBody}. */
export interface ChunkBodyOptions {
  /**
   * The multipart boundary. Must be 1–70 characters of `[0-9A-Za-z'()+_,-./:=?]`.
   *
   * @default {"----DocSpaceUpload" + 24 random hex digits}
   */
  boundary?: string;
  /**
   * The file name put in the part's Content-Disposition. The server names the file from the session, not
   * from here; the name is percent-encoded so the header stays ASCII and the server's length arithmetic
   * (which counts characters, not bytes) stays right.
   *
   * @default {"blob"}
   */
  fileName?: string;
}

/**
 * Frames one chunk as the single-part `multipart/form-data` body that DocSpace's numbered-chunk mode
 * measures correctly.
 *
 * The server does not parse the framing: it derives the chunk's length from `Content-Length` minus a fixed
 * allowance for exactly one part with exactly two headers (`Content-Disposition`, `Content-Type`). Any
 * other shape, such as a runtime's own `FormData` serialisation, silently stores a chunk of the wrong
 * length. This builds that exact shape:
 * `--B\r\n`, the two headers, `\r\n`, the bytes, `\r\n--B--\r\n`.
 *
 * @param chunk The chunk's bytes: a Blob (referenced, not copied) or a Uint8Array (copied once).
 * @param options The boundary and the part's file name.
 * @returns The body, its content type and its exact length.
 * @throws {TypeError} If the boundary is not a valid multipart boundary.
 *
 * @example Frame a chunk
 * ```ts
 * import { createChunkBody } from "@docspace-tools/upload";
 * import { assertEquals } from "@std/assert";
 *
 * const { body, contentType, contentLength } = createChunkBody(new Blob(["hello"]), { boundary: "B" });
 * assertEquals(contentType, "multipart/form-data; boundary=B");
 * assertEquals(contentLength, 123);
 * assertEquals(
 *   await new Blob([body]).text(),
 *   '--B\r\nContent-Disposition: form-data; name="file"; filename="blob"\r\n' +
 *     "Content-Type: application/octet-stream\r\n\r\nhello\r\n--B--\r\n",
 * );
 * ```
 */
export function createChunkBody(
  chunk: Blob,
  options?: ChunkBodyOptions,
): ChunkBody<Blob>;
/**
 * Frames a Uint8Array chunk: the body is one Uint8Array holding a copy of it.
 *
 * @param chunk The chunk's bytes.
 * @param options The boundary and the part's file name.
 * @returns The body, its content type and its exact length.
 */
export function createChunkBody(
  chunk: Uint8Array,
  options?: ChunkBodyOptions,
): ChunkBody<Uint8Array<ArrayBuffer>>;
/**
 * Frames a Blob or Uint8Array chunk.
 *
 * @param chunk The chunk's bytes.
 * @param options The boundary and the part's file name.
 * @returns The body, its content type and its exact length.
 */
export function createChunkBody(
  chunk: Blob | Uint8Array,
  options?: ChunkBodyOptions,
): ChunkBody;
export function createChunkBody(
  chunk: Blob | Uint8Array,
  options: ChunkBodyOptions = {},
): ChunkBody {
  const frame = chunkFrame(options.boundary, options.fileName);
  return chunk instanceof Blob
    ? frameBlob(frame, chunk)
    : frameCopy(frame, chunk);
}
