/**
 * The gateway's {@linkcode Coordinator} on Cloudflare: one Durable Object (`UploadCoordinator`) keeps the
 * budget and the tallies for every isolate of the Worker, and each isolate reaches it through
 * `DurableCoordinator`. The object runs the in-process coordinator, so callers wait in it, and are woken the
 * moment a place frees; it stores the budget and the tallies in its storage, so an evicted object resumes
 * where it was.
 *
 * @module
 */
import type { BudgetLimits, BudgetState } from "./_budget_state.ts";
import {
  type Admission,
  type ArrivalCheck,
  type Coordinator,
  decideArrival,
  type Lease,
  type LeaseRequest,
  MemoryCoordinator,
  QueueError,
  type QueueStatus,
  type Tally,
} from "./coordinator.ts";

/** What the coordinator uses of a Durable Object's storage. */
export interface DurableStorage {
  /** Reads a value. */
  get<T>(key: string): Promise<T | undefined>;
  /** Writes a value. */
  put(key: string, value: unknown): Promise<void>;
  /** Deletes a value. */
  delete(key: string): Promise<boolean>;
}

/** What the coordinator uses of a Durable Object's state. */
export interface DurableState {
  /** Its storage. */
  storage: DurableStorage;
  /** Runs `work` before any request reaches the object. */
  blockConcurrencyWhile<T>(work: () => Promise<T>): Promise<T>;
}

/** What the coordinator uses of a Durable Object namespace binding. */
export interface DurableNamespace {
  /** The id of the object of a name. */
  idFromName(name: string): unknown;
  /** The object's stub. */
  get(id: never): { fetch(url: string, init: RequestInit): Promise<Response> };
}

/** Milliseconds between two renewals of a held lease; one not renewed for three of them is freed. */
const HEARTBEAT = 5000;

/** Milliseconds a call to the object may take beyond its own wait. */
const CALL_TIMEOUT = 5000;

const json = (value: unknown, status = 200) =>
  new Response(JSON.stringify(value), {
    status,
    headers: { "content-type": "application/json" },
  });

/**
 * The Durable Object class: export it from the Worker's entry and bind it in wrangler.toml (`worker/` does,
 * as `UPLOAD_COORDINATOR`). Its protocol is the Worker's own: JSON over `fetch` from `DurableCoordinator`.
 *
 * @example The Worker's entry
 * ```ts ignore
 * import { createUploadGateway, DurableCoordinator, UploadCoordinator } from "@docspace-tools/upload/gateway";
 * export { UploadCoordinator };
 * export default {
 *   fetch(request: Request, env: Record<string, unknown>) {
 *     const coordinator = (limits) => new DurableCoordinator(env.UPLOAD_COORDINATOR, limits);
 *     return createUploadGateway({ env, coordinator }).fetch(request);
 *   },
 * };
 * ```
 */
export class UploadCoordinator {
  readonly #state: DurableState;
  #stored: BudgetState | undefined;
  #coordinator: MemoryCoordinator | undefined;
  #limits = "";
  readonly #leases = new Map<string, { lease: Lease; until: number }>();

  /**
   * Creates it.
   *
   * @param state The object's state (Cloudflare passes it).
   * @param _env The Worker's bindings (unused).
   */
  constructor(state: DurableState, _env?: unknown) {
    this.#state = state;
    state.blockConcurrencyWhile(async () => {
      const stored = await state.storage.get<BudgetState>("budget");
      // Waiters were requests to the object that ended with it; leases may still be in flight.
      if (stored) this.#stored = { ...stored, waiters: [] };
    });
  }

