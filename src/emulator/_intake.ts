// The emulator's intake, a middleware before every route: the request log, faults, the rate limiter, and
// the body, read once.
import { delay } from "@std/async/delay";
import type { Context, MiddlewareHandler, Next } from "hono";
import { authenticate, redactHeaders } from "./_auth.ts";
import { classify } from "./_classify.ts";
import type { EmulatorCore } from "./_context.ts";
import { type Fault, faultPage, type FaultQueue } from "./faults.ts";
import { IN_PROCESS, remoteAddresses } from "./_remote.ts";
import type { Admission, RateLimiter } from "./rate_limits.ts";
import type { EmulatorUser } from "./options.ts";
import type { RequestLogEntry } from "./request_log.ts";

const LOCATION_MODES = new Set([
  "numbered",
  "sequential",
  "small",
  "finalize",
  "abort",
]);

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return out;
}

async function readSlowly(
  request: Request,
  bytesPerSecond: number,
): Promise<Uint8Array> {
  const started = performance.now();
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of request.body ?? []) {
    parts.push(chunk);
    total += chunk.length;
    const wait = (total / bytesPerSecond) * 1000 -
      (performance.now() - started);
    if (wait > 0) await delay(wait);
  }
  return concat(parts);
}

function statusResponse(fault: Extract<Fault, { kind: "status" }>): Response {
  const body = fault.body ?? faultPage(fault.status);
  const headers = new Headers({
    "content-type": body.trimStart().startsWith("<")
      ? "text/html; charset=utf-8"
      : "text/plain; charset=utf-8",
  });
  if (fault.retryAfter !== undefined) {
    headers.set("retry-after", String(fault.retryAfter));
  }
  for (const [name, value] of Object.entries(fault.headers ?? {})) {
    headers.set(name, value);
  }
  return new Response(body, { status: fault.status, headers });
}

/** The same status and headers, but the body stops halfway: over HTTP the connection is cut mid-body. */
async function broken(response: Response): Promise<Response> {
  const bytes = new Uint8Array(await response.arrayBuffer());
  const headers = new Headers(response.headers);
  headers.set("content-length", String(bytes.length));
  const half = bytes.slice(0, Math.floor(bytes.length / 2));
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      if (half.length > 0) controller.enqueue(half);
      controller.close();
    },
  });
  return new Response(body, { status: response.status, headers });
}

async function record(
  entry: RequestLogEntry,
  response: Response,
): Promise<void> {
  entry.status = response.status;
  if (!response.headers.get("content-type")?.includes("json")) return;
  try {
    const json = await response.clone().json();
    if (LOCATION_MODES.has(entry.mode) && !entry.path.startsWith("/api/")) {
      if (typeof json.success === "boolean") entry.success = json.success;
      if (typeof json.message === "string") entry.message = json.message;
    } else {
      entry.success = json.status === 0;
      if (typeof json.error?.message === "string") {
        entry.message = json.error.message;
      }
    }
  } catch { /* not JSON after all: nothing to record */ }
}

/** The log entry of a request on arrival: its mode and chunk, its user, its start. */
function arrival(
  core: EmulatorCore,
  request: Request,
  user: EmulatorUser | undefined,
): RequestLogEntry {
  const url = new URL(request.url);
  return {
    method: request.method,
    path: url.pathname,
    search: url.search,
    ...classify(request.method, url, core.state, core.options.now()),
    status: 0,
    headers: redactHeaders(request.headers),
    ...(user === undefined ? {} : { user: user.id }),
    start: performance.now(),
    end: Number.NaN,
  };
}

/**
 * The rate limiter's admission, or its refusal. RateLimitMetadata.OnRejected: 429, the limiter's headers,
 * no body; the request body is never read.
 */
function admit(
  limiter: RateLimiter,
  entry: RequestLogEntry,
  request: Request,
  user: EmulatorUser | undefined,
): Admission | Response {
  const key = user?.id ?? remoteAddresses.get(request) ?? IN_PROCESS;
  const admitted = limiter.admit(key, request.method);
  if (admitted.refused === undefined) return admitted;
  entry.status = 429;
  entry.rateLimit = admitted.refused;
  entry.end = performance.now();
  const headers = new Headers(admitted.headers);
  headers.set("content-length", "0");
  return new Response(null, { status: 429, headers });
}

/** The whole body, at the fault's pace if it is a slow reader; a 499 when the client goes away mid-body. */
async function readBody(
  request: Request,
  entry: RequestLogEntry,
  fault: Fault | undefined,
): Promise<Uint8Array | Response> {
  try {
    return fault?.kind === "slow-reader"
      ? await readSlowly(request, fault.bytesPerSecond)
      : new Uint8Array(await request.arrayBuffer());
  } catch (error) {
    // The client went away mid-body (an aborted upload): nothing is stored and nobody reads the answer.
    entry.status = 499;
    entry.message = `The client closed the request before its body arrived: ${
      error instanceof Error ? error.message : String(error)
    }`;
    return new Response(null, { status: 499 });
  }
}

/** What the admitted request is answered: the fault's, or the routes' (`next`), recorded in its entry. */
async function answer(
  core: EmulatorCore,
  c: Context,
  next: Next,
  arrived: { entry: RequestLogEntry; user: EmulatorUser | undefined },
  fault: Fault | undefined,
): Promise<Response | undefined> {
  const { entry, user } = arrived;
  const request = c.req.raw;
  if (fault?.kind === "latency") await delay(fault.ms);
  const body = await readBody(request, entry, fault);
  if (body instanceof Response) return body;
  if (fault?.kind === "status") {
    const response = statusResponse(fault);
    await record(entry, response);
    return response;
  }
  const origin = core.options.publicUrl ?? new URL(request.url).origin;
  core.requests.set(request, { entry, body, user, origin });
  await next();
  // Hono answers HEAD with the GET route's response and drops its body after this middleware: drop it here,
  // so that the log and a fault see the answer the client gets.
  const answered = entry.method === "HEAD" ? new Response(null, c.res) : c.res;
  await record(entry, answered);
  if (fault?.kind === "drop-after-store") c.res = await broken(answered);
  return undefined;
}

/**
 * The emulator's intake, a middleware before every route: logs a request, applies any fault and the rate
 * limiter, reads the body, and hands it to the routes.
 */
export function intake(
  core: EmulatorCore,
  log: RequestLogEntry[],
  faults: FaultQueue,
  limiter: RateLimiter,
): MiddlewareHandler {
  return async (c, next) => {
    const request = c.req.raw;
    const user = authenticate(request.headers, core.options.users);
    const entry = arrival(core, request, user);
    log.push(entry);
    const fault = faults.take(entry);
    if (fault !== undefined) entry.fault = fault.kind;
    // BaseStartup.cs: UseRateLimiter runs after authentication and before every handler (the API and the
    // ChunkedUploader.ashx branch alike), partitioned by the user's Sid claim, else the remote address. A
    // status fault is a proxy's answer: that request never reaches the server's limiter.
    let admission: Admission | undefined;
    if (fault?.kind !== "status") {
      const admitted = admit(limiter, entry, request, user);
      if (admitted instanceof Response) return admitted;
      admission = admitted;
    }
    try {
      return await answer(core, c, next, { entry, user }, fault);
    } catch (error) {
      entry.message = error instanceof Error ? error.message : String(error);
      throw error;
    } finally {
      entry.end = performance.now();
      admission?.release();
    }
  };
}
