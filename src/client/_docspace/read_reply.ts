// The one reply layer for DocSpace requests, shared by the client and the gateway: send a request and
// read its whole reply; read an /api/2.0 envelope or a ChunkedUploader `{success, data, message}` reply
// into plain facts; and, for the client, turn a failed one into a DocSpaceError.
import { DocSpaceError } from "../errors.ts";
import { SESSION_GONE } from "../_server_messages.ts";
import { networkFailure } from "../_network_failure.ts";
import { describeRateLimit, rateLimitHeaders } from "./rate_limit.ts";
import { LimitedBytesTransformStream } from "@std/streams/limited-bytes-transform-stream";

export { type NetworkFailure, networkFailure } from "../_network_failure.ts";

/** HTTP statuses that a retry may get past: timeouts, rate limits, proxy and server hiccups. */
const TRANSIENT = new Set([408, 429, 500, 502, 503, 504]);

const HINTS: Record<number, string> = {
  401:
    "check the token (DocSpace did not accept it: a wrong, expired or revoked API key or token, or one for another portal)",
  403: "the token's user may not upload into this folder",
  404: "check the folder id and the portal URL",
  413:
    "a proxy in front of the portal refused the request body as too large; use a smaller chunk size or raise the proxy's limit",
  429: "too many requests; the server asked to slow down",
};

/**
 * The most bytes of a reply read: DocSpace's largest (a listing page of 100 entries) is well under 1 MiB.
 * A longer reply is refused unread, not held in memory.
 */
export const MAX_REPLY_BYTES = 8 * 1024 * 1024;

/** A reply longer than {@linkcode MAX_REPLY_BYTES}: refused, and not worth sending again. */
export class ReplyTooLargeError extends Error {
  /** The reply's HTTP status. */
  readonly status: number;
  /**
   * Creates the error.
   *
   * @param status The reply's HTTP status.
   */
  constructor(status: number) {
    super(
      `the server's reply (HTTP ${status}) is larger than ${
        MAX_REPLY_BYTES / 1024 / 1024
      } MiB, more than any DocSpace reply; check the portal URL`,
    );
    this.name = "ReplyTooLargeError";
    this.status = status;
  }
}

/** A reply's body as text, at most {@linkcode MAX_REPLY_BYTES}; a longer one is cancelled and refused. */
async function boundedText(response: Response): Promise<string> {
  const length = Number(response.headers.get("content-length") ?? 0);
  if (length > MAX_REPLY_BYTES) {
    await response.body?.cancel().catch(() => {});
    throw new ReplyTooLargeError(response.status);
  }
  if (response.body === null) return "";
  const limited: ReadableStream<Uint8Array> = response.body.pipeThrough(
    new LimitedBytesTransformStream(MAX_REPLY_BYTES, { error: true }),
  );
  try {
    return await new Response(limited).text();
  } catch (error) {
    if (error instanceof RangeError) {
      throw new ReplyTooLargeError(response.status);
    }
    throw error;
  }
}

/** A reply that arrived, with its parsed JSON body when it had one. */
export interface Reply {
  response: Response;
  json: unknown;
  /** Whether the body was empty (a real server's 401, and its rate limiter's 429, have none). */
  empty?: boolean;
}

/** What a DocSpace reply says, read without throwing. */
export interface ReplyReading {
  /** The HTTP status. */
  status: number;
  /** Whether the body has DocSpace's shape for its kind: an envelope object, or `{success: boolean, …}`. */
  docSpace: boolean;
  /** Whether it is a success of its kind. */
  ok: boolean;
  /** The server's own error message: the envelope's `error.message`, or a `success:false` reply's `message`. */
  message: string | undefined;
  /** The envelope's `response`, or the ChunkedUploader reply's `data`. */
  value: unknown;
  /** The body, when it is a JSON object (not an array). */
  body: Record<string, unknown> | undefined;
}

/**
 * Sends one request and reads its whole reply (at most {@linkcode MAX_REPLY_BYTES}), parsing the body
 * when it is JSON. Rejects with the signal's reason when aborted, with {@linkcode ReplyTooLargeError}
 * for a longer reply, else with the fetch's own error (see `networkFailure`).
 */
