/**
 * `KvCoordinator`: the gateway's {@linkcode Coordinator} in Deno KV, for Deno Deploy (every instance shares
 * the project's KV) and for several self-hosted processes sharing one KV file. The budget is one value,
 * changed only by atomic check-and-set on its versionstamp; every lease and waiter has its own expiry, so a
 * process that dies frees what it held (a waiter within a few seconds, a lease at its request's deadline).
 *
 * @module
 */
import {
  admit,
  type BudgetLimits,
  type BudgetState,
  emptyState,
  positionOf,
  prune,
  queueFull,
  retryAfterSeconds,
} from "./_budget_state.ts";
import {
  type Admission,
  type ArrivalCheck,
  type Coordinator,
  decideArrival,
  type Lease,
  type LeaseRequest,
  QueueError,
  type QueueStatus,
  type Tally,
} from "./coordinator.ts";

/** A key in Deno KV. */
export type KvKey = readonly (string | number)[];

/** An entry read from Deno KV. */
export interface KvEntry<T> {
  /** The value, or null when the key is not set. */
  value: T | null;
  /** Its versionstamp, or null when the key is not set. */
  versionstamp: string | null;
}

/** What the coordinator uses of `Deno.Kv` (so that it type-checks without Deno's unstable types). */
export interface KvStore {
  /** Reads one key. */
  get<T>(key: KvKey): Promise<KvEntry<T>>;
  /** Deletes one key. */
  delete(key: KvKey): Promise<void>;
  /** An atomic operation: check versionstamps, then set. */
  atomic(): {
    check(...entries: { key: KvKey; versionstamp: string | null }[]): unknown;
    set(key: KvKey, value: unknown, options?: { expireIn?: number }): unknown;
    commit(): Promise<{ ok: boolean }>;
  };
}

/** Options for {@linkcode KvCoordinator}. */
export interface KvCoordinatorOptions {
  /** The keys' prefix, so that several gateways can share one KV. @default {["docspace-upload"]} */
  prefix?: string[];
  /** Milliseconds between two looks at the budget while a caller waits. @default {20} */
  poll?: number;
  /** How long a waiter stays in the queue without its process renewing it. @default {3000} */
  heartbeat?: number;
  /** The clock. @default {Date.now} */
  now?: () => number;
}

interface Pending {
  caller: string;
  write: boolean;
  since: number;
  deadline: number;
  signal: AbortSignal | undefined;
  resolve(lease: Lease): void;
  reject(error: unknown): void;
}

/** What one look at the budget found for this process's waiters. */
interface Look {
  /** The waiters granted a lease. */
  granted: string[];
  /** The waiters that gave up: their place, when to retry (seconds), and why. */
  gaveUp: {
    id: string;
    position: number;
    retryAfter: number;
    reason: string;
  }[];
}

/**
 * Runs a KV operation again while the file is locked by another process (SQLite's "database is locked"),
 * for up to 10 s, after a short random pause.
 */
async function busy<T>(operation: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      return await operation();
    } catch (error) {
      const locked = error instanceof Error &&
        /database is locked|busy/i.test(error.message);
      if (!locked || Date.now() > deadline) throw error;
      await new Promise((resolve) =>
        setTimeout(resolve, 2 + Math.random() * 10)
      );
    }
  }
}

/** A Deno KV value holds at most 64 KiB: the queue is capped to fit. */
const MAX_WAITING = 250;
/** A session's tally is kept a day (DocSpace's sessions expire sooner). */
const TALLY_LIFETIME = 86_400_000;

/**
 * The coordinator in Deno KV: pass `await Deno.openKv(path)` (Deno needs `--unstable-kv`), then give it to
 * `createUploadGateway`'s `coordinator` option. `worker/deno.ts` does when `KV_PATH` is set, and on Deno Deploy.
 *
 * @example Two gateways that share one KV share one budget
 * ```ts ignore
 * import { createUploadGateway, KvCoordinator } from "@docspace-tools/upload/gateway";
 *
 * const kv = await Deno.openKv("/var/lib/docspace-upload/budget.sqlite3");
 * const gateway = createUploadGateway({
 *   env: Deno.env.toObject(),
 *   coordinator: (limits) => new KvCoordinator(kv, limits),
 * });
 * Deno.serve(gateway.fetch);
 * ```
 */
