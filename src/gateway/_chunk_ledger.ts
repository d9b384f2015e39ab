// Chunks that the server numbers by arrival (sequential chunks, and numbered ones sent without a number) carry
// no number the gateway could check, so it keeps a tally per session of what it forwarded: how many chunks,
// and at least how many bytes of file they carried. The tally is the coordinator's (coordinator.ts: in
// process, Deno KV or a Durable Object); this module measures a chunk's least payload.

const CRLF2 = [13, 10, 13, 10];

/**
 * How many of a one-part multipart body's bytes are file, at least: its length less the part's head (up to
 * the first blank line, which must be in its `first` bytes) and the longest closing delimiter
 * (`\r\n--boundary--\r\n`); `undefined` when the head is not in `first`.
 */
export function leastPayload(
  length: number,
  first: Uint8Array | undefined,
  boundary: string,
): number | undefined {
  let matched = 0;
  for (let i = 0; first !== undefined && i < first.length; i++) {
    const byte = first[i]!;
    matched = byte === CRLF2[matched] ? matched + 1 : byte === 13 ? 1 : 0;
    if (matched === CRLF2.length) {
      return Math.max(0, length - (i + 1) - `\r\n--${boundary}--\r\n`.length);
    }
  }
  return undefined;
}
