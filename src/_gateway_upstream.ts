// What the gateway's routes share: its resolved settings, and requests to DocSpace with the token swapped in.
import type { Context } from "hono";
import { authenticate, type Caller } from "./_gateway_access.ts";
import type { GatewayConfig } from "./_gateway_config.ts";
import type { Signer } from "./_gateway_hmac.ts";
import { GatewayError } from "./_gateway_reply.ts";
import { authorizationHeader } from "./session_client.ts";

/** The gateway's resolved settings and services. */
export interface Gateway {
  config: GatewayConfig;
  signer: Signer;
  fetch: typeof fetch;
  concurrency: number;
  now: () => number;
  redact: (text: string) => string;
  log: (line: string) => void;
}

/** A reply from DocSpace, with its body parsed when it is JSON. */
export type Upstream = { response: Response; json: unknown };

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

/** An /api/2.0 envelope reply: its `response`, or the upstream error with its status (401 becomes 502). */
export function envelopeOf(
  gateway: Gateway,
  reply: Upstream,
): Record<string, unknown> {
  const body = record(reply.json);
  if (body === undefined) throw notDocSpace(reply);
  const error = record(body.error);
  const status = reply.response.status;
  if (
    error !== undefined || !reply.response.ok || body.response === undefined
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
