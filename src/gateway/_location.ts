// What a caller sees of a bound session: the session object with its id replaced by the gateway's token and its
// location pointing at the gateway's own chunk endpoint, `{base}/ChunkedUploader.ashx?uid=<id>&gw=<token>`;
// and the strict reading of such a location when a caller uses it.
import type { HTTPException } from "hono/http-exception";
import type { Context } from "hono";
import type { GatewayConfig } from "./_config.ts";
import { type Json, sessionFields } from "./_fields.ts";
import type { Signer } from "../ticket/signer.ts";
import { httpError } from "./_responses.ts";
import {
  openSession,
  type SessionToken,
  TOKEN_SHAPE,
} from "./_session_binding.ts";

/** The chunk endpoint's path, as DocSpace names it. */
export const UPLOADER_PATH = "/ChunkedUploader.ashx";

/** DocSpace's files API, where its settings and session endpoints are: the gateway serves them there too. */
export const API_FILES = "/api/2.0/files";

/**
 * The gateway's public URL, up to where `suffix` begins in the request's path: `PUBLIC_URL` when it is set,
 * else the request URL's origin and the path it is mounted at. Never a `Host` header: on Workers and Deno
 * Deploy the request URL is the route the platform matched; the Deno entry builds it from its own address.
 */
export function publicBase(
  c: Context,
  config: GatewayConfig,
  suffix: string,
): string {
  if (config.publicUrl !== undefined) return config.publicUrl;
  const url = new URL(c.req.url);
  const at = url.pathname.toLowerCase().indexOf(suffix.toLowerCase());
  return url.origin + (at < 0 ? "" : url.pathname.slice(0, at));
}

/** The caller-facing location of a bound session, on the gateway served at `base`. */
export function gatewayLocation(base: string, bound: SessionToken): string {
  return `${base}${UPLOADER_PATH}?uid=${
    encodeURIComponent(bound.session.id)
  }&gw=${bound.token}`;
}

/**
 * A session object from DocSpace as the caller sees it: its documented fields only, `id` the token (what the
 * REST session routes take) and `location` the gateway's (what the legacy chunk endpoint takes).
 */
export function showSession(
  session: unknown,
  base: string,
  bound: SessionToken,
): Json {
  return {
    ...sessionFields(session),
    id: bound.token,
    location: gatewayLocation(base, bound),
  };
}

/** What a request to a location asks for. */
export type LocationMode =
  | { kind: "chunk"; chunkNumber: number | undefined }
  | { kind: "sequential" }
  | { kind: "finalize" }
  | { kind: "abort" };

/** A caller-facing location, read. */
export interface LocationRequest {
  /** The session it is bound to. */
  bound: SessionToken;
  /** The request's mode, from its `upload`, `chunkNumber`, `finalize` and `abort` parameters. */
  mode: LocationMode;
}

const PARAMETERS = new Set([
  "uid",
  "gw",
  "upload",
  "chunkNumber",
  "finalize",
  "abort",
]);

function badLocation(detail: string): HTTPException {
  return httpError(
    400,
    `Bad location: ${detail}; use the location returned by create_session`,
  );
}

/** The mode of a location request; 400 for anything but DocSpace's own parameters, each once. */
function modeOf(query: URLSearchParams): LocationMode {
  const flags = ["upload", "finalize", "abort"].filter((flag) =>
    query.has(flag)
  );
  for (const flag of flags) {
    if (query.get(flag) !== "true") {
      throw badLocation(`${flag} must be true`);
    }
  }
  if (flags.length > 1) {
    throw badLocation(`it asks for ${flags.join(" and ")} at once`);
  }
  const number = query.get("chunkNumber");
  if (number !== null && flags[0] !== "upload") {
    throw badLocation("chunkNumber goes only with upload=true");
  }
  switch (flags[0]) {
    case "upload":
      return {
        kind: "chunk",
        chunkNumber: number === null ? undefined : chunkNumberOf(number),
      };
    case "finalize":
      return { kind: "finalize" };
    case "abort":
      return { kind: "abort" };
    default:
      return { kind: "sequential" };
  }
}

/**
 * Opens a caller-facing location: 400 unless it has exactly its parts (`uid`, `gw` of the token's shape,
 * and DocSpace's mode parameters, each at most once), 403 when it was bound to someone else or its `uid`
 * does not match.
 */
export async function openLocation(
  signer: Signer,
  callerId: string,
  url: URL,
): Promise<LocationRequest> {
  const query = url.searchParams;
  for (const name of new Set(query.keys())) {
    if (!PARAMETERS.has(name)) {
      throw badLocation(
        `unknown parameter ${JSON.stringify(name.slice(0, 32))}`,
      );
    }
    if (query.getAll(name).length > 1) {
      throw badLocation(`${name} is given twice`);
    }
  }
  const gw = query.get("gw");
  if (gw === null) {
    throw httpError(
      400,
      "This location has no gw parameter: use the location returned by create_session",
    );
  }
  if (!TOKEN_SHAPE.test(gw)) {
    throw badLocation("gw must be <payload>.<mac>, as the gateway made it");
  }
  const uid = query.get("uid");
  if (uid === null) throw badLocation("it has no uid");
  const mode = modeOf(query);
  const bound = await openSession(signer, callerId, gw, "location");
  if (uid !== bound.session.id) {
    throw httpError(
      403,
      "This upload session belongs to another caller (or its location was altered)",
    );
  }
  return { bound, mode };
}

/**
 * Checks a `chunkNumber` value: a positive integer, or 400, since the server would store anything else
 * under a number it never counts.
 */
export function chunkNumberOf(value: string): number {
  if (!/^[1-9]\d{0,8}$/.test(value)) {
    throw httpError(
      400,
      `chunkNumber must be a positive integer, received ${
        JSON.stringify(value.slice(0, 32))
      }`,
    );
  }
  return Number(value);
}
