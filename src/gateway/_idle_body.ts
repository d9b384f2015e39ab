// A request body with an idle timeout: a sender that goes quiet for IDLE_TIMEOUT while the gateway waits for
// its bytes fails the body with a 408. The first bytes are awaited before anything goes upstream, so a caller
// that sends headers and then nothing never opens a DocSpace session or holds a DocSpace request. The body
// stays a byte stream read with BYOB into one reused buffer, so reading it makes no garbage.
import { HTTPException } from "hono/http-exception";
import { errorInit, httpError } from "./_responses.ts";

/** The 408 of a body that sent nothing for `IDLE_TIMEOUT`. */
export class IdleTimeoutError extends HTTPException {
  constructor(timeout: number) {
    super(
      408,
      errorInit(
        408,
        `The request body sent nothing for ${
          timeout / 1000
        } s (IDLE_TIMEOUT); the request was dropped`,
        { headers: { connection: "close" } },
      ),
    );
    this.name = "IdleTimeoutError";
  }
}

/** A body being read with an idle timeout. */
export interface IdleBody {
  /** The bytes, as they arrive; it fails with the `failure` (an IdleTimeoutError for a quiet sender). */
  stream: ReadableStream<Uint8Array>;
  /** The first bytes, which the stream hands out first; undefined for an empty body. */
  first: Uint8Array | undefined;
  /** Whether the sender went quiet (whatever error a consumer made of it). */
  timedOut(): boolean;
  /**
   * Why the body failed, as the gateway answers it: the 408 of a quiet sender, a 400 for a body that broke
   * off (the caller went away); undefined while it has not failed.
   */
  failure(): HTTPException | undefined;
}

const FIRST_READ = 65536;

type Read = ReadableStreamReadResult<Uint8Array>;

/**
 * A body's reader whose every read is bounded by the idle timeout and stopped by `signal`: a read that fails
 * makes the body's `failure` (the first one stays) and cancels the body.
 */
class IdleReader {
  readonly #byob: ReadableStreamBYOBReader | undefined;
  readonly #reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  readonly #timeout: number;
  readonly #signal: AbortSignal | undefined;
  /** The buffer BYOB reads go into, reused: reading makes no garbage. */
  #scratch: Uint8Array = new Uint8Array(FIRST_READ);
  /** Whether the sender went quiet. */
  quiet = false;
  /** Why the body failed, as the gateway answers it. */
  failure: HTTPException | undefined;

  constructor(
    source: ReadableStream<Uint8Array>,
    timeout: number,
    signal: AbortSignal | undefined,
  ) {
    try {
      this.#byob = source.getReader({ mode: "byob" });
    } catch {
      this.#reader = source.getReader();
    }
    this.#timeout = timeout;
    this.#signal = signal;
  }

  /** Whether the body is read with BYOB. */
  get byob(): boolean {
    return this.#byob !== undefined;
  }

  /** Cancels the body: the runtime stops waiting for it and drops the connection. */
  cancel(reason: unknown): Promise<void> {
    return (this.#byob ?? this.#reader)!.cancel(reason);
  }

  /** Reads the next bytes (into `into`, with BYOB), or fails with the body's failure. */
  async read(into?: Uint8Array): Promise<Read> {
    const idle = this.#idle();
    try {
      return await Promise.race([
        this.#byob
          ? this.#byob.read(into ?? new Uint8Array(FIRST_READ))
          : this.#reader!.read(),
        idle.expired,
      ]);
    } catch (error) {
      this.failure ??= error instanceof HTTPException ? error : httpError(
        400,
        `The request body could not be read: ${
          error instanceof Error ? error.message : String(error)
        }`,
      );
      this.cancel(error).catch(() => {});
      throw this.failure;
    } finally {
      idle.dispose();
    }
  }

  /** Reads into the reused buffer and copies into `view`: the bytes copied, or undefined at the body's end. */
  async readCopy(view: ArrayBufferView): Promise<number | undefined> {
    const { done, value } = await this.read(
      new Uint8Array(
        this.#scratch.buffer,
        0,
        Math.min(this.#scratch.byteLength, view.byteLength),
      ),
    );
    // Copied rather than handed on: no reliance on how a runtime moves buffers.
    this.#scratch = value !== undefined && value.buffer.byteLength >= FIRST_READ
      ? new Uint8Array(value.buffer)
      : new Uint8Array(FIRST_READ);
    if (done) return undefined;
    new Uint8Array(view.buffer, view.byteOffset, value.byteLength).set(value);
    return value.byteLength;
  }

  /** A rejection after `timeout` of silence (a 408), or when the gateway stops reading (its reason). */
  #idle(): { expired: Promise<never>; dispose(): void } {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let onAbort = () => {};
    const signal = this.#signal;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.quiet = true;
        reject(new IdleTimeoutError(this.#timeout));
      }, this.#timeout);
      // The gateway stops reading (a ticket that expired): the reason is the body's failure.
      onAbort = () => reject(signal!.reason);
      if (signal?.aborted) onAbort();
      signal?.addEventListener("abort", onAbort, { once: true });
    });
    return {
      expired,
      dispose: () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
      },
    };
  }
}

/** The body as a byte stream: `first` handed out first, then read only as fast as the consumer asks. */
function idleStream(
  reader: IdleReader,
  first: Uint8Array | undefined,
): ReadableStream<Uint8Array> {
  let head = first;
  return new ReadableStream({
    type: "bytes",
    autoAllocateChunkSize: FIRST_READ,
    async pull(controller) {
      if (head !== undefined) {
        controller.enqueue(head);
        head = undefined;
        return;
      }
      const request = controller.byobRequest!;
      if (reader.byob) {
        const copied = await reader.readCopy(request.view!);
        if (copied === undefined) {
          controller.close();
          request.respond(0);
        } else request.respond(copied);
        return;
      }
      const result = await reader.read();
      if (result.done) {
        controller.close();
        request.respond(0);
      } else {
        controller.enqueue(result.value);
      }
    },
    cancel: (reason) => reader.cancel(reason),
  });
}

/**
 * Waits for a body's first bytes (or its end) for at most `timeout` milliseconds, then hands it on as a
 * byte stream that is read only as fast as its consumer asks, each wait again bounded by `timeout`. Throws
 * the body's `failure` when its first bytes do not come in time (408) or it breaks off (400).
 */
export async function idleBody(
  body: ReadableStream<Uint8Array> | null,
  timeout: number,
  signal?: AbortSignal,
): Promise<IdleBody> {
  const reader = new IdleReader(
    body ?? ReadableStream.from<Uint8Array>([]),
    timeout,
    signal,
  );
  const head = await reader.read();
  const first = head.done ? undefined : head.value;
  return {
    stream: idleStream(reader, first),
    first,
    timedOut: () => reader.quiet,
    failure: () => reader.failure,
  };
}