export class KvCoordinator implements Coordinator {
  readonly #kv: KvStore;
  readonly #limits: BudgetLimits;
  readonly #key: KvKey;
  readonly #prefix: string[];
  readonly #poll: number;
  readonly #heartbeat: number;
  readonly #now: () => number;
  readonly #pending = new Map<string, Pending>();
  #polling = false;

  /**
   * Creates it.
   *
   * @param kv The Deno KV to keep the budget in.
   * @param limits The budget (`createUploadGateway` passes its settings' when given a function).
   * @param options The key prefix, the polling interval, the heartbeat and the clock.
   */
  constructor(
    kv: KvStore,
    limits: BudgetLimits,
    options: KvCoordinatorOptions = {},
  ) {
    this.#kv = kv;
    this.#limits = {
      ...limits,
      maxWaiting: Math.min(limits.maxWaiting, MAX_WAITING),
    };
    this.#prefix = options.prefix ?? ["docspace-upload"];
    this.#key = [...this.#prefix, "budget"];
    this.#poll = options.poll ?? 20;
    this.#heartbeat = options.heartbeat ?? 3000;
    this.#now = options.now ?? Date.now;
  }

  /** Changes the budget atomically: `change` returns its result and whether it changed the state. */
  #mutate<T>(
    change: (state: BudgetState, now: number) => [T, boolean],
  ): Promise<T> {
    return busy(async () => {
      for (;;) {
        const entry = await this.#kv.get<BudgetState>(this.#key);
        const state = entry.value ?? emptyState();
        const now = this.#now();
        const [result, changed] = change(state, now);
        if (!changed) return result;
        const atomic = this.#kv.atomic();
        atomic.check({ key: this.#key, versionstamp: entry.versionstamp });
        atomic.set(this.#key, state);
        if ((await atomic.commit()).ok) return result;
      }
    });
  }

  #lease(id: string): Lease {
    let released: Promise<void> | undefined;
    return {
      release: () =>
        released ??= this.#mutate((state, now) => {
          state.leases = state.leases.filter((lease) => lease.id !== id);
          prune(state, now);
          admit(state, this.#limits, now);
          return [undefined, true];
        }).then(() => this.#tick()),
    };
  }

  async acquire(request: LeaseRequest): Promise<Lease> {
    request.signal?.throwIfAborted();
    const id = crypto.randomUUID();
    const outcome = await this.#mutate<
      { granted: boolean } | { full: string; retryAfter: number }
    >((state, now) => {
      prune(state, now);
      const full = queueFull(state, this.#limits, request.caller);
      if (full !== undefined) {
        return [{
          full,
          retryAfter: retryAfterSeconds(state, this.#limits, now),
        }, false];
      }
      state.waiters.push({
        id,
        caller: request.caller,
        write: request.write,
        since: now,
        until: Math.min(request.deadline, now + this.#heartbeat),
      });
      admit(state, this.#limits, now);
      return [{ granted: state.leases.some((l) => l.id === id) }, true];
    });
    if ("full" in outcome) {
      throw new QueueError(outcome.full, {
        position: 0,
        waitedMs: 0,
        retryAfter: outcome.retryAfter,
      });
    }
    if (outcome.granted) return this.#lease(id);
    const since = this.#now();
    const lease = new Promise<Lease>((resolve, reject) =>
      this.#pending.set(id, {
        caller: request.caller,
        write: request.write,
        since,
        deadline: request.deadline,
        signal: request.signal,
        resolve,
        reject,
      })
    );
    this.#startPolling();
    return await lease;
  }

  #startPolling(): void {
    if (this.#polling) return;
    this.#polling = true;
    (async () => {
      try {
        while (this.#pending.size > 0) {
          await new Promise((resolve) => setTimeout(resolve, this.#poll));
          await this.#tick();
        }
      } finally {
        this.#polling = false;
        if (this.#pending.size > 0) this.#startPolling();
      }
    })().catch((error) => {
      for (const [id, pending] of this.#pending) {
        this.#pending.delete(id);
        pending.reject(error);
      }
    });
  }

  /** One look at the budget for this process's waiters: grants, give-ups and heartbeats, in one write. */
  async #tick(): Promise<void> {
    if (this.#pending.size === 0) return;
    const look = await this.#mutate((state, now) => this.#look(state, now));
    this.#settle(look);
  }

  /** This process's waiters against the budget's state: which were granted, which gave up; and whether it changed. */
  #look(state: BudgetState, now: number): [Look, boolean] {
    let changed = prune(state, now);
    changed = admit(state, this.#limits, now).length > 0 || changed;
    const look: Look = { granted: [], gaveUp: [] };
    for (const [id, pending] of this.#pending) {
      changed = this.#lookAt(state, now, id, pending, look) || changed;
    }
    if (changed) {
      for (const lease of admit(state, this.#limits, now)) {
        if (this.#pending.has(lease.id)) look.granted.push(lease.id);
      }
    }
    return [look, changed];
  }

  /**
   * One waiter: granted, given up (its deadline passed, or its caller went away), or still waiting, with its
   * heartbeat renewed; returns whether the state changed.
   */
  #lookAt(
    state: BudgetState,
    now: number,
    id: string,
    pending: Pending,
    look: Look,
  ): boolean {
    if (state.leases.some((lease) => lease.id === id)) {
      look.granted.push(id);
      return false;
    }
    const waiter = state.waiters.find((w) => w.id === id);
    if (now >= pending.deadline || pending.signal?.aborted) {
      look.gaveUp.push({
        id,
        position: waiter ? positionOf(state, id) : 0,
        retryAfter: retryAfterSeconds(state, this.#limits, now),
        reason: pending.signal?.aborted
          ? "the caller went away"
          : "its wait reached QUEUE_TIMEOUT",
      });
      if (waiter === undefined) return false;
      state.waiters.splice(state.waiters.indexOf(waiter), 1);
      return true;
    }
    const until = Math.min(pending.deadline, now + this.#heartbeat);
    if (waiter === undefined) {
      state.waiters.push({
        id,
        caller: pending.caller,
        write: pending.write,
        since: pending.since,
        until,
      });
      return true;
    }
    if (waiter.until - now >= this.#heartbeat / 2) return false;
    waiter.until = until;
    return true;
  }

  /** Hands the granted waiters their leases, and refuses those that gave up (503, or why their caller left). */
  #settle(look: Look): void {
    for (const id of look.granted) {
      const pending = this.#pending.get(id);
      this.#pending.delete(id);
      pending?.resolve(this.#lease(id));
    }
    for (const { id, position, retryAfter, reason } of look.gaveUp) {
      const pending = this.#pending.get(id);
      this.#pending.delete(id);
      pending?.reject(
        pending.signal?.aborted ? pending.signal.reason : new QueueError(
          reason,
          { position, waitedMs: this.#now() - pending.since, retryAfter },
        ),
      );
    }
  }

  async status(caller: string): Promise<QueueStatus> {
    const state =
      (await busy(() => this.#kv.get<BudgetState>(this.#key))).value ??
        emptyState();
    prune(state, this.#now());
    const mine = state.waiters.filter((waiter) => waiter.caller === caller);
    const positions = mine.map((waiter) => positionOf(state, waiter.id));
    return {
      waiting: mine.length,
      position: positions.length > 0 ? Math.min(...positions) : 0,
      inFlight: state.leases.filter((lease) => lease.caller === caller).length,
    };
  }

  admitChunk(sessionId: string, check: ArrivalCheck): Promise<Admission> {
    const key = [...this.#prefix, "tally", sessionId];
    return busy(async () => {
      for (;;) {
        const entry = await this.#kv.get<Tally>(key);
        const tally = entry.value ?? { chunks: 0, bytes: 0 };
        const decision = decideArrival(tally, check);
        const admission = { ok: decision.ok, chunks: tally.chunks };
        if (!decision.ok || !check.count) return admission;
        const atomic = this.#kv.atomic();
        atomic.check({ key, versionstamp: entry.versionstamp });
        atomic.set(key, decision.tally, { expireIn: TALLY_LIFETIME });
        if ((await atomic.commit()).ok) return admission;
      }
    });
  }

  async forgetSession(sessionId: string): Promise<void> {
    await busy(() => this.#kv.delete([...this.#prefix, "tally", sessionId]));
  }
}
