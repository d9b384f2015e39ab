// The folder requests: a folder's content (`GET /api/2.0/files/{folderId}`) and a new folder
// (`POST /api/2.0/files/folder/{folderId}`), in DocSpace's `/api/2.0/files/` envelope. Failures become
// `DocSpaceError`s; transient ones (408, 429, 5xx, a connection reset) are tried three times; a refused
// connection is not.
import type { RetryNotice } from "../upload_types.ts";
import { authorizationHeader } from "./portal.ts";
import { failure, readEnvelope, send } from "./read_reply.ts";
import { withRetry } from "../_retry.ts";

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
  /** Told before a failed request is tried again; its step names the request and the folder. */
  onRetry?: (notice: RetryNotice) => void;
}

/** Three tries, 0.5 s then 1 s apart: listing and creating folders is cheap to repeat. */
const POLICY = { attempts: 3, minDelay: 500, maxDelay: 1000 };

/**
 * Sends a request under `/api/2.0/files/` and reads the envelope's `response`, through the upload
 * client's reply layer (the same network-failure classification: a refused connection is not retried)
 * and its retry loop.
 *
 * @param options The portal, the token, `fetch`, the signal and the retry report.
 * @param step The step, for errors: `folder listing`, `folder creation`.
 * @param path The path after `/api/2.0/files/`, like `12?startIndex=0&count=100` or `folder/12`.
 * @param init The method and the JSON body.
 * @returns The envelope's `response`.
 * @throws {DocSpaceError} If the server refuses, or after the last attempt.
 */
export function folderRequest(
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
  const what = `${step} (${decodeURIComponent(path.replace(/\?.*$/, ""))})`;
  return withRetry({
    policy: POLICY,
    signal,
    now: Date.now,
    random: () => 1, // no jitter: 500 ms, then 1 s
    onRetry: (notice) => options.onRetry?.({ ...notice, step: what }),
  }, async () => {
    const reply = await send(what, options.fetch, where, {
      ...init,
      headers,
      signal,
    });
    const reading = readEnvelope(reply);
    if (reading.ok) return reading.value;
    // The envelope's error, or ASP.NET's ValidationProblemDetails (`title`).
    const title = reading.body?.title;
    throw failure(
      what,
      reply,
      reading.message ?? (typeof title === "string" ? title : undefined),
    );
  });
}
