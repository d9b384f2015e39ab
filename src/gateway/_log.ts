// One structured log line (JSON) per upload and per refused request, written by a middleware once the
// response is known. Lines name the route by its pattern and the caller by its kind; they never hold a
// credential, a full ticket, a session token or a path. Every field is escaped to printable text (no control,
// C1 or line-separator characters), and refusals are summarised: one line per source and reason per
// LOG_INTERVAL, the repeats counted in the next.
import { HTTPException } from "hono/http-exception";
import type { Context, MiddlewareHandler } from "hono";
import type { Gateway, GatewayEnv, LogEntry, Outcome } from "./_context.ts";
import { isQueueRefusal } from "./_lease.ts";

/** The log line's fields, in this order. */
export interface LogLine {
  time: string;
  outcome: Outcome;
  status: number;
  method: string;
  route: string | null;
  folder: string | null;
  bytes: number | null;
  durationMs: number;
  caller: "secret" | "ticket" | null;
  ticket?: string;
  /** Where an unauthenticated refusal came from: the client's address, when the platform tells it. */
  source?: string;
  message?: string;
  /** On a summary line: how many more refusals like this one came in `intervalMs` after it. */
  repeated?: number;
  /** On a summary line: the interval the repeats were counted over. */
  intervalMs?: number;
}

// JSON.stringify escapes C0 controls, but not DEL, the C1 controls (U+0080-U+009F, among them U+009B, a
// terminal's CSI), the line and paragraph separators (U+2028, U+2029, which some log viewers break lines at)
// or the bidirectional overrides (which reorder what a reader sees).
const UNSAFE =
  /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** A JSON text with every unsafe character written as a `\u` escape (it parses to the same value). */
export function escapeLine(json: string): string {
  return json.replace(
    UNSAFE,
    (character) =>
      `\\u${character.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** Serialises a log line, escaped. */
export function formatLine(line: Record<string, unknown>): string {
  return escapeLine(JSON.stringify(line));
}

interface Window {
  start: number;
  line: LogLine;
  repeated: number;
}

/** The most (source, reason) pairs counted at once; beyond it, refusals are counted under one source, `*`. */
const MAX_KEYS = 10_000;

/**
 * Refusals counted per source and reason: the first of an interval is written at once, the repeats are
 * written as one line (`repeated`, `intervalMs`) when the interval is over.
 */
export class RefusalSummary {
  readonly #interval: number;
  readonly #write: (line: string) => void;
  /** Open windows, in the order they opened (re-inserted when one reopens), so the oldest come first. */
  readonly #windows = new Map<string, Window>();

  constructor(interval: number, write: (line: string) => void) {
    this.#interval = interval;
    this.#write = write;
  }

  /** Writes or counts a refusal's line. */
  note(line: LogLine, now: number): void {
    this.flush(now);
    let key = `${line.source ?? line.caller ?? "-"}|${
      line.ticket ?? ""
    }|${line.status}|${line.method}|${line.route}`;
    if (!this.#windows.has(key) && this.#windows.size >= MAX_KEYS) {
      key = `*|${line.status}`;
      line = { ...line, source: "*" };
    }
    const open = this.#windows.get(key);
    if (open !== undefined) {
      open.repeated++;
      return;
    }
    this.#windows.set(key, { start: now, line, repeated: 0 });
    this.#write(formatLine({ ...line }));
  }

  /** Writes the summaries of the intervals that are over (all of them with `all`). */
  flush(now: number, all = false): void {
    for (const [key, window] of this.#windows) {
      if (!all && window.start + this.#interval > now) break;
      this.#windows.delete(key);
      if (window.repeated === 0) continue;
      const { time: _, durationMs: __, ...rest } = window.line;
      this.#write(formatLine({
        time: new Date(now).toISOString(),
        ...rest,
        durationMs: 0,
        repeated: window.repeated,
        intervalMs: now - window.start,
      }));
    }
  }
}

function messageOf(error: Error | undefined): string | undefined {
  if (error === undefined) return undefined;
  return error instanceof HTTPException
    ? error.message
    : String(error.stack ?? error);
}

/** The client's address, when the platform tells it: the Deno entry passes it, Cloudflare sets a header. */
function sourceOf(c: Context<GatewayEnv>): string | undefined {
  const env = c.env as { remoteAddress?: unknown } | undefined;
  if (typeof env?.remoteAddress === "string") {
    return env.remoteAddress.slice(0, 64);
  }
  const cloudflare = (globalThis as { navigator?: { userAgent?: string } })
    .navigator?.userAgent === "Cloudflare-Workers";
  return cloudflare
    ? c.req.header("cf-connecting-ip")?.slice(0, 64)
    : undefined;
}

/**
 * The log middleware: gives each request a log entry (`c.var.entry`) and, once the response is known, writes
 * one JSON line for an upload that completed or was aborted, and for every answer of 400 or more; refusals
 * go through `summary`.
 */
export function requestLog(
  gateway: Gateway,
  summary: RefusalSummary,
): MiddlewareHandler<GatewayEnv> {
  return async (c, next) => {
    const start = gateway.now();
    const entry: LogEntry = {};
    c.set("entry", entry);
    await next();
    const status = c.res.status;
    // A caller that waited its time in the queue was refused, like one refused for want of a slot.
    const queued = isQueueRefusal(c.error);
    const outcome = entry.outcome ??
      (queued || (status >= 400 && status < 500)
        ? "refused"
        : status >= 500
        ? "failed"
        : undefined);
    const now = gateway.now();
    if (outcome === undefined) {
      summary.flush(now);
      return;
    }
    const line: LogLine = {
      time: new Date(now).toISOString(),
      outcome,
      status,
      method: c.req.method,
      route: entry.route ?? null,
      folder: entry.folder ?? null,
      bytes: entry.bytes ?? null,
      durationMs: now - (entry.since ?? start),
      caller: entry.caller?.kind ?? null,
    };
    // A ticket's id is its MAC: eight characters tell tickets apart in the logs and forge nothing.
    if (entry.caller?.kind === "ticket") {
      line.ticket = entry.caller.ticket.id.slice(0, 8);
    }
    if (entry.caller === undefined) {
      const source = sourceOf(c);
      if (source !== undefined) line.source = source;
    }
    const message = messageOf(c.error);
    if (message !== undefined && status >= 400) line.message = message;
    if (outcome === "refused") summary.note(line, now);
    else {
      summary.flush(now);
      gateway.log(formatLine({ ...line }));
    }
  };
}
