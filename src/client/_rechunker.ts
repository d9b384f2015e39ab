// The one cutting core, behind RechunkStream and uploadFile: it reads any byte stream into a fixed pool of
// reused buffers (a byte stream with BYOB reads, straight into them) and hands out numbered chunks of
// exactly chunkSize bytes, the last one shorter, in the one chunk shape (PooledChunk) that goes on to the
// request. Whoever takes a chunk gives its buffer back, so memory stays at the pool's size whatever the
// stream's length. Given the stream's size, it refuses a longer or shorter stream with a StreamLengthError,
// and hands out the last chunk only once the stream has ended.
import { BufferPool } from "./_buffer_pool.ts";
import { type ByteSource, byteSource, type Slot } from "./_byte_source.ts";
import { streamLengthError } from "./errors.ts";
import type { PooledChunk, PooledChunks } from "./chunk_types.ts";

/** How a {@linkcode Rechunker} cuts. */
export interface RechunkerOptions {
  /** Every chunk's size but the last's (checked by the caller). */
  chunkSize: number;
  /** How many chunks may be out at once, handed out and not yet released. */
  buffers: number;
  /** The stream's exact length, when it is known. */
  size?: number | undefined;
  /** Bytes left free before and after each chunk in its buffer, for its request's framing (`frameInRoom`). */
  room?: { before: number; after: number } | undefined;
  /** The file the stream is for, which a StreamLengthError then names. */
  fileName?: string | undefined;
}

const noop = () => {};

/** Cuts a stream into pooled chunks; `next` may be called concurrently and hands chunks out in order. */
export class Rechunker implements PooledChunks {
  readonly #source: ByteSource;
  readonly #pool: BufferPool;
  readonly #chunkSize: number;
  readonly #size: number | undefined;
  readonly #before: number;
  readonly #fileName: string | undefined;
  #number = 0;
  #finished = false;
  #cancelled = false;
  #failure: { error: unknown } | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  /** Starts reading `stream` (its reader is taken now). */
  constructor(stream: ReadableStream<Uint8Array>, options: RechunkerOptions) {
    const { chunkSize, size, room = { before: 0, after: 0 } } = options;
    this.#chunkSize = chunkSize;
    this.#size = size;
    this.#before = room.before;
    this.#fileName = options.fileName;
    this.#source = byteSource(stream);
    this.#pool = new BufferPool(
      room.before + Math.min(chunkSize, size ?? chunkSize) + room.after,
      options.buffers,
    );
  }

  /** How many buffers the pool has made so far: at most `buffers`. */
  get buffersMade(): number {
    return this.#pool.made;
  }

  /**
   * The next chunk, or `undefined` after the last. Waits while every buffer is out. After a failure
   * (a stream of the wrong length, a stream error) every call rejects with that failure.
   */
  next(): Promise<PooledChunk | undefined> {
    const result = this.#queue.then(() => this.#next());
    this.#queue = result.catch(noop);
    return result;
  }

  /** Cancels the stream; later calls to `next` resolve to `undefined`. */
  async cancel(reason?: unknown): Promise<void> {
    this.#cancelled = true;
    await this.#source.cancel(reason);
  }

  /** The chunks in order; a loop that stops early cancels the stream. */
  async *[Symbol.asyncIterator](): AsyncGenerator<PooledChunk> {
    let ended = false;
    try {
      for (let chunk = await this.next(); chunk; chunk = await this.next()) {
        yield chunk;
      }
      ended = true;
    } finally {
      if (!ended) await this.cancel();
    }
  }

  async #next(): Promise<PooledChunk | undefined> {
    if (this.#failure) throw this.#failure.error;
    if (this.#finished || this.#cancelled) return undefined;
    try {
      return await this.#cut();
    } catch (error) {
      this.#failure = { error };
      await this.#source.cancel(error);
      throw error;
    }
  }

  async #cut(): Promise<PooledChunk | undefined> {
    const number = this.#number + 1;
    const want = this.#size === undefined
      ? this.#chunkSize
      : Math.min(this.#chunkSize, this.#size - (number - 1) * this.#chunkSize);
    const last = this.#size !== undefined &&
      number * this.#chunkSize >= this.#size;
    if (want <= 0) {
      // A stream of size 0: it must be empty.
      if (!(await this.#source.ended())) throw this.#lengthError();
      this.#finished = true;
      return undefined;
    }
    const slot: Slot = { buffer: await this.#pool.acquire() };
    const filled = await this.#fill(slot, want, last);
    if (filled === 0) {
      this.#pool.release(slot.buffer);
      this.#finished = true;
      return undefined;
    }
    if (last || filled < want) this.#finished = true;
    this.#number = number;
    return this.#chunk(number, slot.buffer, filled);
  }

  /** Fills a buffer with up to `want` bytes and checks them against the size; the buffer goes back on failure. */
  async #fill(slot: Slot, want: number, last: boolean): Promise<number> {
    const size = this.#size;
    try {
      const filled = await this.#source.fill(slot, this.#before, want);
      if (this.#cancelled) return 0;
      if (size === undefined) return filled;
      if (filled < want || this.#source.read > size) throw this.#lengthError();
      // The last chunk waits for the stream's end, so a longer stream never completes a file.
      if (last && !(await this.#source.ended())) throw this.#lengthError();
      return filled;
    } catch (error) {
      this.#pool.release(slot.buffer);
      throw error;
    }
  }

  #chunk(
    number: number,
    buffer: Uint8Array<ArrayBuffer>,
    filled: number,
  ): PooledChunk {
    let released = false;
    return {
      number,
      bytes: buffer.subarray(this.#before, this.#before + filled),
      release: () => {
        if (!released) this.#pool.release(buffer);
        released = true;
      },
      discard: () => {
        if (!released) this.#pool.discard();
        released = true;
      },
    };
  }

  #lengthError() {
    return streamLengthError(this.#size!, this.#source.read, this.#fileName);
  }
}
