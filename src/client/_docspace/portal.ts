// The portal a client talks to (its URL, origin, fetch and the headers of every request), and the two
// requests that belong to no session: settings and the title check.
import { DocSpaceError } from "../errors.ts";
import { envelope, send } from "./read_reply.ts";
import { record } from "./session_replies.ts";
import { CHUNK_ALIGNMENT, MAX_CHUNK_SIZE } from "../_chunk_size.ts";
import type { UploadSettings } from "../session_types.ts";

/** The portal a client talks to: its URL, origin, `fetch` and the headers of every request. */
export interface Portal {
  url: string;
  origin: string;
  fetch: typeof fetch;
  headers: Headers;
}

/** The `Authorization` header for a token: as given when it names its scheme (`Bearer …`, `Basic …`), else `Bearer <token>`. */
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

/**
 * `GET /api/2.0/files/settings`: the chunk size, and the thread limit (15 when the server names none).
 * Settings no upload can use (a chunk size that is not a positive multiple of 512 up to 10 MiB, a thread
 * limit that is not a positive integer) are refused with a DocSpaceError.
 */
export async function readSettings(
  portal: Portal,
  signal: AbortSignal | undefined,
): Promise<UploadSettings> {
  const reply = await send(
    "settings",
    portal.fetch,
    `${portal.url}/api/2.0/files/settings`,
    { headers: portal.headers, signal: signal ?? null },
  );
  const { chunkUploadSize, maxUploadThreadCount, extsMustConvert } = record(
    envelope("settings", reply),
  );
  const refuse = (what: string) =>
    new DocSpaceError(
      `the server's settings are not usable: ${what}; check the portal URL, or the server's files.uploader settings`,
      { step: "settings", status: reply.response.status },
    );
  // Bounded before any upload: the chunk size sizes the buffers of every chunk in flight.
  if (
    typeof chunkUploadSize !== "number" || !Number.isInteger(chunkUploadSize) ||
    chunkUploadSize <= 0 || chunkUploadSize % CHUNK_ALIGNMENT !== 0 ||
    chunkUploadSize > MAX_CHUNK_SIZE
  ) {
    throw refuse(
      `chunkUploadSize must be a positive multiple of ${CHUNK_ALIGNMENT} no greater than ${MAX_CHUNK_SIZE} (10 MiB, the most this client sends in one request), received ${
        JSON.stringify(chunkUploadSize)?.slice(0, 100)
      }`,
    );
  }
  if (
    maxUploadThreadCount !== undefined && maxUploadThreadCount !== null &&
    !(Number.isSafeInteger(maxUploadThreadCount) &&
      (maxUploadThreadCount as number) >= 1)
  ) {
    throw refuse(
      `maxUploadThreadCount must be a positive integer, received ${
        JSON.stringify(maxUploadThreadCount)?.slice(0, 100)
      }`,
    );
  }
  return {
    chunkUploadSize,
    maxUploadThreadCount: typeof maxUploadThreadCount === "number"
      ? maxUploadThreadCount
      : 15,
    ...(Array.isArray(extsMustConvert) &&
        extsMustConvert.length <= 1000 &&
        extsMustConvert.every((e) => typeof e === "string" && e.length <= 32)
      ? { extsMustConvert: extsMustConvert.map((e) => e.toLowerCase()) }
      : {}),
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
