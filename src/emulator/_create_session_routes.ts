// Where an upload starts (products/ASC.Files/Server/Api/UploadController.cs): the create-session routes,
// edit_session, and the web client's title check before it creates any. Mounted at /api/2.0/files.
import { type Context, Hono } from "hono";
import { contextOf, type EmulatorCore } from "./_context.ts";
import { parseCreateSessionBody } from "./_create_session_body.ts";
import { maxSizeMessage, sessionObject } from "./_dto.ts";
import {
  envelope,
  envelopeError,
  unauthorized,
  validationProblem,
} from "./_envelope.ts";
import {
  fileByTitle,
  type SessionFile,
  verifyUpload,
} from "./_verify_upload.ts";
import type { EmulatorUser } from "./options.ts";
import { SESSION_LIFETIME, type UploadSession } from "./state.ts";

function randomId(): string {
  return Array.from(
    crypto.getRandomValues(new Uint8Array(16)),
    (b) => b.toString(16).padStart(2, "0"),
  )
    .join("");
}

/**
 * FileUploader.InitiateUploadAsync: the DAO's session with the 12 h sliding expiry; `keepVersion` for
 * edit_session. A new version keeps the stored file's title (FileDao.GetFileForCommitAsync reads the file).
 */
function initiateUpload(
  core: EmulatorCore,
  c: Context,
  user: EmulatorUser,
  file: SessionFile,
  fileSize: number,
): { session: UploadSession; data: Record<string, unknown> } {
  const { options, state } = core;
  const now = options.now();
  const thirdParty = typeof file.folder.id === "string";
  const session: UploadSession = {
    id: randomId(),
    user: user.id,
    folderId: file.folder.id,
    thirdParty,
    title: file.fileId === undefined
      ? file.title
      : state.file(file.fileId)?.title ?? file.title,
    bytesTotal: fileSize,
    ...(file.fileId === undefined ? {} : { fileId: file.fileId }),
    saved: false,
    ...(file.keepVersion ? { keepVersion: true } : {}),
    ...(file.relativePath === undefined
      ? {}
      : { relativePath: file.relativePath }),
    created: now,
    expired: now + SESSION_LIFETIME,
    // CommonChunkedUploadSessionHolder.InitAsync (`BytesTotal < MaxChunkUploadSize && BytesTotal != -1`) and
    // the third-party DAOs (below one chunk): chunking off
    small: fileSize < options.chunkUploadSize &&
      (thirdParty || fileSize !== -1),
    chunks: new Map(),
    chunksUploaded: 0,
    appended: [],
    bytesTransferred: 0,
  };
  state.sessions.set(session.id, session);
  return {
    session,
    // ToResponseObjectAsync(session, appendBreadCrumbs: true): `path` from the root
    data: sessionObject(
      session,
      contextOf(core, c.req.raw).origin,
      state.path(file.folder),
    ),
  };
}

/** `create_session` (wrapped as `{success, data}`) and 3.7.1's `session` (the bare session). */
function createInFolder(
  core: EmulatorCore,
  c: Context,
  wrap: boolean,
): Response {
  const context = contextOf(core, c.req.raw);
  if (context.user === undefined) return unauthorized(c);
  const request = parseCreateSessionBody(context.body);
  if ("field" in request) {
    return validationProblem(c, request.field, request.message);
  }
  const file = verifyUpload(core, c, context.user, {
    folder: core.state.folders.get(c.req.param("folderId") ?? ""),
    title: request.fileName,
    fileSize: request.fileSize,
    createNewIfExist: request.createNewIfExist,
    ...(request.relativePath === undefined
      ? {}
      : { relativePath: request.relativePath }),
  });
  if (file instanceof Response) return file;
  const opened = initiateUpload(core, c, context.user, file, request.fileSize);
  return envelope(c, wrap ? { success: true, data: opened.data } : opened.data);
}

/** The body's `filesTitle` (any case); undefined when the body does not parse. */
function filesTitleOf(body: Uint8Array): unknown {
  try {
    const json = JSON.parse(new TextDecoder().decode(body));
    return Object.entries(json ?? {}).find(([k]) =>
      k.toLowerCase() === "filestitle"
    )?.[1];
  } catch {
    return undefined;
  }
}

