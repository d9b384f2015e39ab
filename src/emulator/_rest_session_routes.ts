// The REST session routes of DocSpace 3.7.1+ (products/ASC.Files/Server/Api/UploadController.cs): the same
// FileUploader calls as the legacy endpoint, in the standard envelope, errors with real statuses
// (common/ASC.Api.Core/Middleware/ResponseWrapper.cs, CustomExceptionHandler).
import { type Context, Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { chunkNumberOf, readFormFile } from "./_chunk_upload.ts";
import { contextOf, type EmulatorCore } from "./_context.ts";
import { completionObject, fileObject, sessionObject } from "./_dto.ts";
import {
  envelope,
  envelopeError,
  type ExceptionName,
  unauthorized,
  validationProblem,
} from "./_envelope.ts";
import {
  abortSession,
  completedFile,
  type ExceptionKind,
  finalizeSession,
  ServerException,
  sessionGone,
  transferredBytes,
  uploadChunk,
} from "./_uploader.ts";
import type { StoredFile, UploadSession } from "./state.ts";

const STATUS: Record<ExceptionKind, [ContentfulStatusCode, ExceptionName]> = {
  argument: [400, "argument"],
  quota: [402, "quota"],
  "null-reference": [500, "nullReference"],
  io: [500, "io"],
};

const SESSION = "/:folderId/session/:sessionId";

/** UploadSessionResponseDto: the file, `uploaded` true once it is stored. */
function fileReply(
  core: EmulatorCore,
  c: Context,
  file: StoredFile,
  uploaded: boolean,
): Response {
  const { origin, user } = contextOf(core, c.req.raw);
  const folder = core.state.folders.get(String(file.folderId));
  const path = folder ? core.state.path(folder) : [file.folderId];
  const json = fileObject(file, origin, path, user);
  return envelope(
    c,
    completionObject(file, json, uploaded),
    uploaded ? 201 : 200,
  );
}

/**
 * The session by id. There is no owner check on these routes (unlike the legacy endpoint's
 * TryAuthorizeAsync): any signed-in user who knows the id may use it. A missing session is the
 * NullReferenceException of ChunkedUploadSessionHolder.GetSessionAsync. The `[ConstraintRoute("int")]`
 * controller serves numeric folder ids, the third-party one the others; a session of the other kind
 * cannot be read as this one's type, and fails the same way.
 */
function sessionOf(core: EmulatorCore, c: Context): UploadSession {
  const session = core.state.session(
    c.req.param("sessionId") ?? "",
    core.options.now(),
  );
  const numericRoute = /^\d+$/.test(c.req.param("folderId") ?? "");
  if (session === undefined || session.thirdParty === numericRoute) {
    throw sessionGone();
  }
  return session;
}

async function formChunk(core: EmulatorCore, c: Context) {
  // UploadSessionRequestDto.cs: `IFormFile File` binds the part named "file" (any case); under another
  // name it is null, and `inDto.File.OpenReadStream()` throws NullReferenceException
  const chunk = await readFormFile(core, c, "file");
  if (chunk === undefined) throw sessionGone();
  return chunk;
}

/** Runs a handler; a ServerException becomes the error envelope with its status. */
function guarded(
  core: EmulatorCore,
  body: (c: Context) => Promise<Response> | Response,
) {
  return async (c: Context): Promise<Response> => {
    if (contextOf(core, c.req.raw).user === undefined) return unauthorized(c);
    try {
      return await body(c);
    } catch (error) {
      if (!(error instanceof ServerException)) throw error;
      const [status, exception] = STATUS[error.kind];
      return envelopeError(c, status, error.message, exception);
    }
  };
}

/** UploadAsyncSession: a numbered chunk of the form file's real length; answers the session. */
async function uploadNumbered(
  core: EmulatorCore,
  c: Context,
): Promise<Response> {
  const rawNumber = c.req.query("chunkNumber");
  const number = chunkNumberOf(rawNumber);
  // UploadSessionAsyncRequestDto.ChunkNumber (`int?`): model binding's automatic 400, before the action
  if (rawNumber !== undefined && rawNumber !== "" && number === undefined) {
    return validationProblem(
      c,
      "ChunkNumber",
      `The value '${rawNumber}' is not valid for ChunkNumber.`,
    );
  }
  const session = sessionOf(core, c);
  const chunk = await formChunk(core, c);
  uploadChunk(core, session, {
    ...chunk,
    ...(number === undefined ? {} : { number }),
  });
  const { origin } = contextOf(core, c.req.raw);
  return envelope(c, sessionObject(session, origin, [session.folderId]));
}

/** FinalizeSession: as the legacy finalize; a small session is not removed. */
function finalize(core: EmulatorCore, c: Context): Response {
  const session = sessionOf(core, c);
  const file = session.small
    ? completedFile(core, session)
    : finalizeSession(core, session);
  return fileReply(core, c, file, true);
}

/**
 * UploadSession: a sequential chunk; 201 when the bytes add up (or at once when small), else 200 with
 * the not yet stored file.
 */
async function uploadSequential(
  core: EmulatorCore,
  c: Context,
): Promise<Response> {
  const session = sessionOf(core, c);
  const chunk = await formChunk(core, c);
  uploadChunk(core, session, chunk);
  if (session.small) {
    return fileReply(core, c, completedFile(core, session), true);
  }
  if (transferredBytes(core, session) === session.bytesTotal) {
    return fileReply(core, c, finalizeSession(core, session), true);
  }
  return fileReply(core, c, completedFile(core, session), false);
}

/** AbortUploadSession: no result, so the envelope has no `response`. */
function abort(core: EmulatorCore, c: Context): Response {
  abortSession(core, sessionOf(core, c));
  return envelope(c, undefined);
}

/** The REST session routes (server generation 3.7), mounted at /api/2.0/files. */
export function restSessionRoutes(core: EmulatorCore): Hono {
  return new Hono()
    .post(`${SESSION}/upload`, guarded(core, (c) => uploadNumbered(core, c)))
    .put(`${SESSION}/finalize`, guarded(core, (c) => finalize(core, c)))
    .post(SESSION, guarded(core, (c) => uploadSequential(core, c)))
    .delete(SESSION, guarded(core, (c) => abort(core, c)));
}
