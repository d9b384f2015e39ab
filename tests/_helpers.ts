// Shared test helpers: random bytes, SHA-256, streams cut into uneven pieces, a bearer header and a reply
// in DocSpace's envelope.
import { encodeHex } from "@std/encoding/hex";

/** Random bytes; crypto.getRandomValues fills at most 64 KiB a call. */
export function randomBytes(size: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i += 65536) {
    crypto.getRandomValues(bytes.subarray(i, Math.min(size, i + 65536)));
  }
  return bytes;
}

/** The SHA-256 of some bytes, as hex. */
export async function sha256(bytes: Uint8Array | Blob): Promise<string> {
  const buffer = bytes instanceof Blob
    ? await bytes.arrayBuffer()
    : bytes.slice().buffer;
  return encodeHex(
    new Uint8Array(await crypto.subtle.digest("SHA-256", buffer)),
  );
}

/** A stream of the bytes in pieces of the given sizes, cycling through them. */
export function streamOf(
  bytes: Uint8Array,
  pieceSizes: number[] = [1000, 7, 65536, 3, 100_000],
): ReadableStream<Uint8Array> {
  let offset = 0;
  let i = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      const size = pieceSizes[i++ % pieceSizes.length]!;
      controller.enqueue(bytes.slice(offset, offset + size));
      offset += size;
    },
  }, { highWaterMark: 0 });
}

/**
 * A byte stream (`type: "bytes"`, as files and sockets are) of the bytes, answering each read with the
 * next of `steps` bytes at most (cycling): into the BYOB request's view, or, with `enqueue` (or when the
 * reader asked for no view), as a new piece.
 */
export function byteStreamOf(
  bytes: Uint8Array,
  steps: number | number[] = 4099,
  enqueue = false,
): ReadableStream<Uint8Array> {
  const sizes = typeof steps === "number" ? [steps] : steps;
  let offset = 0;
  let i = 0;
  return new ReadableStream({
    type: "bytes",
    pull(controller) {
      const request = controller.byobRequest;
      if (offset >= bytes.length) {
        controller.close();
        request?.respond(0);
        return;
      }
      const step = Math.max(
        1,
        sizes.length ? sizes[i++ % sizes.length]! : 4096,
      );
      if (request?.view && !enqueue) {
        const view = new Uint8Array(
          request.view.buffer,
          request.view.byteOffset,
          request.view.byteLength,
        );
        const n = Math.min(view.length, step, bytes.length - offset);
        view.set(bytes.subarray(offset, offset + n));
        offset += n;
        request.respond(n);
      } else {
        const n = Math.min(step, bytes.length - offset);
        controller.enqueue(bytes.slice(offset, offset + n));
        offset += n;
      }
    },
  });
}

/** `Authorization: Bearer …` headers. */
export function bearer(credential: string): Record<string, string> {
  return { authorization: `Bearer ${credential}` };
}

/** A JSON reply in DocSpace's envelope. */
export function envelopeReply(response: unknown, status = 200): Response {
  return Response.json({ response, status: 0, statusCode: status }, {
    status,
  });
}
