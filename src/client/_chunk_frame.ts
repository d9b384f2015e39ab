// The bytes around a chunk in its multipart body: `--B\r\n`, two headers, `\r\n` before it, `\r\n--B--\r\n` after.

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
