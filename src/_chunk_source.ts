// Hands out a file's chunks one at a time, numbered from 1, from a Blob (sliced, not copied) or a stream
// (rechunked), and refuses a stream whose length differs from the declared file size.
import { LimitedBytesTransformStream } from "@std/streams/limited-bytes-transform-stream";
import { RechunkStream } from "./rechunk_stream.ts";

/** One chunk of the file. */
export interface Chunk {
  number: number;
  blob: Blob;
}

/** How many chunks a file of `fileSize` bytes has: a 0-byte file is one empty chunk. */
export function chunkCount(fileSize: number, chunkSize: number): number {
  return fileSize === 0 ? 1 : Math.ceil(fileSize / chunkSize);
}

/** The chunks of a Blob or stream, in order, leaving out those in `skip`. Safe to call `next` concurrently. */
export class ChunkSource {
  #next: () => Promise<Chunk | undefined>;
  #queue: Promise<unknown> = Promise.resolve();
  #cancel: (reason: unknown) => Promise<void>;

  constructor(
    source: Blob | ReadableStream<Uint8Array>,
    fileSize: number,
    chunkSize: number,
    skip: ReadonlySet<number>,
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
        return Promise.resolve({
          number,
          blob: source.slice(start, start + expectedSize(number)),
        });
      };
      return;
    }
    let read = 0;
    const counted = new TransformStream<Uint8Array, Uint8Array>({
      transform(piece, controller) {
        if (piece instanceof Uint8Array) read += piece.length;
        controller.enqueue(piece);
      },
    });
    const reader = source
      .pipeThrough(counted)
      .pipeThrough(new LimitedBytesTransformStream(fileSize, { error: true }))
      .pipeThrough(new RechunkStream({ chunkSize }))
      .getReader();
    const tooLong = () =>
      new RangeError(
        `Cannot upload ${describe}: the stream has more bytes than fileSize (${fileSize}); nothing was finalized`,
      );
    const tooShort = (got: number) =>
      new RangeError(
        `Cannot upload ${describe}: the stream ended after ${got} bytes but fileSize is ${fileSize}; nothing was finalized`,
      );
    const readBlob = async (): Promise<Blob | undefined> => {
      try {
        const { value, done } = await reader.read();
        return done ? undefined : value;
      } catch (error) {
        throw read > fileSize ? tooLong() : error;
      }
    };
    this.#cancel = (reason) => reader.cancel(reason).catch(() => {});
    this.#next = async () => {
      while (++number <= total) {
        const blob = fileSize === 0 ? new Blob([]) : await readBlob();
        if (blob === undefined || blob.size !== expectedSize(number)) {
          throw tooShort((number - 1) * chunkSize + (blob?.size ?? 0));
        }
        // The last chunk is handed out only once the stream has ended, so a longer stream never completes a file.
        if (number === total && await readBlob() !== undefined) throw tooLong();
        if (!skip.has(number)) return { number, blob };
      }
      return undefined;
    };
  }

  /** The next chunk to send, or `undefined` when there are no more. */
  next(): Promise<Chunk | undefined> {
    const result = this.#queue.then(() => this.#next());
    this.#queue = result.catch(() => {});
    return result;
  }

  /** Releases the source (cancels the stream); a pending `next` resolves or rejects soon after. */
  cancel(reason: unknown): Promise<void> {
    return this.#cancel(reason);
  }
}
