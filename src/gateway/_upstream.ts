// Requests to DocSpace with the token swapped in, read through the package's one reply layer
// (src/client/internal.ts), and what the gateway answers when DocSpace cannot be reached, is too slow, or
// answers something that is not DocSpace.
import { HTTPException } from "hono/http-exception";
import {
  authorizationHeader,
  fetchReply,
  networkFailure,
  readEnvelope,
  readUploaderReply,
  type Reply,
  type ReplyReading,
  settingsUrl,
} from "../client/internal.ts";
import type { Caller, ChunkSizes, Gateway } from "./_context.ts";
import { expiry, isWrite, withLease } from "./_lease.ts";
import type { Json } from "./_fields.ts";
import { httpError } from "./_responses.ts";
import { gatewayStatus, refusalError } from "./_status_table.ts";

/** The rejection of an upstream request that outlived `UPSTREAM_TIMEOUT`. */
class DeadlineError extends Error {
  constructor(timeout: number) {
    super(
      `DocSpace did not answer within ${timeout / 1000} s (UPSTREAM_TIMEOUT)`,
    );
    this.name = "TimeoutError";
  }
}

/**
 * The fetch that reaches DocSpace: it refuses any URL off the DocSpace origin, never follows a redirect, and
 * gives every request a deadline of `timeout` milliseconds, its streamed body and its reply included.
 */
export function upstreamFetch(
  origin: string,
  upstream: typeof fetch,
  timeout: number,
): typeof fetch {
  return async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    if (new URL(url).origin !== origin) {
      throw new TypeError(
        "Refused to send a request off DOCSPACE_URL's origin",
      );
    }
    const deadline = AbortSignal.timeout(timeout);
    const signal = init?.signal
      ? AbortSignal.any([init.signal, deadline])
      : deadline;
    try {
      return await upstream(input, { ...init, redirect: "manual", signal });
    } catch (error) {
      if (deadline.aborted && !init?.signal?.aborted) {
        throw new DeadlineError(timeout);
      }
      throw error;
    }
  };
}

/** The gateway itself, as a caller of its own requests (reading DocSpace's settings). */
const GATEWAY: Caller = { kind: "secret", id: "gateway" };

/**
 * Sends a request to DocSpace with the DocSpace token, and reads the whole reply (replies are small; chunk
 * bodies only go the other way). It first takes the caller's place in the budget (503 after QUEUE_TIMEOUT),
 * and a ticket holder's request is cut off once the ticket has expired for EXPIRY_GRACE (401). 504 past the
 * deadline, 502 when DocSpace cannot be reached.
 */
export async function send(
  gateway: Gateway,
  url: string,
  init: RequestInit & { duplex?: "half" },
  caller: Caller = GATEWAY,
): Promise<Reply> {
  const headers = new Headers(init.headers);
  headers.set("authorization", authorizationHeader(gateway.config.token));
  headers.set("accept", "application/json");
  const expires = expiry(gateway, caller);
  const signals = [init.signal, expires?.signal].filter((s) =>
    s !== undefined && s !== null
  ) as AbortSignal[];
  const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
  try {
    return await withLease(
      gateway,
      caller,
      isWrite(init.method),
      signal,
      () =>
        fetchReply(gateway.fetch, url, {
          ...init,
          headers,
          ...(signal ? { signal } : {}),
        }),
    );
  } catch (error) {
    if (expires?.signal.aborted) throw expires.signal.reason;
    if (error instanceof HTTPException) throw error;
    if (error instanceof Error && error.name === "TimeoutError") {
      throw httpError(
        504,
        `DocSpace did not answer within ${
          gateway.config.upstreamTimeout / 1000
        } s (UPSTREAM_TIMEOUT)`,
      );
    }
    throw httpError(
      502,
      `Could not reach DocSpace: ${
        gateway.redact(networkFailure(error, url).detail)
      }`,
    );
  } finally {
    expires?.dispose();
  }
}

