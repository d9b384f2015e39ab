import type { Context, Hono } from "hono";
import { contextOf, type EmulatorCore } from "./_context.ts";
import { maxSizeMessage, sessionObject } from "./_dto.ts";
import {
  envelope,
  envelopeError,
  unauthorized,
  validationProblem,
} from "./_envelope.ts";
import { parseSessionRequest } from "./_session_request.ts";
import type { EmulatorFolder, EmulatorUser } from "./options.ts";
import {
  type EmulatorState,
  SESSION_LIFETIME,
  type StoredFile,
  type UploadSession,
} from "./state.ts";
import { cleanTitle, fileExtension, storedTitle, titleKey } from "./_title.ts";

function randomId(): string {
  return Array.from(
    crypto.getRandomValues(new Uint8Array(16)),
    (b) => b.toString(16).padStart(2, "0"),
  )
    .join("");
}

/** What is to be uploaded where; internal to the emulator's routes. */
export interface SessionTarget {
  /** The largest size allowed; `maxFileSize` (the chunked limit) when absent. */
  maxSize?: number;
  /** The folder, or undefined when it does not exist (checked after size and type, as the server does). */
  folder: EmulatorFolder | undefined;
  /** Null when the body's `fileName` was null. */
  title: string | null;
  fileSize: number;
  createNewIfExist: boolean;
  relativePath?: string;
}

/** A file chosen for a session: a new version of `fileId`, or a new file of `title`. */
export interface SessionFile {
  folder: EmulatorFolder;
  title: string;
  fileId?: number | string;
  keepVersion?: boolean;
  relativePath?: string;
}

/** Title lookups as the folder's DAO makes them (`utf8_general_ci` natively, ignore-case in third-party ones). */
function sameTitle(native: boolean, a: string, b: string): boolean {
  return native
    ? titleKey(a) === titleKey(b)
    : a.toUpperCase() === b.toUpperCase();
}

/** FileDao.GetFileAsync(parentId, title): the oldest current file of that title (OrderBy CreateOn). */
export function fileByTitle(
  state: EmulatorState,
  folderId: number | string,
  title: string,
): StoredFile | undefined {
  const native = typeof folderId === "number";
  return state.files.find((f) =>
    String(f.folderId) === String(folderId) &&
    sameTitle(native, f.title, title)
  );
}

/**
 * Global.GetAvailableTitleAsync (products/ASC.Files/Core/Helpers/Global.cs): " (1)" before the last dot
 * (or at the end), then " (2)", … while the DAO's IsExistAsync finds the title.
 */
function availableTitle(
  state: EmulatorState,
  folderId: number | string,
  title: string,
): string {
  if (fileByTitle(state, folderId, title) === undefined) return title;
  const dot = title.lastIndexOf(".");
  const [base, ext] = dot < 0
    ? [title, ""]
    : [title.slice(0, dot), title.slice(dot)];
  let n = 1;
  while (fileByTitle(state, folderId, `${base} (${n})${ext}`)) n++;
  return `${base} (${n})${ext}`;
}

/**
 * FileUploader.VerifyChunkedUploadAsync and VerifyFileUploadAsync (products/ASC.Files/Core/Utils/FileUploader.cs):
 * size 402, title cleaned, the upload filter's 415, folder 404, create right 403, subfolders found or made,
 * then the file looked up by the cleaned title as sent (FileDao.GetFileAsync; an empty title is an
 * ArgumentException): a new version of it, or with createNewIfExist a new file under a free title. A
 * Response when refused.
 */
