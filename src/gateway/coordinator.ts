/**
 * What the upload gateway coordinates across its instances: DocSpace's budget for the token's user (requests
 * in flight, per minute and per day, shared fairly among callers) and the tally of chunks that DocSpace
 * numbers by arrival. One small interface, {@linkcode Coordinator}, with three implementations: in process
 * ({@linkcode MemoryCoordinator}, the default), Deno KV (`KvCoordinator`) and a Durable Object
 * (`UploadCoordinator` and `DurableCoordinator`).
 *
 * @module
 */
import {
  admit,
  type BudgetLimits,
  type BudgetState,
  emptyState,
  nextLift,
  positionOf,
  prune,
  queueFull,
  retryAfterSeconds,
} from "./_budget_state.ts";

export type {
  BudgetLimits,
  BudgetState,
  LeaseRecord,
  WaiterRecord,
} from "./_budget_state.ts";

/** A request for a place in the budget. */
export interface LeaseRequest {
  /** Who asks: a ticket's id, or `secret`. Places are shared fairly among callers. */
  caller: string;
  /** Whether the request writes (any method but GET and HEAD). */
  write: boolean;
  /** When to give up waiting, in ms since the epoch: then the caller is answered 503 with `Retry-After`. */
  deadline: number;
  /** Stops the wait (the caller went away). */
  signal?: AbortSignal;
}

/** A place in the budget, held while one request to DocSpace is in flight. */
export interface Lease {
  /** Gives the place back (safe to call twice); a shared store's answer may be awaited. */
  release(): void | Promise<void>;
}

/** A caller's place in the queue, as `GET /queue` and a refusal's `queue` field show it. */
export interface QueueStatus {
  /** The caller's requests waiting. */
  waiting: number;
  /** The place of the caller's first waiting request, 1 for the next served; 0 when none waits. */
  position: number;
  /** The caller's requests in flight. */
  inFlight: number;
}

/** What the gateway knows of a chunk that DocSpace numbers by arrival, to admit or refuse it. */
export interface ArrivalCheck {
  /** Whether the folder is DocSpace's own, where the server counts chunks. */
  native: boolean;
  /** The most chunks the session's file can have. */
  lastChunk: number;
  /** The session's file size. */
  bytesTotal: number;
  /** The least file bytes this chunk carries. */
  least: number;
  /** Whether to count the chunk in when admitted (false: only check). */
  count: boolean;
}

/** Whether a chunk numbered by arrival was admitted, and how many chunks its session had before it. */
export interface Admission {
  /** Admitted. */
  ok: boolean;
  /** The session's chunks before this one. */
  chunks: number;
}

/** The tally of a session's chunks numbered by arrival. */
export interface Tally {
  /** Chunks forwarded (counted when they start, since the server may count one whose reply is lost). */
  chunks: number;
  /** File bytes they carried, at least. */
  bytes: number;
}

/**
 * Admits a chunk numbered by arrival against its session's tally: refused when, in a DocSpace folder, the
 * file's chunks all went, or when the bytes that went complete the file or this chunk's would pass it.
 *
 * @param tally The session's tally so far.
 * @param check The chunk.
 * @returns Whether it is admitted, and the tally after it.
 */
export function decideArrival(
  tally: Tally,
  check: ArrivalCheck,
): { ok: boolean; tally: Tally } {
  if (
    (check.native && tally.chunks >= check.lastChunk) ||
    (tally.chunks > 0 && tally.bytes >= check.bytesTotal) ||
    tally.bytes + check.least > check.bytesTotal
  ) {
    return { ok: false, tally };
  }
  return {
    ok: true,
    tally: check.count
      ? { chunks: tally.chunks + 1, bytes: tally.bytes + check.least }
      : tally,
  };
}

/**
 * Coordinates the gateway's use of DocSpace across every instance that shares it: a fair queue for places in
 * DocSpace's budget, and the tally of chunks numbered by arrival.
 */
export interface Coordinator {
  /**
   * Waits in the fair queue for a place, then takes it; rejects with a 503 (`Retry-After`, and the caller's
   * `queue` place) at the deadline or when the queue is full.
   */
  acquire(request: LeaseRequest): Promise<Lease>;
  /** The caller's place in the queue. */
  status(caller: string): Promise<QueueStatus>;
  /**
   * Checks a chunk numbered by arrival against its session's tally, and counts it in when asked: whether it
   * is admitted, and the chunks counted before it.
   */
  admitChunk(sessionId: string, check: ArrivalCheck): Promise<Admission>;
  /** Drops a session's tally (it was aborted). */
  forgetSession(sessionId: string): Promise<void>;
}

