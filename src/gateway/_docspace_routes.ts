// DocSpace's own upload API, mounted at /api/2.0/files: the settings and both create-session routes, with the
// caller's credential swapped for the DocSpace token and every session bound to its caller. The chunk routes
// are in _chunk_endpoint.ts (legacy `location`) and _rest_session_routes.ts (3.7.1+).
import { type Context, Hono } from "hono";
import { createSessionUrl } from "../client/internal.ts";
import { access } from "./_access.ts";
import type { Caller, Gateway, GatewayEnv } from "./_context.ts";
import {
  envelopeFields,
  type Json,
  record,
  settingsFields,
} from "./_fields.ts";
import { idleBody } from "./_idle_body.ts";
import { API_FILES, publicBase, showSession } from "./_location.ts";
import { permitFolder, permitSize } from "./_permits.ts";
import { httpError, json } from "./_responses.ts";
import { bindSession } from "./_session_binding.ts";
import {
  type CreateSessionBody,
  readCreateSessionBody,
} from "./_create_session_body.ts";
import { envelopeOf, readSettings, send } from "./_upstream.ts";

/** The caller's create-session request, read and checked: its folder, its body's fields, the file's size. */
async function creationRequest(
  c: Context<GatewayEnv>,
  gateway: Gateway,
  folderId: string,
): Promise<CreateSessionBody> {
  const { config } = gateway;
  const caller = c.get("caller");
  const entry = c.get("entry");
  entry.folder = folderId;
  permitFolder(caller, folderId, config);
  const length = Number(c.req.header("content-length") ?? 0);
  const body = await idleBody(c.req.raw.body, config.idleTimeout);
  const request = await readCreateSessionBody(
    Number.isSafeInteger(length) ? length : Infinity,
    body.stream,
  );
  entry.bytes = request.fileSize;
  permitSize(caller, request.fileSize, config, false);
  return request;
}

/**
 * Opens the session at DocSpace: `wrapped` through `upload/create_session` (whose `response` is
 * `{success, data: <session>}`), else through `session` (3.7.1+, `response` is the session). Returns the
 * envelope and the session; 502 when the reply has none.
 */
async function openUpstream(
  gateway: Gateway,
  caller: Caller,
  folderId: string,
  request: CreateSessionBody,
  wrapped: boolean,
): Promise<{ envelope: Json; session: Json }> {
  const { body: envelope, value } = envelopeOf(
    gateway,
    await send(
      gateway,
      createSessionUrl(
        gateway.config.docspaceUrl,
        folderId,
        wrapped ? "legacy" : "rest",
      ),
      {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(request),
      },
      caller,
    ),
    wrapped ? {} : { since: "3.7.1 (use upload/create_session instead)" },
  );
  const session = record(wrapped ? record(value)?.data : value);
  if (session === undefined) {
    throw httpError(502, "DocSpace's reply has no session");
  }
  return { envelope, session };
}

/**
 * Opens a session upstream for the caller and answers it rebound, in the shape of the route it came by
 * (`wrapped`: `upload/create_session`, else `session`).
 */
async function createSession(
  c: Context<GatewayEnv>,
  gateway: Gateway,
  folderId: string,
  wrapped: boolean,
): Promise<Response> {
  const { config } = gateway;
  const caller = c.get("caller");
  const request = await creationRequest(c, gateway, folderId);
  const chunkUploadSize = await gateway.chunkSize.read();
  const { envelope, session } = await openUpstream(
    gateway,
    caller,
    folderId,
    request,
    wrapped,
  );
  const bound = await bindSession(
    gateway.signer,
    caller.id,
    session,
    folderId,
    request.fileSize,
    config.docspaceOrigin,
    chunkUploadSize,
    gateway.now(),
  );
  const shown = showSession(
    session,
    publicBase(c, config, `${API_FILES}/`),
    bound,
  );
  return json(
    envelopeFields(envelope, wrapped ? { success: true, data: shown } : shown),
  );
}

/** `GET /settings`, `POST /:folderId/upload/create_session` and `POST /:folderId/session`. */
export function docSpaceApi(gateway: Gateway): Hono<GatewayEnv> {
  return new Hono<GatewayEnv>()
    .get("/settings", access(gateway), async (c) => {
      const { body, value } = await readSettings(gateway, c.get("caller"));
      return json(envelopeFields(body, settingsFields(value)));
    })
    .post(
      "/:folderId/upload/create_session",
      access(gateway),
      (c) => createSession(c, gateway, c.req.param("folderId"), true),
    )
    .post(
      "/:folderId/session",
      access(gateway),
      (c) => createSession(c, gateway, c.req.param("folderId"), false),
    );
}
