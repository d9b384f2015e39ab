// At most MAX_CONCURRENT_UPLOADS direct uploads at once per isolate: each holds its chunks in flight, so this
// bounds the isolate's memory and the gateway's share of DocSpace's 15 concurrent writes per user.
import { GatewayError } from "./_reply.ts";

/** Seconds a caller refused for want of a slot is asked to wait. */
export const RETRY_AFTER = 5;

/** A counting semaphore that refuses instead of queueing: a queued upload would hold its connection. */
export class UploadSlots {
  readonly #size: number;
  #used = 0;

  constructor(size: number) {
    this.#size = size;
  }

  /** Slots in use. */
  get used(): number {
    return this.#used;
  }

  /** Takes a slot and returns its release (safe to call twice); 503 with `Retry-After` when none is free. */
  take(): () => void {
    if (this.#used >= this.#size) {
      throw new GatewayError(
        503,
        `The gateway is running its ${this.#size} direct uploads at once (MAX_CONCURRENT_UPLOADS); retry in ${RETRY_AFTER} s, or upload in chunks through the DocSpace-compatible routes`,
        { "retry-after": String(RETRY_AFTER) },
      );
    }
    this.#used++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#used--;
    };
  }
}
