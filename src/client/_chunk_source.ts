// Hands out a file's chunks one at a time, numbered from 1: slices of a Blob (not copied), or, for a
// stream, multipart bodies framed in a fixed pool of reused buffers, each stream byte copied once. A
// pooled buffer comes back when its chunk is confirmed, so memory stays at the pool's size whatever the
// file's; a stream whose length differs from the declared file size is refused.
import { LimitedBytesTransformStream } from "@std/streams/limited-bytes-transform-stream";
import type { ChunkBody } from "./chunk_body.ts";
import { chunkFrame } from "./_chunk_frame.ts";

/** One chunk of the file. */
export interface Chunk {
  number: number;
  /** A slice of a Blob source, or a stream chunk already framed as its request body. */
  bytes: Blob | ChunkBody;
  /** Gives a pooled buffer back; call it once the chunk is confirmed or no longer needed. */
  release(): void;
}

/** How many chunks a file of `fileSize` bytes has: a 0-byte file is one empty chunk. */
export function chunkCount(fileSize: number, chunkSize: number): number {
  return fileSize === 0 ? 1 : Math.ceil(fileSize / chunkSize);
}

/** A fixed set of equal buffers; `acquire` waits while all are out. */
class BufferPool {
  #free: Uint8Array<ArrayBuffer>[] = [];
  #waiting: ((buffer: Uint8Array<ArrayBuffer>) => void)[] = [];
  #made = 0;
  constructor(readonly size: number, readonly count: number) {}
  acquire(): Promise<Uint8Array<ArrayBuffer>> {
    const buffer = this.#free.pop();
    if (buffer) return Promise.resolve(buffer);
    if (this.#made < this.count) {
      this.#made++;
      return Promise.resolve(new Uint8Array(this.size));
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }
  release(buffer: Uint8Array<ArrayBuffer>): void {
    const waiter = this.#waiting.shift();
    if (waiter) waiter(buffer);
    else this.#free.push(buffer);
  }
}

const noop = () => {};

/** The chunks of a Blob or stream, in order, leaving out those in `skip`. Safe to call `next` concurrently. */
export class ChunkSource {
  #next: () => Promise<Chunk | undefined>;
  #queue: Promise<unknown> = Promise.resolve();
  #cancel: (reason: unknown) => Promise<void>;

  /**
   * @param buffers How many stream chunks may be out at once (sent and not yet released), plus the one
   * being filled.
   */
  constructor(
    source: Blob | ReadableStream<Uint8Array>,
    fileSize: number,
    chunkSize: number,
    skip: ReadonlySet<number>,
    buffers: number,
    describe: string,
  ) {
    const total = chunkCount(fileSize, chunkSize);
    const expectedSize = (n: number) =>
      Math.min(chunkSize, fileSize - (n - 1) * chunkSize);
    let number = 0;
    if (source instanceof Blob) {
      this.#cancel = () => Promise.resolve();
      this.#next = () => {
        while (++number <= total && skip.has(number));
        if (number > total) return Promise.resolve(undefined);
        const start = (number - 1) * chunkSize;
        const bytes = source.slice(start, start + expectedSize(number));
        return Promise.resolve({ number, bytes, release: noop });
      };
      return;
    }
    const tooLong = () =>
      new RangeError(
        `Cannot upload ${describe}: the stream has more bytes than fileSize (${fileSize}); nothing was finalized`,
      );
    const tooShort = (got: number) =>
      new RangeError(
        `Cannot upload ${describe}: the stream ended after ${got} bytes but fileSize is ${fileSize}; nothing was finalized`,
      );
    const bytes = byteReader(source, fileSize, tooLong, tooShort, describe);
    const frame = chunkFrame();
    const pool = new BufferPool(
      frame.head.length + Math.min(chunkSize, fileSize) + frame.tail.length,
      buffers,
    );
    this.#cancel = bytes.cancel;
    this.#next = async () => {
      while (++number <= total) {
        const size = expectedSize(number);
        let buffer = await pool.acquire();
        try {
          buffer = await bytes.fill(buffer, frame.head.length, size);
          // The last chunk is handed out only once the stream has ended, so a longer stream never completes a file.
          if (number === total) await bytes.ended();
        } catch (error) {
          pool.release(buffer);
          throw error;
        }
        if (skip.has(number)) {
          pool.release(buffer);
          continue;
        }
        buffer.set(frame.head);
        buffer.set(frame.tail, frame.head.length + size);
        const length = frame.head.length + size + frame.tail.length;
        const filled = buffer;
        let released = false;
        return {
          number,
          bytes: {
            body: filled.subarray(0, length),
            contentType: frame.contentType,
            contentLength: length,
          },
          release: () => {
            if (!released) pool.release(filled);
            released = true;
          },
        };
      }
      return undefined;
    };
  }

  /** The next chunk to send, or `undefined` when there are no more. */
  next(): Promise<Chunk | undefined> {
    const result = this.#queue.then(() => this.#next());
    this.#queue = result.catch(noop);
    return result;
  }

  /** Releases the source (cancels the stream); a pending `next` resolves or rejects soon after. */
  cancel(reason: unknown): Promise<void> {
    return this.#cancel(reason);
  }
}

