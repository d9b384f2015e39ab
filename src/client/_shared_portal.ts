// What the uploads of one client share: the session client (its fetch, and the route generation it found
// out), and the server's settings, read once.
import { type RetryContext, withRetry } from "./_retry.ts";
import { SessionClient, type SessionClientOptions } from "./session_client.ts";
import type { UploadSettings } from "./session_types.ts";

/** The session client and the settings that the uploads of one client share. */
export interface SharedPortal {
  /** The session client; it keeps the route generation it found out across uploads. */
  client: SessionClient;
  /** The server's settings: read on every call, or once for all (see {@linkcode sharedPortal}). */
  settings(retry: RetryContext): Promise<UploadSettings>;
}

/**
 * A portal for uploads. Given `once`, the settings are read by the first upload that asks, under
 * `once.signal` rather than that upload's own (so one upload's abort fails no other), and kept; a failed
 * read is not kept. Given `false`, every upload reads them, as `uploadFile` alone does.
 */
export function sharedPortal(
  options: SessionClientOptions,
  once: false | { signal?: AbortSignal },
): SharedPortal {
  const client = new SessionClient(options);
  let kept: Promise<UploadSettings> | undefined;
  return {
    client,
    settings(retry) {
      if (once === false) {
        return withRetry(retry, () => client.settings(retry.signal));
      }
      if (kept === undefined) {
        const signal = once.signal ?? new AbortController().signal;
        kept = withRetry({ ...retry, signal }, () => client.settings(signal));
        kept.catch(() => kept = undefined);
      }
      return kept;
    },
  };
}
