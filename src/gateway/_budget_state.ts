// DocSpace's budget for the token's user, as plain data and pure functions, so that every coordinator (in
// process, Deno KV, a Durable Object) applies the same rules to the state it keeps: leases on requests in
// flight (writes and reads apart), callers waiting in a fair queue, the requests started in the last minute and
// the writes of the day. Every lease and every waiter carries its own expiry, so a process that dies frees
// what it held.

/** The limits a budget enforces. */
export interface BudgetLimits {
  /** Writes (any method but GET and HEAD) in flight at once. */
  writes: number;
  /** Reads in flight at once. */
  reads: number;
  /** Writes one caller may hold at once. */
  perCaller: number;
  /** Requests started in any 60 s, or false. */
  perMinute: number | false;
  /** Writes started in a 24 h window that opens with the first, or false. */
  perDay: number | false;
  /** Callers waiting at once, in all; one more is refused at once. */
  maxWaiting: number;
  /** Requests one caller may have waiting at once. */
  maxWaitingPerCaller: number;
  /** How long a lease lives at most (a request's deadline and a margin): then it is freed, used or not. */
  leaseTtl: number;
}

/** A request in flight. */
export interface LeaseRecord {
  /** Its id. */
  id: string;
  /** Who holds it. */
  caller: string;
  /** Whether its request writes. */
  write: boolean;
  /** When it expires, in ms since the epoch. */
  until: number;
}

/** A request waiting for a lease. */
export interface WaiterRecord {
  /** Its id: the lease's, once granted. */
  id: string;
  /** Who waits. */
  caller: string;
  /** Whether its request writes. */
  write: boolean;
  /** When it began to wait. */
  since: number;
  /** When it gives up (its deadline, or sooner where the store needs it to show it is alive). */
  until: number;
}

/** The whole budget: small enough to keep in one Deno KV value or one Durable Object. */
export interface BudgetState {
  /** Requests in flight. */
  leases: LeaseRecord[];
  /** Requests waiting. */
  waiters: WaiterRecord[];
  /** Requests started per second (Unix seconds), the last 60 s of them. */
  seconds: [number, number][];
  /** The day's window: when it opened (ms) and the writes in it. */
  day: [number, number] | null;
}

const MINUTE = 60_000;
const DAY = 86_400_000;

/** A budget with nothing in it. */
export function emptyState(): BudgetState {
  return { leases: [], waiters: [], seconds: [], day: null };
}

/** Drops expired leases, waiters and seconds; true when anything changed. */
export function prune(state: BudgetState, now: number): boolean {
  const before = state.leases.length + state.waiters.length +
    state.seconds.length;
  state.leases = state.leases.filter((lease) => lease.until > now);
  state.waiters = state.waiters.filter((waiter) => waiter.until > now);
  const second = Math.floor(now / 1000);
  state.seconds = state.seconds.filter(([at]) => at > second - 60);
  if (state.day !== null && state.day[0] + DAY <= now) state.day = null;
  return state.leases.length + state.waiters.length + state.seconds.length !==
    before;
}

function heldBy(state: BudgetState): Map<string, number> {
  const held = new Map<string, number>();
  for (const lease of state.leases) {
    if (lease.write) held.set(lease.caller, (held.get(lease.caller) ?? 0) + 1);
  }
  return held;
}

/**
 * The waiters in the order they are served: round robin over callers, each caller's requests in the order
 * they came. A caller's k-th waiting request ranks as its writes held plus k, so one caller with many
 * requests never goes ahead of another's first.
 */
export function fairOrder(state: BudgetState): WaiterRecord[] {
  const held = heldBy(state);
  const seen = new Map<string, number>();
  const ranked = [...state.waiters].sort((a, b) => a.since - b.since).map(
    (waiter) => {
      const k = (seen.get(waiter.caller) ?? 0) + 1;
      seen.set(waiter.caller, k);
      return { waiter, rank: (held.get(waiter.caller) ?? 0) + k };
    },
  );
  ranked.sort((a, b) => a.rank - b.rank || a.waiter.since - b.waiter.since);
  return ranked.map(({ waiter }) => waiter);
}

