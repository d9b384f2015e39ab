// One structured log line (JSON) per upload and per refused request, written by a middleware once the
// response is known. Lines name the route by its pattern and the caller by its kind; they never hold a
// credential, a full ticket, a session token or a path.
import type { MiddlewareHandler } from "hono";
import type { Gateway, GatewayEnv, LogEntry, Outcome } from "./_context.ts";
import { GatewayError } from "./_reply.ts";

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
  message?: string;
}

function messageOf(error: Error | undefined): string | undefined {
  if (error === undefined) return undefined;
  return error instanceof GatewayError
    ? error.message
    : String(error.stack ?? error);
}

/**
 * The log middleware: gives each request a log entry (`c.var.entry`) and, once the response is known, writes
 * one JSON line for an upload that completed or was aborted, and for every answer of 400 or more.
 */
export function requestLog(gateway: Gateway): MiddlewareHandler<GatewayEnv> {
  return async (c, next) => {
    const start = gateway.now();
    const entry: LogEntry = {};
    c.set("entry", entry);
    await next();
    const status = c.res.status;
    const outcome = entry.outcome ??
      (status >= 500 ? "failed" : status >= 400 ? "refused" : undefined);
    if (outcome === undefined) return;
    const now = gateway.now();
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
    const message = messageOf(c.error);
    if (message !== undefined && status >= 400) line.message = message;
    gateway.log(JSON.stringify(line));
  };
}
