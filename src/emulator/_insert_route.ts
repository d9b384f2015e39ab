// `POST /api/2.0/files/{folderId}/insert`: a whole file in one request (products/ASC.Files/Server/Api/
// UploadController.cs InsertFile → …/Server/Helpers/FilesHelperBase.cs InsertFileAsync → products/ASC.Files/
// Core/Utils/FileUploader.cs ExecAsync).
import { type Context, Hono } from "hono";
import { type SessionFile, verifyUpload } from "./_verify_upload.ts";
import { contextOf, type EmulatorCore } from "./_context.ts";
import { fileObject } from "./_dto.ts";
import { envelope, unauthorized } from "./_envelope.ts";
import { storedTitle } from "./_title.ts";
import { SESSION_LIFETIME, type UploadSession } from "./state.ts";

/** What InsertFileModelBinder (products/ASC.Files/Core/ApiModels/Binders.cs) binds. */
interface Insert {
  title: string | null;
  createNewIfExist: boolean;
  bytes: Uint8Array;
}

/** bindingContext.GetBoolValue: bool.TryParse of the first value; anything else leaves the default. */
function boolOf(value: string | null | undefined): boolean | undefined {
  const text = value?.trim().toLowerCase();
  return text === "true" ? true : text === "false" ? false : undefined;
}

/** The first value of a name, compared case-insensitively as ASP.NET's value providers do. */
function first(
  entries: Iterable<[string, string]>,
  name: string,
): string | undefined {
  for (const [key, value] of entries) {
    if (key.toLowerCase() === name.toLowerCase()) return value;
  }
  return undefined;
}

/**
 * InsertFileModelBinder: a request with form content (multipart or urlencoded) gives its fields and its
 * first file; any other request gives the query's values and the raw body as the file (the binder copies
 * the whole body into a MemoryStream).
 */
async function bind(c: Context, body: Uint8Array): Promise<Insert> {
  const type = (c.req.header("content-type") ?? "").toLowerCase();
  const query = [...new URL(c.req.url).searchParams.entries()];
  if (
    type.startsWith("multipart/form-data") ||
    type.startsWith("application/x-www-form-urlencoded")
  ) {
    let form: FormData | undefined;
    try {
      form = await new Request("http://form.invalid/", {
        method: "POST",
        headers: { "content-type": c.req.header("content-type")! },
        body: body.slice(),
      }).formData();
    } catch {
      form = undefined;
    }
    const fields: [string, string][] = [];
    let file: File | undefined;
    for (const [key, value] of form?.entries() ?? []) {
      if (typeof value === "string") fields.push([key, value]);
      else file ??= value;
    }
    return {
      title: first(fields, "title") ?? null,
      createNewIfExist: boolOf(first(fields, "createNewIfExist")) ?? false,
      bytes: file ? new Uint8Array(await file.arrayBuffer()) : body,
    };
  }
  return {
    title: first(query, "title") ?? null,
    createNewIfExist: boolOf(first(query, "createNewIfExist")) ?? false,
    bytes: body,
  };
}

/** `POST /{folderId}/insert`, mounted at /api/2.0/files. */
export function insertRoute(core: EmulatorCore): Hono {
  return new Hono().post("/:folderId/insert", async (c) => {
    const { options, state } = core;
    const context = contextOf(core, c.req.raw);
    if (context.user === undefined) return unauthorized(c);
    const insert = await bind(c, context.body);
    // FileUploader.VerifyFileUploadAsync(folderId, title, contentLength, !createNewIfExist): the size
    // against SetupInfo.MaxUploadSize (the non-chunked limit), then the checks a session's creation makes.
    const chosen = verifyUpload(core, c, context.user, {
      maxSize: Math.min(options.availableFileSize, options.maxFileSize),
      folder: state.folders.get(c.req.param("folderId") ?? ""),
      title: insert.title,
      fileSize: insert.bytes.length,
      createNewIfExist: insert.createNewIfExist,
    });
    if (chosen instanceof Response) return chosen;
    const file = save(core, context.user.id, chosen, insert.bytes);
    return envelope(
      c,
      fileObject(
        file,
        context.origin,
        state.path(chosen.folder),
        context.user,
      ),
    );
  });
}

/**
 * FileDao.SaveFileAsync: a new version of the file found (which takes the title as sent: VerifyFileUploadAsync
 * sets `file.Title = fileName`), or a new file; in DocSpace's own folders the title is stored with its
 * extension lower-cased (FileUtility.ReplaceFileExtension).
 */
function save(
  core: EmulatorCore,
  user: string,
  chosen: SessionFile,
  bytes: Uint8Array,
) {
  const { options, state } = core;
  const now = options.now();
  const folderId = chosen.folder.id;
  const native = typeof folderId === "number";
  const title = native ? storedTitle(chosen.title) : chosen.title;
  // The file the DAO saves, shaped as the session a finalize saves from.
  const saving: UploadSession = {
    id: "",
    user,
    folderId,
    thirdParty: !native,
    title,
    bytesTotal: bytes.length,
    ...(chosen.fileId === undefined ? {} : { fileId: chosen.fileId }),
    saved: true,
    created: now,
    expired: now + SESSION_LIFETIME,
    small: true,
    chunks: new Map(),
    chunksUploaded: 0,
    appended: [],
    bytesTransferred: bytes.length,
  };
  const file = state.save(
    saving,
    (key) => state.store.whole(bytes, key),
    now,
  );
  file.title = title;
  return file;
}
