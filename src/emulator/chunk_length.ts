/**
 * The length DocSpace's numbered-chunk mode takes a chunk to have, without parsing the framing.
 *
 * @module
 */

const encoder = new TextEncoder();

/**
 * The chunk length DocSpace computes in numbered mode (`&upload=true&chunkNumber=N`):
 *
 *     Content-Length − Σ (len(name) + len(value) + 2) − 2 × (len("\r\n--" + boundary) + 2) − 6
 *
 * over the first part's headers, where `len` of a name or value counts UTF-16 code units (C# string
 * length) and the boundary's length counts UTF-8 bytes. It equals the part's real size only for the
 * shape `--B\r\n`, two headers, `\r\n`, the bytes, `\r\n--B--\r\n`: every header more or fewer moves it
 * by 2, and every non-ASCII character in a header by its UTF-8 length minus its UTF-16 length.
 *
 * @param contentLength The request's `Content-Length`.
 * @param boundary The multipart boundary from `Content-Type`, without quotes.
 * @param partHeaders The first part's headers as name and value, without the `": "` separator.
 * @returns The computed length; it can be wrong, even negative, for other framings.
 *
 * @example The length of a well-framed chunk
 * ```ts
 * import { numberedChunkLength } from "@docspace-tools/upload/testing";
 * import { assertEquals } from "@std/assert";
 *
 * const disposition = 'form-data; name="file"; filename="blob"';
 * const head = `--B\r\nContent-Disposition: ${disposition}\r\nContent-Type: application/octet-stream\r\n\r\n`;
 * const body = head + "hello" + "\r\n--B--\r\n";
 * const headers: [string, string][] = [
 *   ["Content-Disposition", disposition],
 *   ["Content-Type", "application/octet-stream"],
 * ];
 * assertEquals(numberedChunkLength(body.length, "B", headers), 5);
 * // One header more ("X-Extra: 1\r\n", 12 bytes) and the length is 2 too long.
 * assertEquals(numberedChunkLength(body.length + 12, "B", [...headers, ["X-Extra", "1"]]), 7);
 * ```
 */
export function numberedChunkLength(
  contentLength: number,
  boundary: string,
  partHeaders: Iterable<readonly [name: string, value: string]>,
): number {
  let headersLength = 0;
  for (const [name, value] of partHeaders) {
    headersLength += name.length + value.length + 2;
  }
  const boundaryLength = encoder.encode("\r\n--" + boundary).length + 2;
  return contentLength - headersLength - boundaryLength * 2 - 6;
}