/**
 * The refusal of a caller that waited its time in the fair queue, or could not wait: its place, and when to
 * retry. The gateway answers it 503, with `Retry-After` and the place as a `queue` field.
 */
export class QueueError extends Error {
  /** The caller's place when it gave up. */
  readonly queue: { position: number; waitedMs: number; retryAfter: number };

  /**
   * Creates it.
   *
   * @param reason Why: the wait's end, or a full queue.
   * @param queue The caller's place, how long it waited and when to retry (seconds).
   */
  constructor(
    reason: string,
    queue: { position: number; waitedMs: number; retryAfter: number },
  ) {
    super(
      `DocSpace's request budget for this gateway is in use (${reason}); retry in ${queue.retryAfter} s`,
    );
    this.name = "QueueError";
    this.queue = queue;
  }
}

/** The limits of a gateway's budget: DocSpace's defaults for the token's user, with room left for others. */
export function budgetLimits(options: {
  writes: number;
  perCaller: number;
  leaseTtl: number;
}): BudgetLimits {
  return {
    writes: options.writes,
    reads: Math.max(options.writes, 12),
    perCaller: options.perCaller,
    perMinute: 1350,
    perDay: 9500,
    maxWaiting: 2000,
    maxWaitingPerCaller: 100,
    leaseTtl: options.leaseTtl,
  };
}

interface Pending {
  resolve(lease: Lease): void;
  reject(error: unknown): void;
  since: number;
}

/** Options for {@linkcode MemoryCoordinator}. */
export interface MemoryCoordinatorOptions {
  /** The clock. @default {Date.now} */
  now?: () => number;
  /** The state to start from (a Durable Object's stored state). */
  state?: BudgetState;
  /** Called with the state after every change (a Durable Object stores it). */
  persist?: (state: BudgetState) => void;
  /** The most sessions whose tallies are kept; the least recently used go first. @default {10000} */
  tallies?: number;
}

/**
 * The coordinator of one process (or one Durable Object): the budget's state in memory, waiters woken as
 * soon as a place frees. The gateway's default.
 *
 * @example Two places, a third caller waits for one
 * ```ts
 * import { budgetLimits, MemoryCoordinator } from "@docspace-tools/upload/gateway";
 * import { assertEquals } from "@std/assert";
 *
 * const coordinator = new MemoryCoordinator(budgetLimits({ writes: 2, perCaller: 1, leaseTtl: 60_000 }));
 * const deadline = Date.now() + 1000;
 * const a = await coordinator.acquire({ caller: "a", write: true, deadline });
 * await coordinator.acquire({ caller: "b", write: true, deadline });
 * const c = coordinator.acquire({ caller: "c", write: true, deadline });
 * assertEquals((await coordinator.status("c")).position, 1);
 * a.release();
 * await c;
 * assertEquals((await coordinator.status("c")).inFlight, 1);
 * ```
 */
export class MemoryCoordinator implements Coordinator {
  readonly #limits: BudgetLimits;
  readonly #now: () => number;
  readonly #persist: ((state: BudgetState) => void) | undefined;
  readonly #state: BudgetState;
  readonly #pending = new Map<string, Pending>();
  readonly #tallies = new Map<string, Tally>();
  readonly #tallyLimit: number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerAt = Infinity;

  /**
   * Creates it.
   *
   * @param limits The budget.
   * @param options The clock, a state to start from and a hook to store it.
   */
  constructor(limits: BudgetLimits, options: MemoryCoordinatorOptions = {}) {
    this.#limits = limits;
    this.#now = options.now ?? Date.now;
    this.#state = options.state ?? emptyState();
    this.#persist = options.persist;
    this.#tallyLimit = options.tallies ?? 10_000;
  }

