// The two ways the rechunker reads a stream into its buffers: a byte stream (a file, a socket) with a
// BYOB reader, straight into the buffer with no copy and no garbage; any other stream piece by piece,
// each piece copied once.

/** A buffer that a BYOB read may move: after each read, `buffer` is the newest view of its memory. */
export interface Slot {
  buffer: Uint8Array<ArrayBuffer>;
}

/** A stream's bytes, read into given buffers. */
export interface ByteSource {
  /** How many bytes have been read from the stream so far. */
  readonly read: number;
  /** Fills `size` bytes of `slot.buffer` from `offset`; resolves to fewer only when the stream ended. */
  fill(slot: Slot, offset: number, size: number): Promise<number>;
  /** Whether the stream has ended; if it has not, the bytes read to find out are counted in `read`. */
  ended(): Promise<boolean>;
  /** Cancels the stream. */
  cancel(reason: unknown): Promise<void>;
}

const noop = () => {};

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value !== "object") return typeof value;
  return value.constructor?.name ?? "object";
}

/** Reads `stream` with a BYOB reader when it is a byte stream, else with a default reader. */
export function byteSource(stream: ReadableStream<Uint8Array>): ByteSource {
  let byob: ReadableStreamBYOBReader | undefined;
  try {
    byob = stream.getReader({ mode: "byob" });
  } catch {
    byob = undefined;
  }
  return byob ? byobSource(byob) : pieceSource(stream.getReader());
}

function byobSource(reader: ReadableStreamBYOBReader): ByteSource {
  let read = 0;
  let done = false;
  return {
    get read() {
      return read;
    },
    async fill(slot, offset, size) {
      let filled = 0;
      while (filled < size && !done) {
        const result = await reader.read(
          new Uint8Array(slot.buffer.buffer, offset + filled, size - filled),
        );
        if (result.value) slot.buffer = new Uint8Array(result.value.buffer);
        if (result.done) done = true;
        else {
          filled += result.value.length;
          read += result.value.length;
        }
      }
      return filled;
    },
    async ended() {
      while (!done) {
        const result = await reader.read(new Uint8Array(1));
        if (result.done) done = true;
        else if (result.value.length > 0) {
          read += result.value.length;
          return false;
        }
      }
      return true;
    },
    cancel: (reason) => reader.cancel(reason).catch(noop),
  };
}

function pieceSource(
  reader: ReadableStreamDefaultReader<Uint8Array>,
): ByteSource {
  let read = 0;
  let pending: Uint8Array | undefined;
  let done = false;
  // The next piece with bytes in it, or undefined at the end.
  const nextPiece = async (): Promise<Uint8Array | undefined> => {
    while (!done && (pending === undefined || pending.length === 0)) {
      const result = await reader.read();
      if (result.done) {
        done = true;
        pending = undefined;
      } else {
        const piece: unknown = result.value;
        if (!(piece instanceof Uint8Array)) {
          throw new TypeError(
            `Cannot rechunk: expected Uint8Array pieces, received ${
              describe(piece)
            }`,
          );
        }
        read += piece.length;
        pending = piece;
      }
    }
    return pending;
  };
  return {
    get read() {
      return read;
    },
    async fill(slot, offset, size) {
      let filled = 0;
      while (filled < size) {
        const piece = await nextPiece();
        if (piece === undefined) break;
        const take = Math.min(size - filled, piece.length);
        slot.buffer.set(
          take === piece.length ? piece : piece.subarray(0, take),
          offset + filled,
        );
        pending = piece.subarray(take);
        filled += take;
      }
      return filled;
    },
    async ended() {
      return (await nextPiece()) === undefined;
    },
    cancel: (reason) => reader.cancel(reason).catch(noop),
  };
}
