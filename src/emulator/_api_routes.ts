import type { Context, Hono } from "hono";
import { contextOf, type EmulatorCore } from "./_context.ts";
import { maxSizeMessage, sessionObject } from "./_dto.ts";
import { envelope, envelopeError } from "./_envelope.ts";
import { parseSessionRequest } from "./_session_request.ts";
import type { EmulatorFolder, EmulatorUser } from "./options.ts";
import { SESSION_LIFETIME, type UploadSession } from "./state.ts";
import { cleanTitle } from "./_title.ts";

function randomId(): string {
  return Array.from(
    crypto.getRandomValues(new Uint8Array(16)),
    (b) => b.toString(16).padStart(2, "0"),
  )
    .join("");
}

interface SessionTarget {
  /** The folder, or undefined when it does not exist (checked after size and type, as the server does). */
  folder: EmulatorFolder | undefined;
  title: string;
  fileSize: number;
  createNewIfExist: boolean;
  fileId?: number | string;
  relativePath?: string;
}

/**
 * FileUploader.VerifyChunkedUploadAsync, then InitiateUploadAsync (products/ASC.Files/Core/Utils/
 * FileUploader.cs): size 402, title cleaned, type 415, folder 404, permission 403, subfolders created, and
 * the file decided (a new version of an existing one, or a new file with a free name) before the session
 * opens. A Response when refused.
 */
function openSession(
  core: EmulatorCore,
  c: Context,
  user: EmulatorUser,
  target: SessionTarget,
): Response | {
  session: UploadSession;
  data: Record<string, unknown>;
} {
  const { options, state } = core;
  if (target.fileSize > options.maxFileSize) {
    return envelopeError(c, 402, maxSizeMessage(options.maxFileSize));
  }
  let title = cleanTitle(target.title);
  const dot = title.lastIndexOf(".");
  if (
    dot >= 0 &&
    options.blockedExtensions.includes(title.slice(dot).toLowerCase())
  ) {
    return envelopeError(c, 415, "Sorry, this file format isn't supported");
  }
  if (target.folder === undefined) {
    return envelopeError(c, 404, "The required folder was not found");
  }
  if (!state.canWrite(target.folder, user.id)) {
    return envelopeError(c, 403, "Access denied");
  }
  // GetFolderIdAsync: each segment cleaned; an empty one ends the walk (the rest is ignored).
  const segments: string[] = [];
  for (const segment of (target.relativePath ?? "").split("/")) {
    const cleaned = cleanTitle(segment);
    if (cleaned === "") break;
    segments.push(cleaned);
  }
  const folder = state.subfolder(target.folder, segments, options.now());
  let fileId = target.fileId;
  if (fileId === undefined) {
    const existing = state.fileByTitle(folder.id, title);
    if (existing && !target.createNewIfExist) fileId = existing.id;
    else if (existing) title = state.freeTitle(folder.id, title);
  }
  const now = options.now();
  const session: UploadSession = {
    id: randomId(),
    user: user.id,
    folderId: folder.id,
    thirdParty: typeof folder.id === "string",
    title,
    bytesTotal: target.fileSize,
    ...(fileId === undefined ? {} : { fileId }),
    saved: false,
    ...(target.relativePath === undefined
      ? {}
      : { relativePath: target.relativePath }),
    created: now,
    expired: now + SESSION_LIFETIME,
    // CommonChunkedUploadSessionHolder.InitAsync and the third-party DAOs: chunking off below one chunk
    small: target.fileSize < options.chunkUploadSize,
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
      state.path(folder),
    ),
  };
}

function createInFolder(
  core: EmulatorCore,
  c: Context,
  wrap: boolean,
): Response {
  const context = contextOf(core, c.req.raw);
  if (context.user === undefined) return envelopeError(c, 401, "Unauthorized");
  const request = parseSessionRequest(context.body);
  if (typeof request === "string") return envelopeError(c, 400, request);
  const opened = openSession(core, c, context.user, {
    folder: core.state.folders.get(c.req.param("folderId") ?? ""),
    title: request.fileName,
    fileSize: request.fileSize,
    createNewIfExist: request.createNewIfExist,
    ...(request.relativePath === undefined
      ? {}
      : { relativePath: request.relativePath }),
  });
  if (opened instanceof Response) return opened;
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
  // (UploadController.cs, CheckUploadAsync).
  app.post("/api/2.0/files/:folderId/upload/check", (c) => {
    const context = contextOf(core, c.req.raw);
    if (context.user === undefined) {
      return envelopeError(c, 401, "Unauthorized");
    }
    const folder = state.folders.get(c.req.param("folderId") ?? "");
    if (folder === undefined) {
      return envelopeError(c, 404, "The required folder was not found");
    }
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
      );
    }
    const existing = new Set(
      state.files.filter((f) => String(f.folderId) === String(folder.id)).map((
        f,
      ) => f.title),
    );
    return envelope(c, titles.filter((t) => existing.has(t)));
  });
  // UploadController.cs (CreateEditSession) and FileUploader.VerifyChunkedUploadForEditing
  app.post("/api/2.0/files/file/:fileId/edit_session", (c) => {
    const user = contextOf(core, c.req.raw).user;
    if (user === undefined) return envelopeError(c, 401, "Unauthorized");
    const file = state.files.find((f) =>
      String(f.id) === c.req.param("fileId")
    );
    const folder = file && state.folders.get(String(file.folderId));
    // FileUploader.VerifyChunkedUploadForEditing: file 404, then size 402, then edit right 403
    if (file === undefined || folder === undefined) {
      return envelopeError(c, 404, "The required file was not found");
    }
    const size = c.req.query("fileSize") ?? "";
    if (!/^\d+$/.test(size)) {
      return envelopeError(
        c,
        400,
        "Value cannot be null. (Parameter 'fileSize')",
      );
    }
    const opened = openSession(core, c, user, {
      folder,
      title: file.title,
      fileSize: Number(size),
      createNewIfExist: false,
      fileId: file.id,
    });
    return opened instanceof Response ? opened : envelope(c, opened.data);
  });
}