  /** The budget's state (a copy). */
  snapshot(): BudgetState {
    return structuredClone(this.#state);
  }

  acquire(request: LeaseRequest): Promise<Lease> {
    const now = this.#now();
    const state = this.#state;
    prune(state, now);
    if (request.signal?.aborted) return Promise.reject(request.signal.reason);
    const full = queueFull(state, this.#limits, request.caller);
    if (full !== undefined) {
      return Promise.reject(
        new QueueError(full, {
          position: 0,
          waitedMs: 0,
          retryAfter: retryAfterSeconds(state, this.#limits, now),
        }),
      );
    }
    const id = crypto.randomUUID();
    state.waiters.push({
      id,
      caller: request.caller,
      write: request.write,
      since: now,
      until: request.deadline,
    });
    const lease = new Promise<Lease>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, since: now });
    });
    this.#settle(now);
    if (this.#pending.has(id)) {
      const timer = setTimeout(
        () => this.#giveUp(id, "its wait reached QUEUE_TIMEOUT"),
        Math.max(0, request.deadline - now),
      );
      const onAbort = () => this.#giveUp(id, "the caller went away");
      request.signal?.addEventListener("abort", onAbort, { once: true });
      lease.then(
        () => {},
        () => {},
      ).finally(() => {
        clearTimeout(timer);
        request.signal?.removeEventListener("abort", onAbort);
      });
    }
    return lease;
  }

  status(caller: string): Promise<QueueStatus> {
    const state = this.#state;
    prune(state, this.#now());
    const mine = state.waiters.filter((waiter) => waiter.caller === caller);
    const positions = mine.map((waiter) => positionOf(state, waiter.id));
    return Promise.resolve({
      waiting: mine.length,
      position: positions.length > 0 ? Math.min(...positions) : 0,
      inFlight: state.leases.filter((lease) => lease.caller === caller).length,
    });
  }

  admitChunk(sessionId: string, check: ArrivalCheck): Promise<Admission> {
    const tally = this.#tallies.get(sessionId) ?? { chunks: 0, bytes: 0 };
    const decision = decideArrival(tally, check);
    this.#tallies.delete(sessionId);
    this.#tallies.set(sessionId, decision.tally);
    if (this.#tallies.size > this.#tallyLimit) {
      this.#tallies.delete(this.#tallies.keys().next().value!);
    }
    return Promise.resolve({ ok: decision.ok, chunks: tally.chunks });
  }

  forgetSession(sessionId: string): Promise<void> {
    this.#tallies.delete(sessionId);
    return Promise.resolve();
  }

  #release(id: string): void {
    const state = this.#state;
    const at = state.leases.findIndex((lease) => lease.id === id);
    if (at < 0) return;
    state.leases.splice(at, 1);
    this.#settle(this.#now());
  }

  #giveUp(id: string, reason: string): void {
    const pending = this.#pending.get(id);
    if (pending === undefined) return;
    this.#pending.delete(id);
    const state = this.#state;
    const now = this.#now();
    const position = positionOf(state, id);
    state.waiters = state.waiters.filter((waiter) => waiter.id !== id);
    this.#persist?.(state);
    pending.reject(
      new QueueError(reason, {
        position,
        waitedMs: now - pending.since,
        retryAfter: retryAfterSeconds(state, this.#limits, now),
      }),
    );
    this.#settle(now);
  }

  /** Admits what fits, hands out the leases, and arms a timer for the next limit that time lifts. */
  #settle(now: number): void {
    const state = this.#state;
    prune(state, now);
    for (const granted of admit(state, this.#limits, now)) {
      const pending = this.#pending.get(granted.id);
      if (pending === undefined) continue; // another process's waiter (a stored state)
      this.#pending.delete(granted.id);
      let released = false;
      pending.resolve({
        release: () => {
          if (released) return;
          released = true;
          this.#release(granted.id);
        },
      });
    }
    this.#persist?.(state);
    if (state.waiters.length === 0) {
      if (this.#timer !== undefined) clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#timerAt = Infinity;
      return;
    }
    const lift = nextLift(state, this.#limits, now);
    if (lift !== undefined && lift < this.#timerAt) {
      if (this.#timer !== undefined) clearTimeout(this.#timer);
      this.#timerAt = lift;
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#timerAt = Infinity;
        this.#settle(this.#now());
      }, Math.min(Math.max(1, lift - now), 60_000));
      unref(this.#timer);
    }
  }
}

/** Lets the process exit while a timer is armed (Deno); a no-op elsewhere. */
export function unref(timer: ReturnType<typeof setTimeout>): void {
  const deno = (globalThis as {
    Deno?: { unrefTimer?: (id: number) => void };
  }).Deno;
  if (typeof timer === "number") deno?.unrefTimer?.(timer);
}
