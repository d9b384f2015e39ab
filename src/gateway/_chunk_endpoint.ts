// DocSpace's legacy chunk endpoint, `location` (ChunkedUploader.ashx): numbered and sequential chunks,
// finalize and abort, for the locations the gateway handed out, each bound to the caller that opened it.
import { Hono } from "hono";
import { access } from "./_access.ts";
import { type ChunkRequest, chunkRequest, expired } from "./_chunk_request.ts";
import type { Gateway, GatewayEnv } from "./_context.ts";
import { completionFields, type Json, record } from "./_fields.ts";
import {
  openLocation,
  publicBase,
  showSession,
  UPLOADER_PATH,
} from "./_location.ts";
import { permitFolder } from "./_permits.ts";
import { json, uploaderErrorResponse } from "./_responses.ts";
import { gatewayStatus } from "./_status_table.ts";
import { send, uploaderOf } from "./_upstream.ts";

/** `POST /ChunkedUploader.ashx?uid=…&gw=…[&upload=true&chunkNumber=N | &finalize=true | &abort=true]`. */
export function chunkEndpoint(gateway: Gateway): Hono<GatewayEnv> {
  const { config } = gateway;
  return new Hono<GatewayEnv>().on(
    "POST",
    [UPLOADER_PATH, UPLOADER_PATH.toLowerCase()],
    access(gateway),
    async (c) => {
      const caller = c.get("caller");
      const entry = c.get("entry");
      const { bound, mode } = await openLocation(
        gateway.signer,
        caller.id,
        new URL(c.req.url),
      );
      const { session } = bound;
      entry.folder = session.folderId;
      permitFolder(caller, session.folderId, config);
      let query: string;
      let chunk: ChunkRequest | undefined;
      switch (mode.kind) {
        case "chunk":
          chunk = await chunkRequest(c, gateway, session, mode.chunkNumber);
          query = mode.chunkNumber === undefined
            ? "upload=true"
            : `upload=true&chunkNumber=${mode.chunkNumber}`;
          break;
        case "sequential":
          chunk = await chunkRequest(c, gateway, session, undefined);
          query = "";
          break;
        default:
          query = `${mode.kind}=true`;
      }
      const separator = session.upstream.includes("?") ? "&" : "?";
      let reply;
      try {
        reply = await send(
          gateway,
          config.docspaceOrigin + session.upstream +
            (query === "" ? "" : separator + query),
          chunk?.init ?? { method: "POST" },
          caller,
        );
      } catch (error) {
        throw expired(c, gateway, session, error) ??
          chunk?.body.failure() ?? error;
      }
      // A body that broke off is the answer, whatever DocSpace made of the part it got.
      const broken = chunk?.body.failure();
      if (broken !== undefined) throw broken;
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
          publicBase(c, config, UPLOADER_PATH),
          bound,
        );
      }
      if (reading.ok && mode.kind === "abort") {
        await gateway.coordinator.forgetSession(session.id);
        entry.outcome = "aborted";
      }
      if (!reading.ok) entry.outcome = "failed";
      const message = record(reading.body)?.message;
      answer.message = typeof message === "string"
        ? gateway.redact(message)
        : "";
      return json(answer, status);
    },
  ).onError(uploaderErrorResponse);
}
