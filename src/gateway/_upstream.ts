// What the gateway's routes share: its resolved settings, and requests to DocSpace with the token swapped in.
import type { Context } from "hono";
import { authenticate, type Caller } from "./_access.ts";
import type { GatewayConfig } from "./_config.ts";
import type { Signer } from "./_hmac.ts";
import { GatewayError } from "./_reply.ts";
import { authorizationHeader } from "../client/session_client.ts";

/** The gateway's resolved settings and services. */
export interface Gateway {
  /** The settings. */
  config: GatewayConfig;
  /** MACs keyed by the upload secret. */
  signer: Signer;
  /** The fetch that reaches DocSpace, and only DocSpace's origin. */
  fetch: typeof fetch;
  /** How many chunks a direct upload sends at once. */
  concurrency: number;
  /** The clock, in milliseconds since the epoch. */
  now: () => number;
  /** Removes the token and the secret from a text. */
  redact: (text: string) => string;
  /** Writes a line about a failure, redacted. */
  log: (line: string) => void;
}

/** A reply from DocSpace, with its body parsed when it is JSON. */
export type Upstream = { response: Response; json: unknown };

/** The value as a plain object, or undefined when it is not one. */
export function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? value as Record<string, unknown>
    : undefined;
}

/** The fetch that refuses any URL off the DocSpace origin and never follows a redirect. */
export function guardedFetch(
  origin: string,
  upstream: typeof fetch,
): typeof fetch {
  return (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    if (new URL(url).origin !== origin) {
      return Promise.reject(
        new TypeError(
          "Refused to send a request off DOCSPACE_URL's origin",
        ),
      );
    }
    return upstream(input, { ...init, redirect: "manual" });
  };
}

/**
 * Sends a request to DocSpace with the DocSpace token, and reads the whole reply (replies are small; chunk
 * bodies only go the other way). 502 when DocSpace cannot be reached.
 */
export async function send(
  gateway: Gateway,
  url: string,
  init: RequestInit & { duplex?: "half" },
): Promise<Upstream> {
  const headers = new Headers(init.headers);
  headers.set("authorization", authorizationHeader(gateway.config.token));
  headers.set("accept", "application/json");
  let response: Response;
  let text: string;
  try {
    response = await gateway.fetch(url, { ...init, headers });
    text = await response.text();
  } catch (error) {
    throw new GatewayError(
      502,
      `Could not reach DocSpace: ${
        gateway.redact(error instanceof Error ? error.message : String(error))
      }`,
    );
  }
  let parsed: unknown = undefined;
  try {
    parsed = JSON.parse(text);
  } catch { /* not JSON: a proxy page, handled by the caller */ }
  return { response, json: parsed };
}

/** The error for an upstream reply that is not DocSpace JSON (a proxy page, a redirect). */
export function notDocSpace(reply: Upstream): GatewayError {
  const status = reply.response.status;
  const passed = [408, 413, 429, 502, 503, 504].includes(status) ? status : 502;
  const retryAfter = reply.response.headers.get("retry-after");
  return new GatewayError(
    passed,
    `DocSpace answered HTTP ${status} without DocSpace JSON${
      status >= 300 && status < 400 ? " (a redirect, not followed)" : ""
    }`,
    retryAfter ? { "retry-after": retryAfter } : {},
  );
}

/** How {@linkcode envelopeOf} reads a reply. */
export interface EnvelopeOptions {
  /** A success without `response` is a success (DocSpace's abort answers none). */
  emptyResponse?: boolean;
  /** The route is new in this DocSpace version: a 404 without DocSpace JSON is an older server, passed as 404. */
  since?: string;
}

/**
 * An /api/2.0 envelope reply: the envelope, or the upstream error with its status (a refused DocSpace token,
 * 401, becomes 502: the caller's own credential was fine).
 */
export function envelopeOf(
  gateway: Gateway,
  reply: Upstream,
  options: EnvelopeOptions = {},
): Record<string, unknown> {
  const body = record(reply.json);
  const status = reply.response.status;
  if (body === undefined) {
    if (status === 404 && options.since !== undefined) {
      throw new GatewayError(
        404,
        `DocSpace does not have this route: it is older than ${options.since}`,
      );
    }
    throw notDocSpace(reply);
  }
  const error = record(body.error);
  if (
    error !== undefined || !reply.response.ok ||
    (body.response === undefined && !options.emptyResponse)
  ) {
    const message = typeof error?.message === "string"
      ? gateway.redact(error.message)
      : `HTTP ${status}`;
    if (status === 401) {
      throw new GatewayError(
        502,
        `DocSpace did not accept DOCSPACE_TOKEN: ${message}`,
      );
    }
    throw new GatewayError(status >= 400 ? status : 502, message);
  }
  return body;
}

/** Authenticates the request's caller (401 otherwise). */
export function callerOf(c: Context, gateway: Gateway): Promise<Caller> {
  return authenticate(
    c.req.header("authorization"),
    gateway.config,
    gateway.signer,
    gateway.now,
  );
}

/** The gateway's own URL up to (not including) `suffix`, from the request, so it works when mounted. */
export function baseOf(c: Context, suffix: string): string {
  const url = new URL(c.req.url);
  const at = url.pathname.indexOf(suffix);
  return url.origin + (at < 0 ? "" : url.pathname.slice(0, at));
}
