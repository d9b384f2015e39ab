// The legacy chunk endpoint, `location` (products/ASC.Files/Core/HttpHandlers/ChunkedUploaderHandler.cs):
// replies `{success, data, message}`, every error HTTP 200 with `success:false`.
import { type Context, Hono } from "hono";
import {
  chunkNumberOf,
  readFormFile,
  readNumberedChunk,
} from "./_chunk_upload.ts";
import { contextOf, type EmulatorCore } from "./_context.ts";
import { completionObject, fileObject, sessionObject } from "./_dto.ts";
import { locationError, locationReply } from "./_envelope.ts";
import { UNKNOWN_SESSION } from "./_messages.ts";
import {
  abortSession,
  completedFile,
  finalizeSession,
  ServerException,
  transferredBytes,
  uploadChunk,
} from "./_uploader.ts";
import type { StoredFile, UploadSession } from "./state.ts";

const NOT_AUTHORIZED =
  "Not authorized or session with specified upload id already expired";

/** ToResponseObject: 201 with the file, `uploaded: true`. */
function completed(core: EmulatorCore, c: Context, file: StoredFile): Response {
  const { origin, user } = contextOf(core, c.req.raw);
  const folder = core.state.folders.get(String(file.folderId));
  const path = folder ? core.state.path(folder) : [file.folderId];
  const json = fileObject(file, origin, path, user);
  return locationReply(c, {
    success: true,
    data: completionObject(file, json, true),
  }, 201);
}

/** ChunkedUploadSessionHelper.ToResponseObjectAsync without breadcrumbs: `path` is `[folderId]`. */
function stored(core: EmulatorCore, c: Context, session: UploadSession) {
  const { origin } = contextOf(core, c.req.raw);
  return locationReply(c, {
    success: true,
    data: sessionObject(session, origin, [session.folderId]),
  });
}

/** The request types of ChunkedRequestHelper.Type(), in its order of precedence. */
async function handle(
  core: EmulatorCore,
  c: Context,
  session: UploadSession,
): Promise<Response> {
  if (c.req.query("abort") === "true") {
    abortSession(core, session);
    return locationReply(c, { success: true });
  }
  if (c.req.query("finalize") === "true") {
    // A small session is not finalized and not removed: every finalize answers 201 with its file.
    if (session.small) return completed(core, c, completedFile(core, session));
    return completed(core, c, finalizeSession(core, session));
  }
  if (c.req.query("upload") === "true") {
    const chunk = readNumberedChunk(core, c);
    const number = chunkNumberOf(c.req.query("chunkNumber"));
    uploadChunk(core, session, {
      ...chunk,
      ...(number === undefined ? {} : { number }),
    });
    return stored(core, c, session); // numbered chunks never complete the file: 200, always
  }
  // Sequential ("Upload"): the form file; 201 once the bytes add up, or at once for a small session.
  const chunk = await readFormFile(core, c);
  if (chunk === undefined) {
    throw new ServerException("io", "HttpRequest.Files is empty");
  }
  if (core.state.sessions.get(session.id) !== session) {
    throw new ServerException("null-reference", UNKNOWN_SESSION);
  }
  uploadChunk(core, session, chunk);
  if (session.small) return completed(core, c, completedFile(core, session));
  if (transferredBytes(core, session) === session.bytesTotal) {
    return completed(core, c, finalizeSession(core, session));
  }
  return stored(core, c, session);
}

/**
 * The chunk endpoint, mounted at the root. The server maps every request whose path ends in
 * `ChunkedUploader.ashx`, in any letter case and with any method, to the handler
 * (products/ASC.Files/Server/Extensions/FilesServerServiceExtensions.cs, MapWhen).
 */
export function locationRoute(core: EmulatorCore): Hono {
  return new Hono().all("*", async (c, next) => {
    if (!/ChunkedUploader\.ashx$/i.test(c.req.path)) return await next();
    if (c.req.method === "OPTIONS") return c.body(null, 200);
    const context = contextOf(core, c.req.raw);
    const uid = c.req.query("uid");
    // TryAuthorizeAsync: a user, a uid, and the session's own user. A missing session throws there.
    if (context.user === undefined || !uid) {
      return locationError(c, NOT_AUTHORIZED);
    }
    const session = core.state.session(uid, core.options.now());
    if (session === undefined) return locationError(c, UNKNOWN_SESSION);
    if (session.user !== context.user.id) {
      return locationError(c, NOT_AUTHORIZED);
    }
    try {
      return await handle(core, c, session);
    } catch (error) {
      if (error instanceof ServerException) {
        return locationError(c, error.message);
      }
      throw error;
    }
  });
}
