// What a caller sees of a bound session: the session object with its id replaced by the gateway's token and its
// location pointing at the gateway's own chunk endpoint, `{base}/ChunkedUploader.ashx?uid=<id>&gw=<token>`.
import type { Signer } from "./_hmac.ts";
import { GatewayError } from "./_reply.ts";
import { openSession, type SessionToken } from "./_session_binding.ts";

/** The chunk endpoint's path, as DocSpace names it. */
export const UPLOADER_PATH = "/ChunkedUploader.ashx";

/** The caller-facing location of a bound session, on the gateway served at `base`. */
export function gatewayLocation(base: string, bound: SessionToken): string {
  return `${base}${UPLOADER_PATH}?uid=${
    encodeURIComponent(bound.session.id)
  }&gw=${bound.token}`;
}

/**
 * Rewrites a session object from DocSpace for the caller, in place: `id` becomes the token (what the REST
 * session routes take) and `location` the gateway's (what the legacy chunk endpoint takes).
 */
export function showSession(
  session: Record<string, unknown>,
  base: string,
  bound: SessionToken,
): void {
  session.id = bound.token;
  session.location = gatewayLocation(base, bound);
}

/**
 * Opens a caller-facing location: 400 without its `gw` parameter, 403 when it was bound to someone else or
 * its `uid` does not match.
 */
export async function openLocation(
  signer: Signer,
  callerId: string,
  url: URL,
): Promise<SessionToken> {
  const gw = url.searchParams.get("gw");
  if (gw === null) {
    throw new GatewayError(
      400,
      "This location has no gw parameter: use the location returned by create_session",
    );
  }
  const bound = await openSession(signer, callerId, gw, "location");
  const uid = url.searchParams.get("uid");
  if (uid !== null && uid !== bound.session.id) {
    throw new GatewayError(
      403,
      "This upload session belongs to another caller (or its location was altered)",
    );
  }
  return bound;
}
