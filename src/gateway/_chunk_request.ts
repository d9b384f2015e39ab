// A chunk on its way through the gateway, on the legacy endpoint and on the REST session routes alike: held to
// its session before anything goes upstream (its number, its size, and for chunks numbered by arrival what
// already went), then streamed upstream as it arrives, never held, with an idle timeout.
import type { HTTPException } from "hono/http-exception";
import type { Context } from "hono";
import { type Reply, withQuery } from "../client/internal.ts";
import { leastPayload } from "./_chunk_ledger.ts";
import type { Gateway, GatewayEnv } from "./_context.ts";
import { type IdleBody, idleBody } from "./_idle_body.ts";
import { keepAlive, TicketExpiredError } from "./_lease.ts";
import { send } from "./_upstream.ts";
import { contentLength } from "./_permits.ts";
import { httpError } from "./_responses.ts";
import { type BoundSession, lastChunk } from "./_session_binding.ts";

/** What one part's multipart framing may add to a chunk's bytes. */
export const FRAMING_ALLOWANCE = 16384;

/** A request init with a streamed body (`duplex` is not in every runtime's `RequestInit` type). */
export type StreamingInit = RequestInit & { duplex: "half" };

/** A chunk ready to go upstream: the request, and its body's state for the answer when sending fails. */
export interface ChunkRequest {
  /** The upstream request: the caller's `Content-Type` and `Content-Length`, the body streamed through. */
  init: StreamingInit;
  /** The body being read. */
  body: IdleBody;
}

/** Whether a folder is DocSpace's own (a numeric id), where the server counts chunks, not bytes. */
function nativeFolder(session: BoundSession): boolean {
  return /^\d+$/.test(session.folderId);
}

function pastTheFile(session: BoundSession, what: string): HTTPException {
  return httpError(
    400,
    `${what} is past the end of this session's file (${session.bytesTotal} bytes in ${
      lastChunk(session)
    } chunk(s) of at most ${session.chunkUploadSize})`,
  );
}

/**
 * Admits a chunk the server numbers by arrival, or refuses it (400) when it would go past the file: in a
 * DocSpace folder the file's chunks all went already; in any folder, the bytes that went complete the file
 * or this chunk's would pass it. Call it before the body is read (without `body`), and again with the body,
 * once its first bytes are here, to count the chunk in.
 */
async function admitByArrival(
  gateway: Gateway,
  session: BoundSession,
  length: number,
  boundary: string,
  body?: IdleBody,
): Promise<void> {
  const least = body === undefined
    ? Math.max(0, length - FRAMING_ALLOWANCE)
    : leastPayload(length, body.first, boundary) ??
      Math.max(0, length - FRAMING_ALLOWANCE);
  const admitted = await gateway.coordinator.admitChunk(session.id, {
    native: nativeFolder(session),
    lastChunk: lastChunk(session),
    bytesTotal: session.bytesTotal,
    least,
    count: body !== undefined,
  });
  if (!admitted.ok) {
    body?.stream.cancel().catch(() => {});
    throw pastTheFile(session, `Chunk ${admitted.chunks + 1} (by arrival)`);
  }
}

/** DocSpace's own location of a session (its ChunkedUploader URL), with `query` added. */
export function upstreamLocation(
  gateway: Gateway,
  session: BoundSession,
  query: string,
): string {
  return withQuery(gateway.config.docspaceOrigin + session.upstream, query);
}

/**
 * When a chunk request was cut off because its ticket expired, marks the log entry `expired`, aborts the
 * session upstream (its holder cannot finish it), and returns the 401; undefined for any other error.
 */
export function expired(
  c: Context<GatewayEnv>,
  gateway: Gateway,
  session: BoundSession,
  error: unknown,
): TicketExpiredError | undefined {
  if (!(error instanceof TicketExpiredError)) return undefined;
  c.get("entry").outcome = "expired";
  keepAlive(
    c,
    send(
      gateway,
      upstreamLocation(gateway, session, "abort=true"),
      { method: "POST" },
    ).then(() => gateway.coordinator.forgetSession(session.id)).catch(
      () => {},
    ),
  );
  return error;
}

