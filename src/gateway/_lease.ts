// Every request the gateway sends to DocSpace takes a place in the deployment's budget first (the
// coordinator's fair queue, per caller), and every request of a ticket's holder ends when its ticket has been
// expired for EXPIRY_GRACE: what a ticket started does not outlive it.
import { HTTPException } from "hono/http-exception";
import { errorInit, httpError } from "./_responses.ts";
import type { Context } from "hono";
import type { Caller, Gateway } from "./_context.ts";
import { QueueError } from "./coordinator.ts";

/** The 401 of an upload cut off because its ticket expired (plus the grace) while it ran. */
export class TicketExpiredError extends HTTPException {
  constructor(grace: number) {
    super(
      401,
      errorInit(
        401,
        `The upload ticket expired while the upload ran (${
          grace / 1000
        } s of grace, EXPIRY_GRACE); the upload was aborted: ask for a new ticket`,
      ),
    );
    this.name = "TicketExpiredError";
  }
}

/**
 * A signal that aborts, with a TicketExpiredError, once a ticket's holder has outlived it by the grace; and
 * its disposal. Undefined for the secret's holders, whose credential does not expire.
 */
export function expiry(
  gateway: Gateway,
  caller: Caller,
): { signal: AbortSignal; dispose(): void } | undefined {
  if (caller.kind !== "ticket") return undefined;
  const controller = new AbortController();
  const grace = gateway.config.expiryGrace;
  const wait = Math.max(0, caller.ticket.expiresAt + grace - gateway.now());
  // Timers longer than 2^31 - 1 ms fire at once; a request never lasts that long anyway.
  const timer = wait < 2 ** 31 - 1
    ? setTimeout(() => controller.abort(new TicketExpiredError(grace)), wait)
    : undefined;
  return {
    signal: controller.signal,
    dispose: () => clearTimeout(timer),
  };
}

/** Aborts of failed uploads, as a caller of their own. */
const CLEANUP: Caller = { kind: "secret", id: "cleanup" };

/** The longest a request waits for its lease's release to be confirmed, in milliseconds. */
const RELEASE_WAIT = 2000;

/** Whether a request writes, in DocSpace's rate limiter's terms: any method but GET and HEAD. */
export function isWrite(method: string | undefined): boolean {
  return !/^(GET|HEAD)$/i.test(method ?? "GET");
}

/**
 * The fair queue's refusal as the gateway answers it: 503, with `Retry-After` and the caller's `queue` place,
 * and the error's message unless the queue's owner words it.
 */
export function queueRefusal(
  error: QueueError,
  message: string = error.message,
): HTTPException {
  return httpError(503, message, {
    headers: { "retry-after": String(error.queue.retryAfter) },
    fields: { queue: error.queue },
    cause: error,
  });
}

/** Whether an error is the fair queue's refusal (see {@linkcode queueRefusal}). */
export function isQueueRefusal(error: unknown): boolean {
  return error instanceof HTTPException && error.cause instanceof QueueError;
}

/**
 * Runs `work` holding a place in the budget for `caller`: waits in the fair queue until `QUEUE_TIMEOUT`
 * (then the {@linkcode queueRefusal}), and gives the place back when it settles.
 */
export async function withLease<T>(
  gateway: Gateway,
  caller: Caller,
  write: boolean,
  signal: AbortSignal | undefined,
  work: () => Promise<T>,
): Promise<T> {
  const lease = await gateway.coordinator.acquire({
    caller: caller.id,
    write,
    deadline: gateway.now() + gateway.config.queueTimeout,
    ...(signal ? { signal } : {}),
  }).catch((error) => {
    throw error instanceof QueueError ? queueRefusal(error) : error;
  });
  try {
    return await work();
  } finally {
    // A shared store's release is awaited, but never for long: on Workers, a subrequest made after the
    // caller went away may never settle, and the lease expires on its own anyway.
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      Promise.resolve(lease.release()).catch(() => {}),
      new Promise((resolve) => timer = setTimeout(resolve, RELEASE_WAIT)),
    ]);
    clearTimeout(timer);
  }
}

/**
 * The fetch a direct upload's `uploadFile` sends with: each request takes its place in the budget first.
 * A caller that could not get one stops the whole upload (`stop`), which then answers that 503.
 */
export function leasedFetch(
  gateway: Gateway,
  caller: Caller,
  stop: (reason: unknown) => void,
): typeof fetch {
  return async (input, init) => {
    const method = init?.method ??
      (input instanceof Request ? input.method : "GET");
    const url = input instanceof Request ? input.url : String(input);
    // Cleaning up (aborting a failed upload's session) is never held up by the caller's own share.
    const cleanup = /DELETE/i.test(method) || /[?&]abort=true/.test(url);
    try {
      return await withLease(
        gateway,
        cleanup ? CLEANUP : caller,
        isWrite(method),
        init?.signal ?? undefined,
        () => gateway.fetch(input, init),
      );
    } catch (error) {
      if (isQueueRefusal(error)) stop(error);
      throw error;
    }
  };
}

/** Keeps the runtime alive until `work` settles, where it can (Workers), so clean-up runs after the answer. */
export function keepAlive(c: Context, work: Promise<unknown>): void {
  try {
    c.executionCtx.waitUntil(work);
  } catch { /* no execution context (Deno): the process lives on anyway */ }
}
