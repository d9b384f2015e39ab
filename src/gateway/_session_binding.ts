// Session binding without state (isolates share no memory). The gateway hands each caller a token in place of
// DocSpace's session id: DocSpace's id and location, the folder, the file size, the server's chunk size and
// the creation time, MACed together with the caller's identity. The server does not check a session's owner on
// its REST session endpoints, and every caller reaches it with the same token, so this MAC is the only thing
// that keeps one caller out of another's session.
import { decodeBase64Url, encodeBase64Url } from "@std/encoding/base64url";
import type { Signer } from "../ticket/signer.ts";
import { httpError } from "./_responses.ts";
import { record } from "./_fields.ts";

/** The MAC label of session bindings: a MAC made for a ticket or anything else never verifies as one. */
const LABEL = "session";

/** A DocSpace upload session as the gateway bound it to one caller. */
export interface BoundSession {
  /** DocSpace's own session id. */
  id: string;
  /** The folder id the session was created in, as the caller named it (and was permitted) then. */
  folderId: string;
  /**
   * The folder DocSpace placed the session in: the subfolder a `relativePath` made (the last id of the
   * reply's `path`), else `folderId`. The REST session endpoints' paths name it.
   */
  placedIn: string;
  /** The file size in bytes the session was permitted for. */
  bytesTotal: number;
  /** DocSpace's location: path and query on the DocSpace origin, like `/ChunkedUploader.ashx?uid=…`. */
  upstream: string;
  /** The server's `chunkUploadSize` when the session was created: every chunk but the last has it. */
  chunkUploadSize: number;
  /** When the gateway created the session, in milliseconds since the epoch. */
  created: number;
}

/** The most chunks a session's file can have: the server counts chunks 1..ceil(size / chunkUploadSize). */
export function lastChunk(session: BoundSession): number {
  return Math.max(1, Math.ceil(session.bytesTotal / session.chunkUploadSize));
}

/** A binding and the token that stands for it: `<payload>.<mac>`, URL- and path-safe. */
export interface SessionToken {
  /** What the token binds. */
  session: BoundSession;
  /** The token the caller uses as the session's id (REST session endpoints) and as `gw` (its location). */
  token: string;
}

function message(callerId: string, payload: string): string {
  return `${callerId}\0${payload}`;
}

/**
 * Binds a session from DocSpace's reply to a caller. DocSpace's `id` must be a string and its `location` on
 * `docspaceOrigin` (502 otherwise: the gateway sends credentials nowhere else).
 */
export async function bindSession(
  signer: Signer,
  callerId: string,
  reply: Record<string, unknown>,
  folderId: string,
  bytesTotal: number,
  docspaceOrigin: string,
  chunkUploadSize: number,
  created: number,
): Promise<SessionToken> {
  const { id, location } = reply;
  let parsed: URL | undefined;
  try {
    parsed = new URL(String(location));
  } catch {
    parsed = undefined;
  }
  if (typeof location !== "string" || parsed?.origin !== docspaceOrigin) {
    throw httpError(
      502,
      `DocSpace returned a session location that is not on DOCSPACE_URL's origin (${docspaceOrigin}); the worker sends credentials nowhere else`,
    );
  }
  if (typeof id !== "string" || id === "") {
    throw httpError(502, "DocSpace's reply has no session id");
  }
  const path = Array.isArray(reply.path) ? reply.path : [];
  const last = path.at(-1);
  const placedIn = (typeof last === "number" && Number.isSafeInteger(last)) ||
      (typeof last === "string" && last !== "" && last.length <= 256)
    ? String(last)
    : folderId;
  const session: BoundSession = {
    id,
    folderId,
    placedIn,
    bytesTotal,
    upstream: parsed.pathname + parsed.search,
    chunkUploadSize,
    created,
  };
  const payload = encodeBase64Url(JSON.stringify({
    i: session.id,
    f: session.folderId,
    ...(placedIn === folderId ? {} : { p: placedIn }),
    s: session.bytesTotal,
    u: session.upstream,
    c: session.chunkUploadSize,
    t: session.created,
  }));
  const mac = await signer.sign(LABEL, message(callerId, payload));
  return { session, token: `${payload}.${mac}` };
}

function readPayload(payload: string): BoundSession | undefined {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(decodeBase64Url(payload)));
  } catch {
    return undefined;
  }
  const fields = record(value) ?? {};
  const { i, f, p, s, u, c, t } = fields;
  const whole = (n: unknown, min: number): n is number =>
    Number.isSafeInteger(n) && (n as number) >= min;
  if (
    Object.keys(fields).length !== (p === undefined ? 6 : 7) ||
    typeof i !== "string" || typeof f !== "string" ||
    (p !== undefined && typeof p !== "string") || !whole(s, 0) ||
    typeof u !== "string" || !whole(c, 1) || !whole(t, 0)
  ) {
    return undefined;
  }
  return {
    id: i,
    folderId: f,
    placedIn: p ?? f,
    bytesTotal: s,
    upstream: u,
    chunkUploadSize: c,
    created: t,
  };
}

/** The shape of a token: `<payload>.<mac>`, both base64url, the MAC 43 characters (SHA-256). */
export const TOKEN_SHAPE = /^[\w-]{1,4096}\.[\w-]{43}$/;

/**
 * Opens a token the gateway handed out, for the caller presenting it: 403 when it was bound to another
 * caller, altered, forged, or is DocSpace's raw session id.
 */
export async function openSession(
  signer: Signer,
  callerId: string,
  token: string,
  what = "id",
): Promise<SessionToken> {
  const [payload = "", mac = ""] = token.split(".");
  const session = TOKEN_SHAPE.test(token) &&
      await signer.verify(LABEL, message(callerId, payload), mac)
    ? readPayload(payload)
    : undefined;
  if (session === undefined) {
    throw httpError(
      403,
      `This upload session belongs to another caller (or its ${what} was altered): use the session ${what} the gateway returned when the session was created`,
    );
  }
  return { session, token };
}
