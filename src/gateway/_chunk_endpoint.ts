// DocSpace's legacy chunk endpoint, `location` (ChunkedUploader.ashx): numbered and sequential chunks,
// finalize and abort, for the locations the gateway handed out, each bound to the caller that opened it.
// Its errors are answered in the ChunkedUploader's shape too (`success: false`, `message`): its own onError.
import { type Context, Hono } from "hono";
import type { Reply } from "../client/internal.ts";
import { access } from "./_access.ts";
import {
  type ChunkRequest,
  chunkRequest,
  sendForSession,
  upstreamLocation,
} from "./_chunk_request.ts";
import type { Gateway, GatewayEnv } from "./_context.ts";
import { completionFields, type Json, record } from "./_fields.ts";
import {
  type LocationMode,
  type LocationRequest,
  openLocation,
  publicBase,
  showSession,
  UPLOADER_PATH,
} from "./_location.ts";
import { permitFolder } from "./_permits.ts";
import { json, uploaderErrorResponse } from "./_responses.ts";
import type { BoundSession } from "./_session_binding.ts";
import { gatewayStatus } from "./_status_table.ts";
import { uploaderOf } from "./_upstream.ts";

/** The location's request upstream: its query and, for a chunk, the chunk held to its session. */
async function upstreamRequest(
  c: Context<GatewayEnv>,
  gateway: Gateway,
  session: BoundSession,
  mode: LocationMode,
): Promise<{ query: string; chunk?: ChunkRequest }> {
  switch (mode.kind) {
    case "chunk":
      return {
        chunk: await chunkRequest(c, gateway, session, mode.chunkNumber),
        query: mode.chunkNumber === undefined
          ? "upload=true"
          : `upload=true&chunkNumber=${mode.chunkNumber}`,
      };
    case "sequential":
      return {
        chunk: await chunkRequest(c, gateway, session, undefined),
        query: "",
      };
    default:
      return { query: `${mode.kind}=true` };
  }
}

/**
 * The ChunkedUploader's answer, `{success, data?, message}`: the file when the upload finished, else the
 * session as at creation; and what it tells the log (an upload finished, aborted, or failed).
 */
async function uploaderAnswer(
  c: Context<GatewayEnv>,
  gateway: Gateway,
  { bound, mode }: LocationRequest,
  reply: Reply,
): Promise<Response> {
  const { session } = bound;
  const entry = c.get("entry");
  const reading = uploaderOf(reply);
  const status = gatewayStatus("reply", reply.response.status);
  const answer: Json = { success: reading.ok };
  if (reading.ok && status === 201) {
    // A finished upload: the file.
    answer.data = completionFields(reading.value);
    entry.outcome = "uploaded";
    entry.bytes = session.bytesTotal;
    entry.since = session.created;
  } else if (reading.ok && record(reading.value) !== undefined) {
    // A chunk's reply: the session, shown as at creation.
    answer.data = showSession(
      reading.value,
      publicBase(c, gateway.config, UPLOADER_PATH),
      bound,
    );
  }
  if (reading.ok && mode.kind === "abort") {
    await gateway.coordinator.forgetSession(session.id);
    entry.outcome = "aborted";
  }
  if (!reading.ok) entry.outcome = "failed";
  const message = record(reading.body)?.message;
  answer.message = typeof message === "string" ? gateway.redact(message) : "";
  return json(answer, status);
}

/** `POST /ChunkedUploader.ashx?uid=…&gw=…[&upload=true&chunkNumber=N | &finalize=true | &abort=true]`. */
export function chunkEndpoint(gateway: Gateway): Hono<GatewayEnv> {
  return new Hono<GatewayEnv>().on(
    "POST",
    [UPLOADER_PATH, UPLOADER_PATH.toLowerCase()],
    access(gateway),
    async (c) => {
      const caller = c.get("caller");
      const location = await openLocation(
        gateway.signer,
        caller.id,
        new URL(c.req.url),
      );
      const { session } = location.bound;
      c.get("entry").folder = session.folderId;
      permitFolder(caller, session.folderId, gateway.config);
      const { query, chunk } = await upstreamRequest(
        c,
        gateway,
        session,
        location.mode,
      );
      const reply = await sendForSession(
        c,
        gateway,
        session,
        upstreamLocation(gateway, session, query),
        chunk?.init ?? { method: "POST" },
        chunk,
      );
      return await uploaderAnswer(c, gateway, location, reply);
    },
  ).onError(uploaderErrorResponse);
}
