// Chunk framing, the one place a chunk request's body is built: `--B\r\n`, two headers and `\r\n` before the
// chunk's bytes, `\r\n--B--\r\n` after. A Blob is framed by reference, a pooled chunk where it lies (in the
// room its buffer leaves around it), and any other bytes as one copy.
import type { ChunkBody } from "./chunk_types.ts";

/** The framing of one upload's chunk bodies. */
export interface ChunkFrame {
  head: Uint8Array<ArrayBuffer>;
  tail: Uint8Array<ArrayBuffer>;
  contentType: string;
}

const BOUNDARY = /^[0-9A-Za-z'()+_,\-./:=?]{1,70}$/;
const encoder = new TextEncoder();

function randomBoundary(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return "----DocSpaceUpload" +
    Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Builds the framing for a boundary (random by default) and a part file name (percent-encoded). */
export function chunkFrame(
  boundary = randomBoundary(),
  fileName = "blob",
): ChunkFrame {
  if (!BOUNDARY.test(boundary)) {
    throw new TypeError(
      `Cannot frame chunk: boundary must be 1-70 characters of [0-9A-Za-z'()+_,-./:=?], received ${
        JSON.stringify(boundary)
      }`,
    );
  }
  return {
    head: encoder.encode(
      `--${boundary}\r\n` +
        `Content-Disposition: form-data; name="file"; filename="${
          encodeURIComponent(fileName)
        }"\r\n` +
        `Content-Type: application/octet-stream\r\n\r\n`,
    ),
    tail: encoder.encode(`\r\n--${boundary}--\r\n`),
    contentType: `multipart/form-data; boundary=${boundary}`,
  };
}

/** The room a pooled buffer leaves before and after each chunk, so that the chunk is framed in place. */
export function roomFor({ head, tail }: ChunkFrame): {
  before: number;
  after: number;
} {
  return { before: head.length, after: tail.length };
}

/** An upload's chunk as its request body: a Blob by reference, a pooled chunk in place. */
export function frameChunk(
  frame: ChunkFrame,
  bytes: Blob | Uint8Array<ArrayBuffer>,
): ChunkBody {
  return bytes instanceof Blob
    ? frameBlob(frame, bytes)
    : frameInRoom(frame, bytes);
}

/** A Blob framed: the body references the chunk's bytes. */
export function frameBlob(frame: ChunkFrame, chunk: Blob): ChunkBody<Blob> {
  const body = new Blob([frame.head, chunk, frame.tail]);
  return { body, contentType: frame.contentType, contentLength: body.size };
}

/** Bytes framed in one new buffer: a copy, so the caller's memory is left alone. */
export function frameCopy(
  frame: ChunkFrame,
  chunk: Uint8Array,
): ChunkBody<Uint8Array<ArrayBuffer>> {
  const { head, tail } = frame;
  const body = new Uint8Array(head.length + chunk.length + tail.length);
  body.set(head);
  body.set(chunk, head.length);
  body.set(tail, head.length + chunk.length);
  return { body, contentType: frame.contentType, contentLength: body.length };
}

/**
 * A pooled chunk framed where it lies, without a copy: the head is written into the room its buffer leaves
 * before it and the tail into the room after (see {@linkcode roomFor}); a RangeError if there is none.
 */
export function frameInRoom(
  frame: ChunkFrame,
  chunk: Uint8Array<ArrayBuffer>,
): ChunkBody<Uint8Array<ArrayBuffer>> {
  const { head, tail } = frame;
  const body = new Uint8Array(
    chunk.buffer,
    chunk.byteOffset - head.length,
    head.length + chunk.length + tail.length,
  );
  body.set(head);
  body.set(tail, head.length + chunk.length);
  return { body, contentType: frame.contentType, contentLength: body.length };
}
