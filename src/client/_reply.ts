// Turns DocSpace replies (the /api/2.0 envelope and the ChunkedUploader's own shape) into values or DocSpaceErrors.
import { DocSpaceError } from "./errors.ts";
import { SESSION_GONE } from "./_server_messages.ts";

/** HTTP statuses that a retry may get past: timeouts, rate limits, proxy and server hiccups. */
const TRANSIENT = new Set([408, 429, 500, 502, 503, 504]);

const HINTS: Record<number, string> = {
  401: "check the token (DocSpace did not accept it)",
  403: "the token's user may not upload into this folder",
  404: "check the folder id and the portal URL",
  413:
    "a proxy in front of the portal refused the request body as too large; use a smaller chunk size or raise the proxy's limit",
  429: "too many requests; the server asked to slow down",
};

/** A reply that arrived, with its parsed JSON body when it had one. */
export interface Reply {
  response: Response;
  json: unknown;
}

/** Sends one request; a network failure or an unreadable body becomes a transient DocSpaceError. */
export async function send(
  step: string,
  fetcher: typeof fetch,
  url: string,
  init: RequestInit,
): Promise<Reply> {
  let response: Response;
  let text: string;
  try {
    response = await fetcher(url, init);
    text = await response.text();
  } catch (error) {
    if (init.signal?.aborted) throw init.signal.reason;
    throw new DocSpaceError(
      `network error (${
        error instanceof Error ? error.message : String(error)
      }); the request may or may not have reached the server`,
      { step, transient: true, cause: error },
    );
  }
  let json: unknown = undefined;
  try {
    json = text === "" ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { response, json };
}

function retryAfter(response: Response): string {
  const value = response.headers.get("retry-after");
  return value ? `, retry after ${value}` : "";
}

/** The error for a reply that is not a success, with the status, the server's message and a hint. */
export function failure(
  step: string,
  { response, json }: Reply,
  serverMessage: string | undefined,
): DocSpaceError {
  const status = response.status;
  // The REST routes answer an unknown session with 500: sending it again cannot help.
  const transient = TRANSIENT.has(status) && serverMessage !== SESSION_GONE;
  const hint = HINTS[status];
  let detail: string;
  if (serverMessage !== undefined) {
    detail = status >= 400
      ? `${serverMessage} (HTTP ${status}${hint ? `: ${hint}` : ""})`
      : serverMessage;
  } else {
    const type = response.headers.get("content-type")?.split(";")[0] ?? "none";
    detail = `HTTP ${status} ${response.statusText}`.trimEnd() +
      (json === undefined
        ? ` with a non-JSON body (content type ${type}), probably from a proxy in front of the portal`
        : " with an unexpected JSON body") +
      (hint ? `: ${hint}` : "") + retryAfter(response);
  }
  return new DocSpaceError(detail, {
    step,
    status,
    serverMessage,
    transient,
    retryAfter: response.headers.get("retry-after") ?? undefined,
  });
}

function field(value: unknown, key: string): unknown {
  return typeof value === "object" && value !== null
    ? (value as Record<string, unknown>)[key]
    : undefined;
}

/**
 * Reads the `response` of a /api/2.0 envelope, or throws the envelope's error. `empty`: a success
 * without `response` is fine (a REST abort answers so).
 */
export function envelope(step: string, reply: Reply, empty = false): unknown {
  const error = field(reply.json, "error");
  const message = field(error, "message");
  if (!reply.response.ok || error !== undefined) {
    throw failure(
      step,
      reply,
      typeof message === "string" ? message : undefined,
    );
  }
  if (
    field(reply.json, "response") === undefined &&
    !(empty && (reply.json === undefined || typeof reply.json === "object"))
  ) {
    throw failure(step, reply, undefined);
  }
  return field(reply.json, "response");
}

/** Reads a ChunkedUploader reply `{success, data, message}`; errors come as HTTP 200 with `success:false`. */
export function uploaderReply(
  step: string,
  reply: Reply,
): { status: number; data: unknown } {
  const success = field(reply.json, "success");
  const message = field(reply.json, "message");
  if (reply.response.ok && success === true) {
    return { status: reply.response.status, data: field(reply.json, "data") };
  }
  throw failure(
    step,
    reply,
    success === false && typeof message === "string" ? message : undefined,
  );
}
