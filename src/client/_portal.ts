// The portal a client talks to (its URL, origin, fetch and the headers of every request), and the two
// requests that belong to no session: settings and the title check.
import { envelope, send } from "./_reply.ts";
import { record } from "./_session_replies.ts";

/** The portal a client talks to: its URL, origin, `fetch` and the headers of every request. */
export interface Portal {
  url: string;
  origin: string;
  fetch: typeof fetch;
  headers: Headers;
}

/**
 * Builds the `Authorization` header value for a token: as given when it names a scheme (`Bearer …`,
 * `Basic …`), else `Bearer <token>`.
 *
 * @param token The token.
 * @returns The header value.
 *
 * @example Both forms
 * ```ts
 * import { authorizationHeader } from "@docspace-tools/upload";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(authorizationHeader("sk-123"), "Bearer sk-123");
 * assertEquals(authorizationHeader("Basic dTpw"), "Basic dTpw");
 * ```
 */
export function authorizationHeader(token: string): string {
  return /^(Bearer|Basic)\s+\S/i.test(token) ? token : `Bearer ${token}`;
}

/** Checks the portal URL and the token; the headers carry the credentials to every request. */
export function portalOf(options: {
  url: string;
  token: string;
  fetch?: typeof fetch;
  headers?: HeadersInit;
}): Portal {
  let parsed: URL | undefined;
  try {
    parsed = new URL(options.url);
  } catch {
    parsed = undefined;
  }
  if (parsed?.protocol !== "https:" && parsed?.protocol !== "http:") {
    throw new TypeError(
      `Cannot create SessionClient: url must be the portal's http(s) URL, received ${
        JSON.stringify(options.url)
      }`,
    );
  }
  if (typeof options.token !== "string" || options.token.trim() === "") {
    throw new TypeError(
      "Cannot create SessionClient: token is empty; pass the portal's API key or authentication token",
    );
  }
  const headers = new Headers(options.headers);
  headers.set("authorization", authorizationHeader(options.token));
  headers.set("accept", "application/json");
  return {
    url: (parsed.origin + parsed.pathname).replace(/\/+$/, ""),
    origin: parsed.origin,
    fetch: options.fetch ?? globalThis.fetch.bind(globalThis),
    headers,
  };
}

/** `GET /api/2.0/files/settings` as a record, with the reply's status. */
export async function readSettings(
  portal: Portal,
  signal: AbortSignal | undefined,
): Promise<{ settings: Record<string, unknown>; status: number }> {
  const reply = await send(
    "settings",
    portal.fetch,
    `${portal.url}/api/2.0/files/settings`,
    { headers: portal.headers, signal: signal ?? null },
  );
  return {
    settings: record(envelope("settings", reply)),
    status: reply.response.status,
  };
}

/** `POST /api/2.0/files/{folderId}/upload/check`: the titles of `titles` that exist in the folder. */
export async function checkTitles(
  portal: Portal,
  folderId: number | string,
  titles: string[],
  signal: AbortSignal | undefined,
): Promise<string[]> {
  const headers = new Headers(portal.headers);
  headers.set("content-type", "application/json");
  const reply = await send(
    "check",
    portal.fetch,
    `${portal.url}/api/2.0/files/${
      encodeURIComponent(String(folderId))
    }/upload/check`,
    {
      method: "POST",
      headers,
      body: JSON.stringify({ folderId, filesTitle: titles }),
      signal: signal ?? null,
    },
  );
  const response = envelope("check", reply);
  return Array.isArray(response)
    ? response.filter((t) => typeof t === "string")
    : [];
}