export async function fetchReply(
  fetcher: typeof fetch,
  url: string,
  init: RequestInit,
): Promise<Reply> {
  let response: Response;
  let text: string;
  try {
    response = await fetcher(url, init);
    text = await boundedText(response);
  } catch (error) {
    if (init.signal?.aborted) throw init.signal.reason;
    throw error;
  }
  let json: unknown = undefined;
  try {
    json = text === "" ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { response, json, empty: text === "" };
}

/**
 * Sends one request. A network failure becomes a DocSpaceError: transient for a reset or a lost reply,
 * permanent (and saying what to check) for a refused connection, an unknown host or a TLS failure.
 */
export async function send(
  step: string,
  fetcher: typeof fetch,
  url: string,
  init: RequestInit,
): Promise<Reply> {
  try {
    return await fetchReply(fetcher, url, init);
  } catch (error) {
    if (init.signal?.aborted) throw init.signal.reason;
    if (error instanceof ReplyTooLargeError) {
      throw new DocSpaceError(error.message, {
        step,
        status: error.status,
        transient: false,
        cause: error,
      });
    }
    const { transient, detail } = networkFailure(error, url);
    throw new DocSpaceError(detail, { step, transient, cause: error });
  }
}

/** The value as a record, or an empty one. */
export function record(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null
    ? value as Record<string, unknown>
    : {};
}

function objectOf(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? value as Record<string, unknown>
    : undefined;
}

/**
 * Reads an /api/2.0 envelope: `{response, …}` on success, `{error: {message}}` with the HTTP status on
 * failure. `emptyResponse`: a success without `response` (or without a body) is a success, as a REST abort
 * answers.
 */
export function readEnvelope(
  { response, json }: Reply,
  options: { emptyResponse?: boolean } = {},
): ReplyReading {
  const body = objectOf(json);
  const error = body?.error;
  const message = objectOf(error)?.message;
  const value = body?.response;
  return {
    status: response.status,
    docSpace: body !== undefined,
    ok: response.ok && error === undefined &&
      (value !== undefined ||
        (options.emptyResponse === true &&
          (json === undefined || typeof json === "object"))),
    message: typeof message === "string" ? message : undefined,
    value,
    body,
  };
}

/** Reads a ChunkedUploader reply `{success, data, message}` (the legacy `location`; errors come as HTTP 200). */
export function readUploaderReply({ response, json }: Reply): ReplyReading {
  const body = objectOf(json);
  const success = body?.success;
  const message = body?.message;
  return {
    status: response.status,
    docSpace: typeof success === "boolean",
    ok: response.ok && success === true,
    message: success === false && typeof message === "string"
      ? message
      : undefined,
    value: body?.data,
    body,
  };
}

function retryAfter(response: Response): string {
  const value = response.headers.get("retry-after");
  return value ? `, retry after ${value}` : "";
}

/** What a reply without the server's own message was, for a person. */
function bodyDetail(
  { response, json, empty }: Reply,
  hint: string | undefined,
): string {
  const status = response.status;
  const head = `HTTP ${status} ${response.statusText}`.trimEnd();
  if (empty === true && status === 429) {
    const limit = describeRateLimit(
      rateLimitHeaders(response.headers),
      Date.now(),
    );
    return `${head}: DocSpace's rate limit refused the request before running it${
      limit ? ` (${limit})` : ""
    }${retryAfter(response)}`;
  }
  if (empty === true) {
    return `${head} with an empty body${hint ? `: ${hint}` : ""}${
      retryAfter(response)
    }`;
  }
  const type = response.headers.get("content-type")?.split(";")[0] ?? "none";
  return head +
    (json === undefined
      ? ` with a non-JSON body (content type ${type}), probably from a proxy in front of the portal`
      : " with an unexpected JSON body") +
    (hint ? `: ${hint}` : "") + retryAfter(response);
}

/** The error for a reply that is not a success, with the status, the server's message and a hint. */
export function failure(
  step: string,
  reply: Reply,
  serverMessage: string | undefined,
): DocSpaceError {
  const { response } = reply;
  const status = response.status;
  // The REST routes answer an unknown session with 500: sending it again cannot help.
  const transient = TRANSIENT.has(status) && serverMessage !== SESSION_GONE;
  const hint = HINTS[status];
  const detail = serverMessage === undefined
    ? bodyDetail(reply, hint)
    : status >= 400
    ? `${serverMessage} (HTTP ${status}${hint ? `: ${hint}` : ""})`
    : serverMessage;
  return new DocSpaceError(detail, {
    step,
    status,
    serverMessage,
    transient,
    retryAfter: response.headers.get("retry-after") ?? undefined,
    rateLimit: rateLimitHeaders(response.headers),
  });
}

/** The `response` of an /api/2.0 envelope, or the envelope's error thrown as a DocSpaceError. */
export function envelope(
  step: string,
  reply: Reply,
  emptyResponse = false,
): unknown {
  const reading = readEnvelope(reply, { emptyResponse });
  if (!reading.ok) throw failure(step, reply, reading.message);
  return reading.value;
}

/** The status and `data` of a `success:true` ChunkedUploader reply, or its error thrown as a DocSpaceError. */
export function uploaderReply(
  step: string,
  reply: Reply,
): { status: number; data: unknown } {
  const reading = readUploaderReply(reply);
  if (!reading.ok) throw failure(step, reply, reading.message);
  return { status: reading.status, data: reading.value };
}
