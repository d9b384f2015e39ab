import type { Context, Hono } from "hono";
import {
  completeUpload,
  uploadNumbered,
  uploadSequential,
} from "./_chunk_upload.ts";
import { contextOf, type EmulatorCore } from "./_context.ts";
import { locationError, locationReply } from "./_envelope.ts";
import { UNKNOWN_SESSION } from "./_messages.ts";
import { SESSION_LIFETIME } from "./state.ts";

const NOT_AUTHORIZED =
  "Not authorized or session with specified upload id already expired";

/** Counts chunks 1..k without gaps, k <= ceil(total / chunkUploadSize), and joins their bytes. */
function assemble(core: EmulatorCore, c: Context, uid: string): Response {
  const { options, state } = core;
  const now = options.now();
  const session = state.sessions.get(uid);
  if (session === undefined) return locationError(c, UNKNOWN_SESSION);
  const last = Math.ceil(session.bytesTotal / options.chunkUploadSize);
  const parts: Uint8Array[] = [];
  let counted = 0;
  for (let n = 1; n <= last; n++) {
    const chunk = session.chunks.get(n);
    // Each stored chunk lives 12 h from its upload, even while later chunks renew the session.
    if (chunk === undefined || chunk.storedAt + SESSION_LIFETIME <= now) break;
    parts.push(chunk.bytes);
    counted += chunk.length;
  }
  if (session.small || counted !== session.bytesTotal) {
    return locationError(c, "uploadSize != bytesTotal");
  }
  return completeUpload(core, c, session, parts);
}

/** Adds `POST /ChunkedUploader.ashx`: numbered and sequential chunks, finalize and abort. */
export function addLocationRoute(app: Hono, core: EmulatorCore): void {
  const handler = (c: Context): Response | Promise<Response> => {
    if (c.req.method === "OPTIONS") return c.body(null, 200);
    const context = contextOf(core, c.req.raw);
    const uid = c.req.query("uid");
    if (context.user === undefined || !uid) {
      return locationError(c, NOT_AUTHORIZED);
    }
    const session = core.state.session(uid, core.options.now());
    if (session === undefined) return locationError(c, UNKNOWN_SESSION);
    if (session.user !== context.user.id) {
      return locationError(c, NOT_AUTHORIZED);
    }
    if (c.req.query("abort") === "true") {
      core.state.sessions.delete(uid);
      return locationReply(c, { success: true });
    }
    if (c.req.query("finalize") === "true") return assemble(core, c, uid);
    return c.req.query("upload") === "true"
      ? uploadNumbered(core, c, session)
      : uploadSequential(core, c, session);
  };
  app.on(["POST", "OPTIONS"], "/ChunkedUploader.ashx", handler);
  app.on(["POST", "OPTIONS"], "/chunkeduploader.ashx", handler);
}