/** The titles found in the folder (a set, in the order asked), or the refusal of a null or empty one. */
function foundTitles(
  core: EmulatorCore,
  c: Context,
  folderId: number | string,
  titles: unknown[],
): string[] | Response {
  const found = new Set<string>();
  for (const title of titles) {
    if (typeof title !== "string" || title === "") {
      return title === null || title === undefined
        ? envelopeError(
          c,
          400,
          "Value cannot be null. (Parameter 'title')",
          "argumentNull",
        )
        : envelopeError(
          c,
          400,
          "The value cannot be an empty string. (Parameter 'title')",
        );
    }
    if (fileByTitle(core.state, folderId, title)) found.add(title);
  }
  return [...found];
}

/**
 * The web client's check before uploading: which of these titles already exist in the folder
 * (UploadController.cs, CheckUploadAsync): folder 404, create right 403 (InvalidOperationException), then
 * each title as sent looked up by FileDao.GetFileAsync (the collation's comparison; an empty title is an
 * ArgumentException); a HashSet of the titles found.
 */
function checkUpload(core: EmulatorCore, c: Context): Response {
  const context = contextOf(core, c.req.raw);
  if (context.user === undefined) return unauthorized(c);
  const titles = filesTitleOf(context.body);
  if (!Array.isArray(titles)) {
    return envelopeError(
      c,
      400,
      "Value cannot be null. (Parameter 'filesTitle')",
      "argumentNull",
    );
  }
  const folder = core.state.folders.get(c.req.param("folderId") ?? "");
  if (folder === undefined) {
    return envelopeError(c, 404, "The required folder was not found");
  }
  if (!core.state.canWrite(folder, context.user.id)) {
    return envelopeError(
      c,
      403,
      "You don't have enough permission to create",
      "invalidOperation",
    );
  }
  const found = foundTitles(core, c, folder.id, titles);
  return found instanceof Response ? found : envelope(c, found);
}

/** CreateEditSessionRequestDto: `[FromQuery] long FileSize`, 0 when absent; a Response when it does not parse. */
function fileSizeQuery(c: Context): number | Response {
  const size = c.req.query("fileSize") ?? "";
  if (size !== "" && !/^\s*[-+]?\d+\s*$/.test(size)) {
    return validationProblem(
      c,
      "fileSize",
      `The value '${size}' is not valid for FileSize.`,
    );
  }
  return size === "" ? 0 : Number(size);
}

/**
 * UploadController.CreateEditSession → UploadControllerHelper.CreateEditSessionAsync
 * (products/ASC.Files/Server/Helpers/UploadControllerHelper.cs): FileUploader.VerifyChunkedUploadForEditing
 * (file 404, size 402, edit right 403), then a session with keepVersion, answered `{success, data}`.
 */
function editSession(core: EmulatorCore, c: Context): Response {
  const { options, state } = core;
  const user = contextOf(core, c.req.raw).user;
  if (user === undefined) return unauthorized(c);
  const fileSize = fileSizeQuery(c);
  if (fileSize instanceof Response) return fileSize;
  const file = state.files.find((f) => String(f.id) === c.req.param("fileId"));
  const folder = file && state.folders.get(String(file.folderId));
  if (file === undefined || folder === undefined) {
    return envelopeError(
      c,
      404,
      "The required file was not found",
      "fileNotFound",
    );
  }
  if (fileSize > options.maxFileSize) {
    return envelopeError(c, 402, maxSizeMessage(options.maxFileSize));
  }
  if (!state.canWrite(folder, user.id)) {
    return envelopeError(c, 403, "Access denied");
  }
  const opened = initiateUpload(core, c, user, {
    folder,
    title: file.title,
    fileId: file.id,
    keepVersion: true,
  }, fileSize);
  return envelope(c, { success: true, data: opened.data });
}

/** `create_session`, `session` (not on a 3.6 server), `upload/check` and `edit_session`, mounted at /api/2.0/files. */
export function createSessionRoutes(core: EmulatorCore): Hono {
  const app = new Hono();
  app.post(
    "/:folderId/upload/create_session",
    (c) => createInFolder(core, c, true),
  );
  // UploadController.cs: `POST {folderId}/session` came with the REST session routes in 3.7.1.
  if (core.options.serverVersion !== "3.6") {
    app.post("/:folderId/session", (c) => createInFolder(core, c, false));
  }
  app.post("/:folderId/upload/check", (c) => checkUpload(core, c));
  app.post("/file/:fileId/edit_session", (c) => editSession(core, c));
  return app;
}