/** Whether the minute's requests are all used. */
function minuteFull(state: BudgetState, limits: BudgetLimits): boolean {
  if (limits.perMinute === false) return false;
  return state.seconds.reduce((sum, [, n]) => sum + n, 0) >= limits.perMinute;
}

function dayFull(state: BudgetState, limits: BudgetLimits): boolean {
  return limits.perDay !== false && state.day !== null &&
    state.day[1] >= limits.perDay;
}

function countStart(state: BudgetState, now: number, write: boolean): void {
  const second = Math.floor(now / 1000);
  const last = state.seconds.at(-1);
  if (last !== undefined && last[0] === second) last[1]++;
  else state.seconds.push([second, 1]);
  if (write) {
    state.day ??= [now, 0];
    state.day[1]++;
  }
}

/** Turns waiters into leases, in fair order, while there is room; returns the leases made. */
export function admit(
  state: BudgetState,
  limits: BudgetLimits,
  now: number,
): LeaseRecord[] {
  const granted: LeaseRecord[] = [];
  if (state.waiters.length === 0) return granted;
  const held = heldBy(state);
  let writes = state.leases.filter((lease) => lease.write).length;
  let reads = state.leases.length - writes;
  for (const waiter of fairOrder(state)) {
    if (minuteFull(state, limits)) break;
    if (waiter.write) {
      if (writes >= limits.writes || dayFull(state, limits)) continue;
      if ((held.get(waiter.caller) ?? 0) >= limits.perCaller) continue;
      writes++;
      held.set(waiter.caller, (held.get(waiter.caller) ?? 0) + 1);
    } else {
      if (reads >= limits.reads) continue;
      reads++;
    }
    const lease: LeaseRecord = {
      id: waiter.id,
      caller: waiter.caller,
      write: waiter.write,
      until: now + limits.leaseTtl,
    };
    state.waiters.splice(state.waiters.indexOf(waiter), 1);
    state.leases.push(lease);
    countStart(state, now, waiter.write);
    granted.push(lease);
  }
  return granted;
}

/** Why a request cannot wait: the queue is full, in all or for its caller; undefined when it can. */
export function queueFull(
  state: BudgetState,
  limits: BudgetLimits,
  caller: string,
): string | undefined {
  if (state.waiters.length >= limits.maxWaiting) {
    return `${limits.maxWaiting} requests are waiting already`;
  }
  const own = state.waiters.filter((waiter) => waiter.caller === caller)
    .length;
  if (own >= limits.maxWaitingPerCaller) {
    return `this caller has ${limits.maxWaitingPerCaller} requests waiting already`;
  }
  return undefined;
}

/** A waiter's place in the queue, 1 for the next served; 0 when it is not waiting. */
export function positionOf(state: BudgetState, id: string): number {
  return fairOrder(state).findIndex((waiter) => waiter.id === id) + 1;
}

/** When a limit that time lifts (the minute's oldest second, the day's window) lifts next; undefined if none. */
export function nextLift(
  state: BudgetState,
  limits: BudgetLimits,
  now: number,
): number | undefined {
  if (minuteFull(state, limits) && state.seconds.length > 0) {
    return (state.seconds[0]![0] + 60) * 1000 + 1;
  }
  if (dayFull(state, limits)) return state.day![0] + DAY;
  const lease = state.leases.reduce<number | undefined>(
    (soonest, l) =>
      soonest === undefined || l.until < soonest ? l.until : soonest,
    undefined,
  );
  return lease !== undefined && lease > now ? lease : undefined;
}

/** Seconds a refused caller is asked to wait: the day's window when it is used up, else a few. */
export function retryAfterSeconds(
  state: BudgetState,
  limits: BudgetLimits,
  now: number,
): number {
  if (dayFull(state, limits)) {
    return Math.max(1, Math.ceil((state.day![0] + DAY - now) / 1000));
  }
  return minuteFull(state, limits) ? 30 : 5;
}

export { DAY, MINUTE };
