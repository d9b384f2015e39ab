/**
 * The requests the CLI makes beside the upload client's: a folder's content and a new folder, in
 * DocSpace's `/api/2.0/files/` envelope. Failures become `DocSpaceError`s; transient ones (408, 429,
 * 5xx, a connection lost) are tried three times.
 *
 * @module
 */
import { delay } from "@std/async/delay";
import { DocSpaceError } from "../src/client/errors.ts";
import { authorizationHeader } from "../src/client/_portal.ts";

/** Where the requests go and how. */
export interface FolderRequestOptions {
  /** The portal's URL. */
  url: string;
  /** The token. */
  token: string;
  /** The `fetch` to use. */
  fetch: typeof fetch;
  /** Stops the requests. */
  signal: AbortSignal;
  /** Told before a failed request is tried again. */
  onRetry?: (what: string, error: DocSpaceError, delay: number) => void;
}

const ATTEMPTS = 3;
const TRANSIENT = new Set([408, 429, 500, 502, 503, 504]);

/**
 * Sends a request under `/api/2.0/files/` and reads the envelope's `response`.
 *
 * @param options The portal, the token, `fetch`, the signal and the retry report.
 * @param step The step, for errors: `folder listing`, `folder creation`.
 * @param path The path after `/api/2.0/files/`, like `12?startIndex=0&count=100` or `folder/12`.
 * @param init The method and the JSON body.
 * @returns The envelope's `response`.
 * @throws {DocSpaceError} If the server refuses, or after the last attempt.
 */
export async function folderRequest(
  options: FolderRequestOptions,
  step: string,
  path: string,
  init: { method: string; body?: string },
): Promise<unknown> {
  const { url, token, signal } = options;
  const headers: Record<string, string> = {
    authorization: authorizationHeader(token),
    accept: "application/json",
    ...(init.body ? { "content-type": "application/json" } : {}),
  };
  const where = `${url.replace(/\/+$/, "")}/api/2.0/files/${path}`;
  for (let attempt = 1;; attempt++) {
    try {
      return await send(options, step, where, { ...init, headers, signal });
    } catch (error) {
      if (
        !(error instanceof DocSpaceError) || !error.transient ||
        attempt >= ATTEMPTS
      ) {
        throw error;
      }
      const wait = 500 * 2 ** (attempt - 1);
      options.onRetry?.(`${step} (${path.replace(/\?.*$/, "")})`, error, wait);
      await delay(wait, { signal });
    }
  }
}

async function send(
  options: FolderRequestOptions,
  step: string,
  url: string,
  init: RequestInit,
): Promise<unknown> {
  let response: Response;
  let json: Record<string, unknown> | undefined;
  try {
    response = await options.fetch(url, init);
    const text = await response.text();
    try {
      json = text === "" ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
  } catch (error) {
    if (init.signal?.aborted) throw init.signal.reason;
    throw new DocSpaceError(
      `network error (${error instanceof Error ? error.message : error})`,
      { step, transient: true, cause: error },
    );
  }
  const error = json?.error as { message?: unknown } | undefined;
  if (response.ok && error === undefined && json !== undefined) {
    return json.response;
  }
  // An envelope's error, or ASP.NET's ValidationProblemDetails (`title`).
  const message = typeof error?.message === "string"
    ? error.message
    : typeof json?.title === "string"
    ? json.title
    : undefined;
  const folder = decodeURIComponent(
    new URL(url).pathname.replace(/^.*\/api\/2\.0\/files\/(folder\/)?/, ""),
  );
  throw new DocSpaceError(
    `folder ${folder}: ${
      message ?? response.statusText
    } (HTTP ${response.status})`,
    {
      step,
      status: response.status,
      serverMessage: message,
      transient: TRANSIENT.has(response.status),
      retryAfter: response.headers.get("retry-after") ?? undefined,
    },
  );
}
