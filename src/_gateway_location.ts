// Session binding without state (isolates share no memory): the location handed to a caller carries DocSpace's
// own location and the file size, MACed together with the caller's identity. Only the same caller can use it,
// and the worker forwards only to the DocSpace origin.
import { decodeBase64Url, encodeBase64Url } from "@std/encoding/base64url";
import type { Signer } from "./_gateway_hmac.ts";
import { GatewayError } from "./_gateway_reply.ts";

/** The chunk endpoint's path, as DocSpace names it. */
export const UPLOADER_PATH = "/ChunkedUploader.ashx";

/** A session location, opened: where to forward to, and the file size the session was permitted for. */
export interface BoundSession {
  /** DocSpace's location: path and query on the DocSpace origin, like `/ChunkedUploader.ashx?uid=…`. */
  upstream: string;
  /** The session's file size in bytes. */
  bytesTotal: number;
}

function message(callerId: string, payload: string): string {
  return `${callerId}\0${payload}`;
}

/**
 * The caller-facing location for a DocSpace location (which must be on `docspaceOrigin`; 502 otherwise):
 * `{base}/ChunkedUploader.ashx?uid=…&gw=<payload>.<mac>`.
 */
export async function bindLocation(
  signer: Signer,
  callerId: string,
  location: unknown,
  bytesTotal: number,
  docspaceOrigin: string,
  base: string,
): Promise<string> {
  let parsed: URL | undefined;
  try {
    parsed = new URL(String(location));
  } catch {
    parsed = undefined;
  }
  if (typeof location !== "string" || parsed?.origin !== docspaceOrigin) {
    throw new GatewayError(
      502,
      `DocSpace returned a session location that is not on DOCSPACE_URL's origin (${docspaceOrigin}); the worker sends credentials nowhere else`,
    );
  }
  const upstream = parsed.pathname + parsed.search;
  const payload = encodeBase64Url(JSON.stringify([upstream, bytesTotal]));
  const mac = await signer.sign("location", message(callerId, payload));
  const uid = parsed.searchParams.get("uid") ?? "";
  return `${base}${UPLOADER_PATH}?uid=${
    encodeURIComponent(uid)
  }&gw=${payload}.${mac}`;
}

/** Opens a caller-facing location: 400 without its `gw` parameter, 403 when it was bound to someone else. */
export async function openLocation(
  signer: Signer,
  callerId: string,
  url: URL,
): Promise<BoundSession> {
  const gw = url.searchParams.get("gw");
  if (gw === null) {
    throw new GatewayError(
      400,
      "This location has no gw parameter: use the location returned by create_session",
    );
  }
  const [payload = "", mac = ""] = gw.split(".");
  let session: BoundSession | undefined;
  if (await signer.verify("location", message(callerId, payload), mac)) {
    const [upstream, bytesTotal] = JSON.parse(
      new TextDecoder().decode(decodeBase64Url(payload)),
    ) as [string, number];
    session = { upstream, bytesTotal };
  }
  const uid = url.searchParams.get("uid");
  if (
    session === undefined ||
    (uid !== null &&
      new URL(session.upstream, "http://x").searchParams.get("uid") !== uid)
  ) {
    throw new GatewayError(
      403,
      "This upload session belongs to another caller (or its location was altered)",
    );
  }
  return session;
}