  #budget(limits: BudgetLimits): MemoryCoordinator {
    const key = JSON.stringify(limits);
    if (this.#coordinator === undefined || key !== this.#limits) {
      this.#limits = key;
      const state = this.#coordinator?.snapshot() ?? this.#stored;
      this.#coordinator = new MemoryCoordinator(limits, {
        ...(state ? { state: { ...state, waiters: [] } } : {}),
        persist: (budget) => {
          this.#state.storage.put("budget", budget).catch(() => {});
        },
      });
    }
    return this.#coordinator;
  }

  /**
   * Answers one call of the protocol: `acquire`, `release`, `status`, `chunk` or `forget`.
   *
   * @param request The call, from a `DurableCoordinator`.
   * @returns Its answer as JSON.
   */
  async fetch(request: Request): Promise<Response> {
    const call = new URL(request.url).pathname.slice(1);
    // deno-lint-ignore no-explicit-any
    const body: any = await request.json();
    const now = Date.now();
    await this.#freeUnrenewed(now);
    switch (call) {
      case "acquire":
        return await this.#acquire(body, request.signal);
      case "renew": {
        const held = this.#leases.get(String(body.id));
        if (held) held.until = now + HEARTBEAT * 3;
        return json({ renewed: held !== undefined });
      }
      case "release": {
        const held = this.#leases.get(String(body.id));
        this.#leases.delete(String(body.id));
        await held?.lease.release();
        return json({});
      }
      case "status":
        return json(
          this.#coordinator === undefined
            ? { waiting: 0, position: 0, inFlight: 0 }
            : await this.#coordinator.status(String(body.caller)),
        );
      case "chunk":
        return await this.#admitChunk(body.sessionId, body.check);
      case "forget":
        await this.#state.storage.delete(`tally:${body.sessionId}`);
        return json({});
      default:
        return json({ message: "unknown call" }, 404);
    }
  }

  /** Gives back each lease whose isolate stopped renewing it (it ended, or never got the answer). */
  async #freeUnrenewed(now: number): Promise<void> {
    for (const [id, { lease, until }] of this.#leases) {
      if (until <= now) {
        this.#leases.delete(id);
        await lease.release();
      }
    }
  }

  /** `acquire`: waits in the budget's queue, then holds the lease for the isolate, by id; 503 with its place. */
  async #acquire(
    // deno-lint-ignore no-explicit-any
    body: any,
    signal: AbortSignal,
  ): Promise<Response> {
    const budget = this.#budget(body.limits);
    try {
      const lease = await budget.acquire({
        caller: String(body.caller),
        write: body.write === true,
        deadline: Number(body.deadline),
        signal,
      });
      const id = crypto.randomUUID();
      this.#leases.set(id, { lease, until: Date.now() + HEARTBEAT * 3 });
      return json({ lease: id });
    } catch (error) {
      if (error instanceof QueueError) {
        return json({ message: error.message, queue: error.queue }, 503);
      }
      throw error;
    }
  }

  /** `chunk`: checks a chunk numbered by arrival against the session's stored tally, and counts it in. */
  async #admitChunk(sessionId: string, check: ArrivalCheck): Promise<Response> {
    const key = `tally:${sessionId}`;
    const tally = await this.#state.storage.get<Tally>(key) ??
      { chunks: 0, bytes: 0 };
    const decision = decideArrival(tally, check);
    if (decision.ok && check.count) {
      await this.#state.storage.put(key, decision.tally);
    }
    return json({ ok: decision.ok, chunks: tally.chunks });
  }
}

/**
 * The coordinator as each isolate of the Worker sees it: every call goes to the one `UploadCoordinator`.
 *
 * @example In the Worker's entry
 * ```ts ignore
 * const coordinator = (limits) => new DurableCoordinator(env.UPLOAD_COORDINATOR, limits);
 * ```
 */
export class DurableCoordinator implements Coordinator {
  readonly #namespace: DurableNamespace;
  readonly #limits: BudgetLimits;

  /**
   * Creates it.
   *
   * @param namespace The Durable Object namespace bound to `UploadCoordinator`.
   * @param limits The budget (`createUploadGateway` passes its settings' when given a function).
   */
  constructor(namespace: DurableNamespace, limits: BudgetLimits) {
    this.#namespace = namespace;
    this.#limits = limits;
  }

  /** One call to the object, given up after `within` milliseconds: a call must never hang a request. */
  async #call(
    call: string,
    body: unknown,
    within: number,
    signal?: AbortSignal,
  ): Promise<Response> {
    const stub = this.#namespace.get(
      this.#namespace.idFromName("docspace-upload-budget") as never,
    );
    const timeout = AbortSignal.timeout(within);
    return await stub.fetch(`https://coordinator/${call}`, {
      method: "POST",
      body: JSON.stringify(body),
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
  }

  async acquire(request: LeaseRequest): Promise<Lease> {
    let response: Response;
    let answer: { lease?: string; queue?: QueueError["queue"] };
    try {
      response = await this.#call(
        "acquire",
        {
          caller: request.caller,
          write: request.write,
          deadline: request.deadline,
          limits: this.#limits,
        },
        Math.max(0, request.deadline - Date.now()) + CALL_TIMEOUT,
        request.signal,
      );
      answer = await response.json();
    } catch (error) {
      if (request.signal?.aborted) throw request.signal.reason;
      // The object could not be reached: the request goes on, held to this isolate's own RequestBudget.
      void error;
      return { release: () => {} };
    }
    if (response.status === 503 && answer.queue !== undefined) {
      throw new QueueError("its wait reached QUEUE_TIMEOUT", answer.queue);
    }
    if (!response.ok || answer.lease === undefined) {
      return { release: () => {} };
    }
    // Renewed while held: when this isolate ends, the renewals stop and the object frees the lease.
    const renewal = setInterval(() => {
      this.#call("renew", { id: answer.lease }, CALL_TIMEOUT).then(
        (r) => r.body?.cancel(),
        () => {},
      );
    }, HEARTBEAT);
    let released: Promise<void> | undefined;
    return {
      release: () => {
        clearInterval(renewal);
        return released ??= this.#call(
          "release",
          { id: answer.lease },
          CALL_TIMEOUT,
        ).then(
          (r) => r.body?.cancel(),
          () => {/* the lease expires on its own */},
        );
      },
    };
  }

  async status(caller: string): Promise<QueueStatus> {
    return await (await this.#call("status", { caller }, CALL_TIMEOUT)).json();
  }

  async admitChunk(
    sessionId: string,
    check: ArrivalCheck,
  ): Promise<Admission> {
    const { ok, chunks } = await (await this.#call(
      "chunk",
      { sessionId, check },
      CALL_TIMEOUT,
    )).json();
    return { ok: ok === true, chunks: Number(chunks) };
  }

  async forgetSession(sessionId: string): Promise<void> {
    await (await this.#call("forget", { sessionId }, CALL_TIMEOUT)).body
      ?.cancel();
  }
}