/**
 * Sends a request about a session upstream for the caller, on either family of chunk routes. A ticket that
 * expired on the way is the answer (see {@linkcode expired}), and so is a chunk body that broke off,
 * whatever DocSpace made of the part it got.
 */
export async function sendForSession(
  c: Context<GatewayEnv>,
  gateway: Gateway,
  session: BoundSession,
  url: string,
  init: RequestInit,
  chunk?: ChunkRequest,
): Promise<Reply> {
  let reply: Reply;
  try {
    reply = await send(gateway, url, init, c.get("caller"));
  } catch (error) {
    throw expired(c, gateway, session, error) ?? chunk?.body.failure() ??
      error;
  }
  const broken = chunk?.body.failure();
  if (broken !== undefined) throw broken;
  return reply;
}

/** The runtime's own request body, passed on untouched: no first bytes to look at, no idle timeout. */
function rawBody(stream: ReadableStream<Uint8Array> | null): IdleBody {
  return {
    stream: stream ?? new ReadableStream({ start: (c) => c.close() }),
    first: undefined,
    timedOut: () => false,
    failure: () => undefined,
  };
}

/** Sends a stream with a fixed length: workerd needs a FixedLengthStream to send `Content-Length`. */
function fixedLength(
  stream: ReadableStream<Uint8Array>,
  length: number,
): ReadableStream<Uint8Array> {
  const fixed = (globalThis as {
    FixedLengthStream?: new (length: number) => TransformStream<
      Uint8Array,
      Uint8Array
    >;
  }).FixedLengthStream;
  return fixed ? stream.pipeThrough(new fixed(length)) : stream;
}

/**
 * Checks a chunk request against its session and opens its body: 411 without `Content-Length`, 400 when it
 * is not a number, 413 when it is more than the session's file plus framing, 400 when it is more than the
 * server's chunk plus framing, when `chunkNumber` is past the file's last chunk, or when a chunk numbered by
 * arrival (`chunkNumber` undefined) would go past the file. Then waits for the body's first bytes (408 after
 * `IDLE_TIMEOUT`).
 */
export async function chunkRequest(
  c: Context,
  gateway: Gateway,
  session: BoundSession,
  chunkNumber: number | undefined,
): Promise<ChunkRequest> {
  const length = contentLength(c.req.header("content-length"));
  if (length > session.bytesTotal + FRAMING_ALLOWANCE) {
    throw httpError(
      413,
      `The chunk request has ${length} bytes, more than this session's file or chunk size allows`,
    );
  }
  if (length > session.chunkUploadSize + FRAMING_ALLOWANCE) {
    throw httpError(
      400,
      `The chunk request has ${length} bytes, more than one chunk of ${session.chunkUploadSize} bytes (the server's chunkUploadSize) and its framing`,
    );
  }
  if (chunkNumber !== undefined && chunkNumber > lastChunk(session)) {
    throw pastTheFile(session, `Chunk ${chunkNumber}`);
  }
  const type = c.req.header("content-type") ?? "";
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1] ?? "";
  if (chunkNumber === undefined) {
    await admitByArrival(gateway, session, length, boundary);
  }
  const body = gateway.rawChunkBodies
    ? rawBody(c.req.raw.body)
    : await idleBody(
      length > 0 ? c.req.raw.body : null,
      gateway.config.idleTimeout,
    );
  if (chunkNumber === undefined) {
    await admitByArrival(gateway, session, length, boundary, body);
  }
  return {
    init: {
      method: c.req.method,
      duplex: "half",
      headers: { "content-type": type, "content-length": String(length) },
      body: length === 0
        ? null
        : gateway.rawChunkBodies
        ? body.stream
        : fixedLength(body.stream, length),
    },
    body,
  };
}