export function verifyUpload(
  core: EmulatorCore,
  c: Context,
  user: EmulatorUser,
  target: SessionTarget,
): Response | SessionFile {
  const { options, state } = core;
  const maxSize = target.maxSize ?? options.maxFileSize;
  if (target.fileSize > maxSize) {
    return envelopeError(c, 402, maxSizeMessage(maxSize));
  }
  let title = target.title === null ? null : cleanTitle(target.title);
  if (
    options.uploadableExtensions !== undefined &&
    !options.uploadableExtensions.includes(fileExtension(title ?? ""))
  ) {
    return envelopeError(c, 415, "Sorry, this file format isn't supported");
  }
  // GetFolderIdAsync: DirectoryNotFoundException, then SecurityException (reported as "Access denied")
  if (target.folder === undefined) {
    return envelopeError(
      c,
      404,
      "The required folder was not found",
      "directoryNotFound",
    );
  }
  if (!state.canWrite(target.folder, user.id)) {
    return envelopeError(c, 403, "Access denied");
  }
  // Each segment cleaned and looked up by title (FolderDao.GetFolderAsync(title, parentId)); an empty one
  // ends the walk (the rest is ignored).
  const segments: string[] = [];
  for (const segment of (target.relativePath ?? "").split("/")) {
    const cleaned = cleanTitle(segment);
    if (cleaned === "") break;
    segments.push(cleaned);
  }
  const folder = state.subfolder(target.folder, segments, options.now());
  // FileDao.GetFileAsync(parentId, title): ArgumentException.ThrowIfNullOrEmpty(title)
  if (title === null) {
    return envelopeError(
      c,
      400,
      "Value cannot be null. (Parameter 'title')",
      "argumentNull",
    );
  }
  if (title === "") {
    return envelopeError(
      c,
      400,
      "The value cannot be an empty string. (Parameter 'title')",
    );
  }
  const existing = fileByTitle(state, folder.id, title);
  if (existing && !target.createNewIfExist) {
    return {
      folder,
      title,
      fileId: existing.id,
      ...(target.relativePath === undefined
        ? {}
        : { relativePath: target.relativePath }),
    };
  }
  if (existing) title = availableTitle(state, folder.id, title);
  return {
    folder,
    // FileDao.SaveFileAsync stores a native file's extension lower-cased, and a trailing dot without one.
    title: typeof folder.id === "number" ? storedTitle(title) : title,
    ...(target.relativePath === undefined
      ? {}
      : { relativePath: target.relativePath }),
  };
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

function createInFolder(
  core: EmulatorCore,
  c: Context,
  wrap: boolean,
): Response {
  const context = contextOf(core, c.req.raw);
  if (context.user === undefined) return unauthorized(c);
  const request = parseSessionRequest(context.body);
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

/** Adds the /api/2.0 routes: settings, authentication, create_session, session, upload/check, edit_session. */
export function addApiRoutes(app: Hono, core: EmulatorCore): void {
  const { options, state } = core;
  // products/ASC.Files/Server/Api/SettingsController.cs; the sizes from web/ASC.Web.Core/SetupInfo.cs
  app.get("/api/2.0/files/settings", (c) =>
    envelope(c, {
      storeOriginalFiles: true,
      confirmDelete: true,
      updateIfExist: false,
      keepNewFileName: false,
      convertNotify: true,
      hideConfirmConvertSave: false,
      chunkUploadSize: options.chunkUploadSize,
      maxUploadThreadCount: options.maxUploadThreadCount,
      maxUploadFilesCount: 5,
      // FileUtility.ExtsMustConvert (products/ASC.Files/Core/Helpers/FileUtility.cs): the formats with the
      // "auto-convert" action, which a single-request upload converts (FileUploader.ExecAsync)
      extsMustConvert: options.extsMustConvert,
      openEditorInSameTab: false,
      displayFileExtension: true,
    }));
  // web/ASC.Web.Api/Api/AuthenticationController.cs: userName and password for a token
  const authentication = (c: Context): Response => {
    const fields = new Map<string, unknown>();
    try {
      const json = JSON.parse(
        new TextDecoder().decode(contextOf(core, c.req.raw).body),
      );
      for (const [k, v] of Object.entries(json ?? {})) {
        fields.set(k.toLowerCase(), v);
      }
    } catch { /* an unreadable body authenticates nobody */ }
    const name = String(fields.get("username") ?? "").toLowerCase();
    const user = options.users.find((u) =>
      u.email !== undefined && u.password !== undefined &&
      u.tokens[0] !== undefined &&
      u.email.toLowerCase() === name && u.password === fields.get("password")
    );
    if (user === undefined) {
      return envelopeError(c, 401, "User authentication failed");
    }
    const expires = new Date(options.now() + 365 * 24 * 3600 * 1000)
      .toISOString();
    return envelope(c, {
      token: user.tokens[0],
      expires,
      sms: false,
      phoneNoise: "",
      tfa: false,
    });
  };
  app.post("/api/2.0/authentication", authentication);
  app.post("/api/2.0/authentication.json", authentication);
  app.post(
    "/api/2.0/files/:folderId/upload/create_session",
    (c) => createInFolder(core, c, true),
  );
  // UploadController.cs: `POST {folderId}/session` came with the REST session routes in 3.7.1.
  if (options.serverVersion !== "3.6") {
    app.post(
      "/api/2.0/files/:folderId/session",
      (c) => createInFolder(core, c, false),
    );
  }
  // The web client's check before uploading: which of these titles already exist in the folder
  // (UploadController.cs, CheckUploadAsync): folder 404, create right 403 (InvalidOperationException), then
  // each title as sent looked up by FileDao.GetFileAsync (the collation's comparison; an empty title is an
  // ArgumentException); a HashSet of the titles found.
  app.post("/api/2.0/files/:folderId/upload/check", (c) => {
    const context = contextOf(core, c.req.raw);
    if (context.user === undefined) return unauthorized(c);
    let titles: unknown = undefined;
    try {
      const json = JSON.parse(new TextDecoder().decode(context.body));
      titles = Object.entries(json ?? {}).find(([k]) =>
        k.toLowerCase() === "filestitle"
      )?.[1];
    } catch { /* handled below */ }
    if (!Array.isArray(titles)) {
      return envelopeError(
        c,
        400,
        "Value cannot be null. (Parameter 'filesTitle')",
        "argumentNull",
      );
    }
    const folder = state.folders.get(c.req.param("folderId") ?? "");
    if (folder === undefined) {
      return envelopeError(c, 404, "The required folder was not found");
    }
    if (!state.canWrite(folder, context.user.id)) {
      return envelopeError(
        c,
        403,
        "You don't have enough permission to create",
        "invalidOperation",
      );
    }
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
      if (fileByTitle(state, folder.id, title)) found.add(title);
    }
    return envelope(c, [...found]);
  });
  // UploadController.CreateEditSession → UploadControllerHelper.CreateEditSessionAsync
  // (products/ASC.Files/Server/Helpers/UploadControllerHelper.cs): FileUploader.VerifyChunkedUploadForEditing
  // (file 404, size 402, edit right 403), then a session with keepVersion, answered `{success, data}`.
  app.post("/api/2.0/files/file/:fileId/edit_session", (c) => {
    const user = contextOf(core, c.req.raw).user;
    if (user === undefined) return unauthorized(c);
    // CreateEditSessionRequestDto: `[FromQuery] long FileSize`, 0 when absent
    const size = c.req.query("fileSize") ?? "";
    if (size !== "" && !/^\s*[-+]?\d+\s*$/.test(size)) {
      return validationProblem(
        c,
        "fileSize",
        `The value '${size}' is not valid for FileSize.`,
      );
    }
    const fileSize = size === "" ? 0 : Number(size);
    const file = state.files.find((f) =>
      String(f.id) === c.req.param("fileId")
    );
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
  });
}
