// Route 2: DocSpace's own upload API (settings, create_session, session, ChunkedUploader.ashx), with the
// caller's credential swapped for the DocSpace token and every location bound to its caller.
import type { Context, Hono } from "hono";
import { contentLength, permitFolder, permitSize } from "./_gateway_access.ts";
import {
  bindLocation,
  openLocation,
  UPLOADER_PATH,
} from "./_gateway_location.ts";
import { GatewayError, json } from "./_gateway_reply.ts";
import { readSessionRequest } from "./_gateway_session_request.ts";
import {
  baseOf,
  callerOf,
  envelopeOf,
  type Gateway,
  notDocSpace,
  record,
  send,
} from "./_gateway_upstream.ts";
import { MAX_CHUNK_SIZE } from "./rechunk_stream.ts";

const API_SETTINGS = "/api/2.0/files/settings";

/** Adds the DocSpace-compatible routes. */
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
    );
    const response = record(body.response);
    const session = wrapped ? record(response?.data) : response;
    if (session === undefined) {
      throw new GatewayError(502, "DocSpace's reply has no session");
    }
    session.location = await bindLocation(
      signer,
      caller.id,
      session.location,
      request.fileSize,
      config.docspaceOrigin,
      baseOf(c, "/api/2.0/files/"),
    );
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
    const session = await openLocation(signer, caller.id, url);
    const params = new URLSearchParams();
    for (const name of ["upload", "chunkNumber", "finalize", "abort"]) {
      const value = url.searchParams.get(name);
      if (value !== null) params.set(name, value);
    }
    const hasBody = params.get("finalize") !== "true" &&
      params.get("abort") !== "true";
    const init: RequestInit & { duplex: "half" } = {
      method: "POST",
      duplex: "half",
    };
    if (hasBody) {
      const length = contentLength(c.req.header("content-length"));
      // The framing of one part adds a few hundred bytes; a chunk never exceeds the file or 10 MiB.
      if (length > Math.min(session.bytesTotal, MAX_CHUNK_SIZE) + 16384) {
        throw new GatewayError(
          413,
          `The chunk request has ${length} bytes, more than this session's file or chunk size allows`,
        );
      }
      init.headers = {
        "content-type": c.req.header("content-type") ?? "",
        "content-length": String(length),
      };
      init.body = length > 0 ? c.req.raw.body : null;
    }
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
    const data = record(body.data);
    if (typeof data?.location === "string") {
      url.search = "";
      url.searchParams.set("uid", c.req.query("uid") ?? "");
      url.searchParams.set("gw", c.req.query("gw") ?? "");
      data.location = url.href;
    }
    if (typeof body.message === "string") {
      body.message = gateway.redact(body.message);
    }
    return json(body, reply.response.status === 201 ? 201 : 200);
  };
  app.post(UPLOADER_PATH, chunk);
  app.post(UPLOADER_PATH.toLowerCase(), chunk);
}
