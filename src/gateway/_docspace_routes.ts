// Route 2: DocSpace's own upload API (settings, create_session, session, ChunkedUploader.ashx), with the
// caller's credential swapped for the DocSpace token and every session bound to its caller. The REST session
// routes of DocSpace 3.7.1+ are in _rest_session_routes.ts.
import type { Context, Hono } from "hono";
import { permitFolder, permitSize } from "./_access.ts";
import { chunkInit, chunkNumberOf } from "./_chunk_request.ts";
import { openLocation, showSession, UPLOADER_PATH } from "./_location.ts";
import { GatewayError, json } from "./_reply.ts";
import { bindSession } from "./_session_binding.ts";
import { readSessionRequest } from "./_session_request.ts";
import {
  baseOf,
  callerOf,
  envelopeOf,
  type Gateway,
  notDocSpace,
  record,
  send,
} from "./_upstream.ts";

const API_SETTINGS = "/api/2.0/files/settings";

/** Adds the DocSpace-compatible routes: settings, both create-session routes and the legacy chunk endpoint. */
export function addDocSpaceRoutes(app: Hono, gateway: Gateway): void {
  const { config, signer } = gateway;
  app.get(API_SETTINGS, async (c) => {
    await callerOf(c, gateway);
    const body = envelopeOf(
      gateway,
      await send(gateway, config.docspaceUrl + API_SETTINGS, {}),
    );
    return json({ ...body, links: undefined });
  });

  const createSession = (wrapped: boolean) => async (c: Context) => {
    const caller = await callerOf(c, gateway);
    const folderId = c.req.param("folderId") ?? "";
    permitFolder(caller, folderId, config);
    const request = await readSessionRequest(c.req.raw);
    permitSize(caller, request.fileSize, config, false);
    const path = `/api/2.0/files/${encodeURIComponent(folderId)}/${
      wrapped ? "upload/create_session" : "session"
    }`;
    const body = envelopeOf(
      gateway,
      await send(gateway, config.docspaceUrl + path, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(request),
      }),
      wrapped ? {} : { since: "3.7.1 (use upload/create_session instead)" },
    );
    const response = record(body.response);
    const session = wrapped ? record(response?.data) : response;
    if (session === undefined) {
      throw new GatewayError(502, "DocSpace's reply has no session");
    }
    const bound = await bindSession(
      signer,
      caller.id,
      session,
      folderId,
      request.fileSize,
      config.docspaceOrigin,
    );
    showSession(session, baseOf(c, "/api/2.0/files/"), bound);
    return json({ ...body, links: undefined });
  };
  app.post(
    "/api/2.0/files/:folderId/upload/create_session",
    createSession(true),
  );
  app.post("/api/2.0/files/:folderId/session", createSession(false));

  const chunk = async (c: Context) => {
    const caller = await callerOf(c, gateway);
    const url = new URL(c.req.url);
    const bound = await openLocation(signer, caller.id, url);
    const { session } = bound;
    permitFolder(caller, session.folderId, config);
    const params = new URLSearchParams();
    for (const name of ["upload", "finalize", "abort"]) {
      const value = url.searchParams.get(name);
      if (value !== null) params.set(name, value);
    }
    const chunkNumber = chunkNumberOf(
      url.searchParams.get("chunkNumber") ?? undefined,
    );
    if (chunkNumber !== undefined) params.set("chunkNumber", chunkNumber);
    const hasBody = params.get("finalize") !== "true" &&
      params.get("abort") !== "true";
    const init = hasBody
      ? chunkInit(c, session)
      : { method: "POST", duplex: "half" as const };
    const query = params.size === 0
      ? ""
      : `${session.upstream.includes("?") ? "&" : "?"}${params}`;
    const reply = await send(
      gateway,
      config.docspaceOrigin + session.upstream + query,
      init,
    );
    const body = record(reply.json);
    if (body === undefined || typeof body.success !== "boolean") {
      throw notDocSpace(reply);
    }
    // A session object (a chunk's reply) is shown as at creation; a file object (a finished upload) as it is.
    const data = record(body.data);
    if (data !== undefined && typeof data.location === "string") {
      const base = url.pathname.slice(0, -UPLOADER_PATH.length);
      showSession(data, url.origin + base, bound);
    }
    if (typeof body.message === "string") {
      body.message = gateway.redact(body.message);
    }
    return json(body, reply.response.status === 201 ? 201 : 200);
  };
  app.post(UPLOADER_PATH, chunk);
  app.post(UPLOADER_PATH.toLowerCase(), chunk);
}
