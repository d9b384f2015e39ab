// How the folder requests (listing, `folder_listing.ts`; creation, `folder_creation.ts`) are sent: in
// DocSpace's `/api/2.0/files/` envelope, failures as `DocSpaceError`s, transient ones (408, 429, 5xx, a
// connection reset) tried three times; a refused connection is not.
import type { RetryNotice } from "../upload_types.ts";
import type { Portal } from "./portal.ts";
import { failure, readEnvelope, send } from "./read_reply.ts";
import { withRetry } from "../_retry.ts";

/** Where the folder requests go and how. */
export interface FolderRequestContext {
  /** The portal. */
  portal: Portal;
  /** Stops the requests. */
  signal: AbortSignal;
  /** Told before a failed request is tried again; its step names the request and the folder. */
  onRetry?: (notice: RetryNotice) => void;
}

/** Three tries, 0.5 s then 1 s apart: listing and creating folders is cheap to repeat. */
const POLICY = { attempts: 3, minDelay: 500, maxDelay: 1000 };

/**
 * Sends a folder request and reads the envelope's `response`, through the reply layer (the same
 * network-failure classification: a refused connection is not retried) and the retry loop.
 *
 * @param context The portal, the signal and the retry report.
 * @param what The step, for errors: `folder listing (12)`, `folder creation (folder/12)`.
 * @param url Where it goes.
 * @param init The method and the JSON body.
 * @returns The envelope's `response`.
 * @throws {DocSpaceError} If the server refuses, or after the last attempt.
 */
export function folderRequest(
  context: FolderRequestContext,
  what: string,
  url: string,
  init: { method: string; body?: string },
): Promise<unknown> {
  const { portal, signal } = context;
  const headers = new Headers(portal.headers);
  if (init.body) headers.set("content-type", "application/json");
  return withRetry({
    policy: POLICY,
    signal,
    now: Date.now,
    random: () => 1, // no jitter: 500 ms, then 1 s
    onRetry: (notice) => context.onRetry?.({ ...notice, step: what }),
  }, async () => {
    const reply = await send(what, portal.fetch, url, {
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