/** The error for an upstream reply that is not DocSpace JSON (a proxy page, a redirect). */
export function notDocSpace(reply: Reply): HTTPException {
  const status = reply.response.status;
  const retryAfter = reply.response.headers.get("retry-after");
  return httpError(
    gatewayStatus("not-docspace", status),
    `DocSpace answered HTTP ${status} without DocSpace JSON${
      status >= 300 && status < 400 ? " (a redirect, not followed)" : ""
    }`,
    retryAfter ? { headers: { "retry-after": retryAfter } } : {},
  );
}

/** How {@linkcode envelopeOf} reads a reply. */
export interface EnvelopeOptions {
  /** A success without `response` is a success (DocSpace's abort answers none). */
  emptyResponse?: boolean;
  /** The endpoint is new in this DocSpace version: a 404 without DocSpace JSON is an older server, passed as 404. */
  since?: string;
}

/**
 * An /api/2.0 envelope reply, read: the envelope, or the upstream error with its status (a refused DocSpace
 * token, 401, becomes 502: the caller's own credential was fine).
 */
export function envelopeOf(
  gateway: Gateway,
  reply: Reply,
  options: EnvelopeOptions = {},
): { body: Json; value: unknown } {
  const reading = readEnvelope(reply, options);
  if (!reading.docSpace) {
    if (reading.status === 404 && options.since !== undefined) {
      throw httpError(
        404,
        `DocSpace does not have this route: it is older than ${options.since}`,
      );
    }
    throw notDocSpace(reply);
  }
  if (!reading.ok) {
    throw refusalError(
      "refusal",
      reading.status,
      reading.message === undefined
        ? `HTTP ${reading.status}`
        : gateway.redact(reading.message),
    );
  }
  return { body: reading.body!, value: reading.value };
}

/** A ChunkedUploader reply `{success, data, message}`, read; 502 when it is not one. */
export function uploaderOf(reply: Reply): ReplyReading {
  const reading = readUploaderReply(reply);
  if (!reading.docSpace) throw notDocSpace(reply);
  return reading;
}

/**
 * Reads DocSpace's settings for `caller` (the gateway itself by default): the envelope and its `response`.
 * The gateway keeps their `chunkUploadSize`.
 */
export async function readSettings(
  gateway: Gateway,
  caller: Caller = GATEWAY,
): Promise<{ body: Json; value: unknown }> {
  const reply = await send(
    gateway,
    settingsUrl(gateway.config.docspaceUrl),
    {},
    caller,
  );
  const settings = envelopeOf(gateway, reply);
  gateway.chunkSize.remember(settings.value);
  return settings;
}

/** How long DocSpace's `chunkUploadSize` is kept before it is read again. */
const SETTINGS_LIFETIME = 10 * 60_000;

/** DocSpace's `chunkUploadSize`, kept for ten minutes from the last time the gateway saw its settings. */
export class ChunkSizeCache implements ChunkSizes {
  readonly #gateway: () => Gateway;
  #kept: { size: number; until: number } | undefined;

  /** A cache that reads the settings through `gateway` (given late: the gateway holds the cache). */
  constructor(gateway: () => Gateway) {
    this.#gateway = gateway;
  }

  /** Keeps the size from settings DocSpace answered (a caller's `GET …/settings`), when it is valid. */
  remember(settings: unknown): void {
    const size = (settings as Json | undefined)?.chunkUploadSize;
    if (Number.isSafeInteger(size) && (size as number) > 0) {
      this.#kept = {
        size: size as number,
        until: this.#gateway().now() + SETTINGS_LIFETIME,
      };
    }
  }

  /** The size, read from DocSpace's settings unless kept; 502 when they have none. */
  async read(): Promise<number> {
    const gateway = this.#gateway();
    if (this.#kept === undefined || this.#kept.until <= gateway.now()) {
      await readSettings(gateway);
    }
    if (this.#kept === undefined) {
      throw httpError(
        502,
        "DocSpace's settings have no valid chunkUploadSize",
      );
    }
    return this.#kept.size;
  }
}
