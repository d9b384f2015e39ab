// A fixed set of equal buffers that chunks are read into and given back to, so memory stays flat
// whatever the file's size.

/** A fixed set of equal buffers; `acquire` waits while all are out. */
export class BufferPool {
  readonly #size: number;
  readonly #count: number;
  #free: Uint8Array<ArrayBuffer>[] = [];
  #waiting: ((buffer: Uint8Array<ArrayBuffer>) => void)[] = [];
  #made = 0;

  /** A pool of `count` buffers of `size` bytes, made when first needed. */
  constructor(size: number, count: number) {
    this.#size = size;
    this.#count = count;
  }

  /** How many buffers the pool has made: never more than its count. */
  get made(): number {
    return this.#made;
  }

  /** A free buffer, or the next one given back. */
  acquire(): Promise<Uint8Array<ArrayBuffer>> {
    const buffer = this.#free.pop();
    if (buffer) return Promise.resolve(buffer);
    if (this.#made < this.#count) {
      this.#made++;
      return Promise.resolve(new Uint8Array(this.#size));
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  /**
   * Gives a buffer back. A BYOB read moves a buffer's memory to a new ArrayBuffer and detaches the old
   * one, so the caller gives back the newest view of it.
   */
  release(buffer: Uint8Array<ArrayBuffer>): void {
    const waiter = this.#waiting.shift();
    if (waiter) waiter(buffer);
    else this.#free.push(buffer);
  }

  /**
   * Drops a buffer that something else may still hold (the body of a request that failed or was
   * aborted: node:http can still have it queued), so it is never read into again; a new one takes its
   * place when needed.
   */
  discard(): void {
    const waiter = this.#waiting.shift();
    if (waiter) waiter(new Uint8Array(this.#size));
    else this.#made--;
  }
}
