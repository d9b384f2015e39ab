// The REST session routes of DocSpace 3.7.1+ (numbered chunk, sequential chunk, finalize, abort), passed through
// for the session ids the gateway handed out. DocSpace does not check a session's owner on these routes, so the
// gateway does: the id must be a token bound to this caller and this folder (see _session_binding.ts).
import type { Context, Hono } from "hono";
import { permitFolder, permitSize } from "./_access.ts";
import {
  chunkInit,
  chunkNumberOf,
  type StreamingInit,
} from "./_chunk_request.ts";
import { showSession } from "./_location.ts";
import { GatewayError, json } from "./_reply.ts";
import { openSession, type SessionToken } from "./_session_binding.ts";
import {
  baseOf,
  callerOf,
  envelopeOf,
  type Gateway,
  record,
  send,
} from "./_upstream.ts";

const SESSION_ROUTE = "/api/2.0/files/:folderId/session/:sessionId";
const API_FILES = "/api/2.0/files/";
const SINCE = "3.7.1 (use the session's location instead)";

/** Adds `POST …/session/:sessionId/upload`, `PUT …/finalize`, `POST …/session/:sessionId` and `DELETE` it. */
export function addRestSessionRoutes(app: Hono, gateway: Gateway): void {
  const { config, signer } = gateway;

  /** The caller's bound session for this route, checked like the chunk endpoint's; 401, 400, 403 or 413. */
  const open = async (c: Context): Promise<SessionToken> => {
    const caller = await callerOf(c, gateway);
    const folderId = c.req.param("folderId") ?? "";
    permitFolder(caller, folderId, config);
    const bound = await openSession(
      signer,
      caller.id,
      c.req.param("sessionId") ?? "",
    );
    if (bound.session.folderId !== folderId) {
      throw new GatewayError(
        403,
        `This upload session was opened in folder ${
          JSON.stringify(bound.session.folderId)
        }, not ${JSON.stringify(folderId)}`,
      );
    }
    permitSize(caller, bound.session.bytesTotal, config, false);
    return bound;
  };

  /** Sends the request to the same route upstream, for DocSpace's own session id; the envelope and status back. */
  const forward = async (
    bound: SessionToken,
    suffix: string,
    init: RequestInit | StreamingInit,
    options: { emptyResponse?: boolean } = {},
  ): Promise<{ body: Record<string, unknown>; status: number }> => {
    const { session } = bound;
    const url = `${config.docspaceUrl}${API_FILES}${
      encodeURIComponent(session.folderId)
    }/session/${encodeURIComponent(session.id)}${suffix}`;
    const reply = await send(gateway, url, init);
    const body = envelopeOf(gateway, reply, { since: SINCE, ...options });
    return {
      body: { ...body, links: undefined },
      status: reply.response.status === 201 ? 201 : 200,
    };
  };

  // A numbered chunk: 200 with the session (also for a small file, which the server stores now and the client
  // finalizes next), shown to the caller as at creation.
  app.post(`${SESSION_ROUTE}/upload`, async (c) => {
    const bound = await open(c);
    const chunkNumber = chunkNumberOf(c.req.query("chunkNumber"));
    const query = chunkNumber === undefined
      ? ""
      : `?chunkNumber=${chunkNumber}`;
    const { body, status } = await forward(
      bound,
      `/upload${query}`,
      chunkInit(c, bound.session),
    );
    const session = record(body.response);
    if (session !== undefined) {
      showSession(session, baseOf(c, API_FILES), bound);
    }
    return json(body, status);
  });

  // Finalize: 201 with the file.
  app.put(`${SESSION_ROUTE}/finalize`, async (c) => {
    const bound = await open(c);
    const { body, status } = await forward(bound, "/finalize", {
      method: "PUT",
    });
    return json(body, status);
  });

  // A sequential chunk: 201 with the file when it completes it, 200 with the file still unsaved otherwise.
  app.post(SESSION_ROUTE, async (c) => {
    const bound = await open(c);
    const { body, status } = await forward(
      bound,
      "",
      chunkInit(c, bound.session),
    );
    return json(body, status);
  });

  // Abort: 200 with an envelope without `response`.
  app.delete(SESSION_ROUTE, async (c) => {
    const bound = await open(c);
    const { body, status } = await forward(bound, "", {
      method: "DELETE",
    }, { emptyResponse: true });
    return json(body, status);
  });
}
