/**
 * The multipart body of one chunk request, framed the one way DocSpace reads.
 *
 * @module
 */

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

/** A chunk request body and the headers that must go with it. */
export interface ChunkBody {
  /** The whole multipart body; the chunk's bytes are referenced, not copied. */
  body: Blob;
  /** The `Content-Type` header value, `multipart/form-data; boundary=…`. */
  contentType: string;
  /** The body's exact length in bytes, for the `Content-Length` header. */
  contentLength: number;
}

const BOUNDARY = /^[0-9A-Za-z'()+_,\-./:=?]{1,70}$/;
const encoder = new TextEncoder();

function randomBoundary(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return "----DocSpaceUpload" +
    Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
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
 * @param chunk The chunk's bytes.
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
 * assertEquals(contentLength, body.size);
 * assertEquals(
 *   await body.text(),
 *   '--B\r\nContent-Disposition: form-data; name="file"; filename="blob"\r\n' +
 *     "Content-Type: application/octet-stream\r\n\r\nhello\r\n--B--\r\n",
 * );
 * ```
 */
export function createChunkBody(
  chunk: Blob,
  options: ChunkBodyOptions = {},
): ChunkBody {
  const boundary = options.boundary ?? randomBoundary();
  if (!BOUNDARY.test(boundary)) {
    throw new TypeError(
      `Cannot frame chunk: boundary must be 1-70 characters of [0-9A-Za-z'()+_,-./:=?], received ${
        JSON.stringify(boundary)
      }`,
    );
  }
  const fileName = encodeURIComponent(options.fileName ?? "blob");
  const head = encoder.encode(
    `--${boundary}\r\n` +
      `Content-Disposition: form-data; name="file"; filename="${fileName}"\r\n` +
      `Content-Type: application/octet-stream\r\n\r\n`,
  );
  const tail = encoder.encode(`\r\n--${boundary}--\r\n`);
  const body = new Blob([head, chunk, tail]);
  return {
    body,
    contentType: `multipart/form-data; boundary=${boundary}`,
    contentLength: body.size,
  };
}
