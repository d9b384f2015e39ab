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
 * Waits for a body's first bytes (or its end) for at most `timeout` milliseconds, then hands it on as a
 * byte stream that is read only as fast as its consumer asks, each wait again bounded by `timeout`. Throws
 * the body's `failure` when its first bytes do not come in time (408) or it breaks off (400).
 */
export async function idleBody(
  body: ReadableStream<Uint8Array> | null,
  timeout: number,
  signal?: AbortSignal,
): Promise<IdleBody> {
  const source = body ?? ReadableStream.from<Uint8Array>([]);
  let byob: ReadableStreamBYOBReader | undefined;
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  try {
    byob = source.getReader({ mode: "byob" });
  } catch {
    reader = source.getReader();
  }
  let quiet = false;
  let failure: HTTPException | undefined;
  const cancel = (reason: unknown) => (byob ?? reader)!.cancel(reason);
  const read = async (into?: Uint8Array): Promise<Read> => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let onAbort = () => {};
    const idle = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        quiet = true;
        reject(new IdleTimeoutError(timeout));
      }, timeout);
      // The gateway stops reading (a ticket that expired): the reason is the body's failure.
      onAbort = () => reject(signal!.reason);
      if (signal?.aborted) onAbort();
      signal?.addEventListener("abort", onAbort, { once: true });
    });
    try {
      return await Promise.race([
        byob ? byob.read(into ?? new Uint8Array(FIRST_READ)) : reader!.read(),
        idle,
      ]);
    } catch (error) {
      failure ??= error instanceof HTTPException ? error : httpError(
        400,
        `The request body could not be read: ${
          error instanceof Error ? error.message : String(error)
        }`,
      );
      // Cancelling the body tells the runtime to stop waiting for it and drop the connection.
      cancel(error).catch(() => {});
      throw failure;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    }
  };
  const head = await read();
  let scratch: Uint8Array = new Uint8Array(FIRST_READ);
  let first = head.done ? undefined : head.value;
  const stream = new ReadableStream({
    type: "bytes",
    autoAllocateChunkSize: FIRST_READ,
    async pull(controller) {
      if (first !== undefined) {
        controller.enqueue(first);
        first = undefined;
        return;
      }
      const request = controller.byobRequest!;
      const view = request.view!;
      if (byob) {
        // Read into a reused buffer and copy: no garbage, and no reliance on how a runtime moves buffers.
        const { done, value } = await read(
          new Uint8Array(
            scratch.buffer,
            0,
            Math.min(scratch.byteLength, view.byteLength),
          ),
        );
        if (value !== undefined && value.buffer.byteLength >= FIRST_READ) {
          scratch = new Uint8Array(value.buffer);
        } else {
          scratch = new Uint8Array(FIRST_READ);
        }
        if (done) {
          controller.close();
          request.respond(0);
        } else {
          new Uint8Array(view.buffer, view.byteOffset, value.byteLength).set(
            value,
          );
          request.respond(value.byteLength);
        }
        return;
      }
      const result = await read();
      if (result.done) {
        controller.close();
        request.respond(0);
      } else {
        controller.enqueue(result.value);
      }
    },
    cancel(reason) {
      return cancel(reason);
    },
  });
  return {
    stream,
    first: head.done ? undefined : head.value,
    timedOut: () => quiet,
    failure: () => failure,
  };
}
