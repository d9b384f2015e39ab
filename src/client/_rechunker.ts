// The one cutting core behind RechunkStream and uploadFile: it reads any byte stream into a fixed pool
// of reused buffers (a byte stream with BYOB reads, straight into them) and hands out numbered chunks of
// exactly chunkSize bytes, the last one shorter. Whoever takes a chunk gives its buffer back, so memory
// stays at the pool's size whatever the stream's length. Given the stream's size, it refuses a longer or
// shorter stream with a StreamLengthError, and hands out the last chunk only once the stream has ended.
import { BufferPool } from "./_buffer_pool.ts";
import { type ByteSource, byteSource, type Slot } from "./_byte_source.ts";
import { StreamLengthError } from "./errors.ts";

/** How a {@linkcode Rechunker} cuts. */
export interface RechunkerOptions {
  /** Every chunk's size but the last's (checked by the caller). */
  chunkSize: number;
  /** How many chunks may be out at once, handed out and not yet released. */
  buffers: number;
  /** The stream's exact length, when it is known. */
  size?: number | undefined;
  /** Bytes written before and after each chunk in its buffer (a request's framing), in `framed`. */
  frame?: { head: Uint8Array; tail: Uint8Array } | undefined;
}

/** One chunk, in a pooled buffer until released. */
export interface RechunkedChunk {
  /** The chunk's number, from 1. */
  number: number;
  /** The chunk's bytes. */
  bytes: Uint8Array<ArrayBuffer>;
  /** The frame's head, the chunk's bytes and the frame's tail, one after the other (`bytes` without a frame). */
  framed: Uint8Array<ArrayBuffer>;
  /** Gives the buffer back to the pool; more calls do nothing. */
  release(): void;
  /** Gives up the buffer without reusing it: its request failed, and a transport may still hold it. */
  discard(): void;
}

const EMPTY = new Uint8Array(0);
const noop = () => {};

/** Cuts a stream into pooled chunks; `next` may be called concurrently and hands chunks out in order. */
export class Rechunker {
  readonly #source: ByteSource;
  readonly #pool: BufferPool;
  readonly #chunkSize: number;
  readonly #size: number | undefined;
  readonly #head: Uint8Array;
  readonly #tail: Uint8Array;
  #number = 0;
  #finished = false;
  #cancelled = false;
  #failure: { error: unknown } | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  /** Starts reading `stream` (its reader is taken now). */
  constructor(stream: ReadableStream<Uint8Array>, options: RechunkerOptions) {
    this.#chunkSize = options.chunkSize;
    this.#size = options.size;
    this.#head = options.frame?.head ?? EMPTY;
    this.#tail = options.frame?.tail ?? EMPTY;
    this.#source = byteSource(stream);
    this.#pool = new BufferPool(
      this.#head.length +
        Math.min(options.chunkSize, options.size ?? options.chunkSize) +
        this.#tail.length,
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
  next(): Promise<RechunkedChunk | undefined> {
    const result = this.#queue.then(() => this.#next());
    this.#queue = result.catch(noop);
    return result;
  }

  /** Cancels the stream; later calls to `next` resolve to `undefined`. */
  async cancel(reason?: unknown): Promise<void> {
    this.#cancelled = true;
    await this.#source.cancel(reason);
  }

  async #next(): Promise<RechunkedChunk | undefined> {
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

  async #cut(): Promise<RechunkedChunk | undefined> {
    const chunkSize = this.#chunkSize;
    const size = this.#size;
    const number = this.#number + 1;
    const want = size === undefined
      ? chunkSize
      : Math.min(chunkSize, size - (number - 1) * chunkSize);
    const last = size !== undefined && number * chunkSize >= size;
    if (want <= 0) {
      // A stream of size 0: it must be empty.
      if (!(await this.#source.ended())) throw this.#lengthError();
      this.#finished = true;
      return undefined;
    }
    const slot: Slot = { buffer: await this.#pool.acquire() };
    let filled: number;
    try {
      filled = await this.#source.fill(slot, this.#head.length, want);
      if (this.#cancelled) filled = 0;
      else if (size !== undefined) {
        if (filled < want || this.#source.read > size) {
          throw this.#lengthError();
        }
        // The last chunk waits for the stream's end, so a longer stream never completes a file.
        if (last && !(await this.#source.ended())) throw this.#lengthError();
      }
    } catch (error) {
      this.#pool.release(slot.buffer);
      throw error;
    }
    if (filled === 0) {
      this.#pool.release(slot.buffer);
      this.#finished = true;
      return undefined;
    }
    if (last || filled < want) this.#finished = true;
    this.#number = number;
    return this.#chunk(number, slot.buffer, filled);
  }

  #chunk(
    number: number,
    buffer: Uint8Array<ArrayBuffer>,
    filled: number,
  ): RechunkedChunk {
    const head = this.#head.length;
    buffer.set(this.#head);
    buffer.set(this.#tail, head + filled);
    let released = false;
    return {
      number,
      bytes: buffer.subarray(head, head + filled),
      framed: buffer.subarray(0, head + filled + this.#tail.length),
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

  #lengthError(): StreamLengthError {
    const expected = this.#size!;
    const received = this.#source.read;
    return new StreamLengthError(
      received > expected
        ? `Cannot rechunk: the stream has more bytes than its size (${expected})`
        : `Cannot rechunk: the stream ended after ${received} bytes but its size is ${expected}`,
      { expected, received },
    );
  }
}
