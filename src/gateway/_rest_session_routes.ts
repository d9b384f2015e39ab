// The gateway's routes for DocSpace 3.7.1+'s REST session endpoints (numbered chunk, sequential chunk,
// finalize, abort), mounted at /api/2.0/files and passed through for the session ids the gateway handed out.
// DocSpace does not check a session's owner on these endpoints, so the gateway does: the id must be a token
// bound to this caller and this folder (see _session_binding.ts).
import { type Context, Hono } from "hono";
import { restSessionUrl } from "../client/internal.ts";
import { access } from "./_access.ts";
import {
  type ChunkRequest,
  chunkRequest,
  sendForSession,
} from "./_chunk_request.ts";
import type { Gateway, GatewayEnv } from "./_context.ts";
import { completionFields, envelopeFields, type Json } from "./_fields.ts";
import {
  API_FILES,
  chunkNumberOf,
  publicBase,
  showSession,
} from "./_location.ts";
import { permitFolder, permitSize } from "./_permits.ts";
import { httpError, json } from "./_responses.ts";
import { openSession, type SessionToken } from "./_session_binding.ts";
import { gatewayStatus } from "./_status_table.ts";
import { envelopeOf } from "./_upstream.ts";

const SINCE = "3.7.1 (use the session's location instead)";

/** The caller's bound session for this route, checked like the chunk endpoint's; 401, 400, 403 or 413. */
async function open(
  c: Context<GatewayEnv>,
  gateway: Gateway,
  folderId: string,
  sessionId: string,
): Promise<SessionToken> {
  const caller = c.get("caller");
  c.get("entry").folder = folderId;
  let refused: unknown;
  try {
    permitFolder(caller, folderId, gateway.config);
  } catch (error) {
    refused = error;
  }
  let bound: SessionToken;
  try {
    bound = await openSession(gateway.signer, caller.id, sessionId);
  } catch (error) {
    throw refused ?? error;
  }
  // The path may name the subfolder a relativePath made, where DocSpace placed the session: the caller
  // was permitted the folder the session was opened in.
  if (refused !== undefined) {
    const { folderId: opened, placedIn } = bound.session;
    if (placedIn !== folderId || placedIn === opened) throw refused;
    permitFolder(caller, opened, gateway.config);
  }
  if (
    bound.session.folderId !== folderId && bound.session.placedIn !== folderId
  ) {
    throw httpError(
      403,
      `This upload session was opened in folder ${
        JSON.stringify(bound.session.folderId)
      }, not ${JSON.stringify(folderId)}`,
    );
  }
  permitSize(caller, bound.session.bytesTotal, gateway.config, false);
  return bound;
}

/** Sends the request to the same endpoint upstream, for DocSpace's own session id; the envelope and status back. */
async function forward(
  c: Context<GatewayEnv>,
  gateway: Gateway,
  bound: SessionToken,
  suffix: string,
  init: RequestInit,
  chunk?: ChunkRequest,
  options: { emptyResponse?: boolean } = {},
): Promise<{ envelope: Json; value: unknown; status: number }> {
  const { session } = bound;
  const url = restSessionUrl(
    gateway.config.docspaceUrl,
    session.folderId,
    session.id,
    suffix,
  );
  const reply = await sendForSession(c, gateway, session, url, init, chunk);
  const { body, value } = envelopeOf(gateway, reply, {
    since: SINCE,
    ...options,
  });
  return {
    envelope: body,
    value,
    status: gatewayStatus("reply", reply.response.status),
  };
}

/** Marks a completed upload (201 with the file) in the request's log entry. */
function completed(
  c: Context<GatewayEnv>,
  bound: SessionToken,
  status: number,
): void {
  if (status !== 201) return;
  const entry = c.get("entry");
  entry.outcome = "uploaded";
  entry.bytes = bound.session.bytesTotal;
  entry.since = bound.session.created;
}

/** The path's parameters of every route here. */
interface SessionPath {
  folderId: string;
  sessionId: string;
}

/**
 * A numbered chunk: 200 with the session (also for a small file, which the server stores now and the client
 * finalizes next), shown to the caller as at creation.
 */
async function numberedChunk(
  c: Context<GatewayEnv>,
  gateway: Gateway,
  { folderId, sessionId }: SessionPath,
): Promise<Response> {
  const bound = await open(c, gateway, folderId, sessionId);
  const raw = c.req.query("chunkNumber");
  const number = raw === undefined ? undefined : chunkNumberOf(raw);
  const chunk = await chunkRequest(c, gateway, bound.session, number);
  const { envelope, value, status } = await forward(
    c,
    gateway,
    bound,
    `/upload${number === undefined ? "" : `?chunkNumber=${number}`}`,
    chunk.init,
    chunk,
  );
  const base = publicBase(c, gateway.config, `${API_FILES}/`);
  return json(
    envelopeFields(envelope, showSession(value, base, bound)),
    status,
  );
}

/** Finalize: 201 with the file. */
async function finalize(
  c: Context<GatewayEnv>,
  gateway: Gateway,
  { folderId, sessionId }: SessionPath,
): Promise<Response> {
  const bound = await open(c, gateway, folderId, sessionId);
  const { envelope, value, status } = await forward(
    c,
    gateway,
    bound,
    "/finalize",
    { method: "PUT" },
  );
  completed(c, bound, status);
  return json(envelopeFields(envelope, completionFields(value)), status);
}

/** A sequential chunk: 201 with the file when it completes it, 200 with the file still unsaved otherwise. */
async function sequentialChunk(
  c: Context<GatewayEnv>,
  gateway: Gateway,
  { folderId, sessionId }: SessionPath,
): Promise<Response> {
  const bound = await open(c, gateway, folderId, sessionId);
  const chunk = await chunkRequest(c, gateway, bound.session, undefined);
  const { envelope, value, status } = await forward(
    c,
    gateway,
    bound,
    "",
    chunk.init,
    chunk,
  );
  completed(c, bound, status);
  return json(envelopeFields(envelope, completionFields(value)), status);
}

/** Abort: 200 with an envelope without `response`. */
async function abort(
  c: Context<GatewayEnv>,
  gateway: Gateway,
  { folderId, sessionId }: SessionPath,
): Promise<Response> {
  const bound = await open(c, gateway, folderId, sessionId);
  const { envelope, status } = await forward(
    c,
    gateway,
    bound,
    "",
    { method: "DELETE" },
    undefined,
    { emptyResponse: true },
  );
  await gateway.coordinator.forgetSession(bound.session.id);
  c.get("entry").outcome = "aborted";
  return json(envelopeFields(envelope, undefined), status);
}

/** `POST …/session/:sessionId/upload`, `PUT …/finalize`, `POST …/session/:sessionId` and `DELETE` it. */
export function restSessionRoutes(gateway: Gateway): Hono<GatewayEnv> {
  const session = "/:folderId/session/:sessionId";
  return new Hono<GatewayEnv>()
    .post(
      `${session}/upload`,
      access(gateway),
      (c) => numberedChunk(c, gateway, c.req.param()),
    )
    .put(
      `${session}/finalize`,
      access(gateway),
      (c) => finalize(c, gateway, c.req.param()),
    )
    .post(
      session,
      access(gateway),
      (c) => sequentialChunk(c, gateway, c.req.param()),
    )
    .delete(
      session,
      access(gateway),
      (c) => abort(c, gateway, c.req.param()),
    );
}