/** Reads a stream's bytes into given buffers. */
interface ByteReader {
  /** Fills `size` bytes of `target` from `offset`; returns the target, whose memory a BYOB read may have moved. */
  fill(
    target: Uint8Array<ArrayBuffer>,
    offset: number,
    size: number,
  ): Promise<Uint8Array<ArrayBuffer>>;
  /** Throws if the stream has bytes left. */
  ended(): Promise<void>;
  cancel(reason: unknown): Promise<void>;
}

/**
 * A byte stream (a file, a socket) is read straight into the buffers with a BYOB reader: no copy and no
 * garbage. Any other stream is read piece by piece, each piece copied once.
 */
function byteReader(
  source: ReadableStream<Uint8Array>,
  fileSize: number,
  tooLong: () => RangeError,
  tooShort: (got: number) => RangeError,
  describe: string,
): ByteReader {
  let read = 0;
  let byob: ReadableStreamBYOBReader | undefined;
  try {
    byob = source.getReader({ mode: "byob" });
  } catch {
    byob = undefined;
  }
  if (byob !== undefined) {
    const reader = byob;
    return {
      async fill(target, offset, size) {
        let filled = 0;
        while (filled < size) {
          const { value, done } = await reader.read(
            new Uint8Array(target.buffer, offset + filled, size - filled),
          );
          if (value) target = new Uint8Array(value.buffer as ArrayBuffer);
          if (done) throw tooShort(read);
          filled += value.length;
          read += value.length;
        }
        return target;
      },
      async ended() {
        for (;;) {
          const { value, done } = await reader.read(new Uint8Array(1));
          if (done) return;
          if (value.length > 0) throw tooLong();
        }
      },
      cancel: (reason) => reader.cancel(reason).catch(noop),
    };
  }
  const counted = new TransformStream<Uint8Array, Uint8Array>({
    transform(piece, controller) {
      if (!(piece instanceof Uint8Array)) {
        throw new TypeError(
          `Cannot upload ${describe}: the stream must yield Uint8Array pieces`,
        );
      }
      read += piece.length;
      controller.enqueue(piece);
    },
  });
  const limited: TransformStream<Uint8Array, Uint8Array> =
    new LimitedBytesTransformStream(
      fileSize,
      { error: true },
    );
  const reader = source.pipeThrough(counted).pipeThrough(limited).getReader();
  let pending: Uint8Array | undefined;
  const readPiece = async (): Promise<Uint8Array | undefined> => {
    try {
      const { value, done } = await reader.read();
      return done ? undefined : value;
    } catch (error) {
      throw read > fileSize ? tooLong() : error;
    }
  };
  return {
    async fill(target, offset, size) {
      let filled = 0;
      while (filled < size) {
        if (pending === undefined || pending.length === 0) {
          pending = await readPiece();
          if (pending === undefined) throw tooShort(read);
          continue;
        }
        const take = Math.min(size - filled, pending.length);
        target.set(pending.subarray(0, take), offset + filled);
        pending = pending.subarray(take);
        filled += take;
      }
      return target;
    },
    async ended() {
      while (pending?.length === 0 || pending === undefined) {
        pending = await readPiece();
        if (pending === undefined) return;
      }
      throw tooLong();
    },
    cancel: (reason) => reader.cancel(reason).catch(noop),
  };
}
