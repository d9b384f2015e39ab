// Where an upload goes, before any byte arrives: FileUploader.VerifyChunkedUploadAsync and VerifyFileUploadAsync
// (products/ASC.Files/Core/Utils/FileUploader.cs), and the title lookups they make (FileDao.GetFileAsync).
import type { Context } from "hono";
import type { EmulatorCore } from "./_context.ts";
import { maxSizeMessage } from "./_dto.ts";
import { envelopeError } from "./_envelope.ts";
import { cleanTitle, fileExtension, storedTitle, titleKey } from "./_title.ts";
import type { EmulatorFolder, EmulatorUser } from "./options.ts";
import type { EmulatorState, StoredFile } from "./state.ts";

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

/** GetFolderIdAsync: DirectoryNotFoundException, then SecurityException (reported as "Access denied"). */
function writableFolder(
  core: EmulatorCore,
  c: Context,
  user: EmulatorUser,
  folder: EmulatorFolder | undefined,
): EmulatorFolder | Response {
  if (folder === undefined) {
    return envelopeError(
      c,
      404,
      "The required folder was not found",
      "directoryNotFound",
    );
  }
  if (!core.state.canWrite(folder, user.id)) {
    return envelopeError(c, 403, "Access denied");
  }
  return folder;
}

/**
 * The relativePath's segments, each cleaned, for FolderDao.GetFolderAsync(title, parentId); an empty one ends
 * the walk (the rest is ignored).
 */
function pathSegments(relativePath: string | undefined): string[] {
  const segments: string[] = [];
  for (const segment of (relativePath ?? "").split("/")) {
    const cleaned = cleanTitle(segment);
    if (cleaned === "") break;
    segments.push(cleaned);
  }
  return segments;
}

/** FileDao.GetFileAsync(parentId, title): ArgumentException.ThrowIfNullOrEmpty(title). */
function requiredTitle(c: Context, title: string | null): string | Response {
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
  return title;
}

/** A new version of the file of that title, or with createNewIfExist a new file under a free title. */
function chosenFile(
  state: EmulatorState,
  folder: EmulatorFolder,
  title: string,
  target: SessionTarget,
): SessionFile {
  const path = target.relativePath === undefined
    ? {}
    : { relativePath: target.relativePath };
  const existing = fileByTitle(state, folder.id, title);
  if (existing && !target.createNewIfExist) {
    return { folder, title, fileId: existing.id, ...path };
  }
  const free = existing ? availableTitle(state, folder.id, title) : title;
  return {
    folder,
    // FileDao.SaveFileAsync stores a native file's extension lower-cased, and a trailing dot without one.
    title: typeof folder.id === "number" ? storedTitle(free) : free,
    ...path,
  };
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
  const cleaned = target.title === null ? null : cleanTitle(target.title);
  if (
    options.uploadableExtensions !== undefined &&
    !options.uploadableExtensions.includes(fileExtension(cleaned ?? ""))
  ) {
    return envelopeError(c, 415, "Sorry, this file format isn't supported");
  }
  const parent = writableFolder(core, c, user, target.folder);
  if (parent instanceof Response) return parent;
  const segments = pathSegments(target.relativePath);
  const folder = state.subfolder(parent, segments, options.now());
  const title = requiredTitle(c, cleaned);
  if (title instanceof Response) return title;
  return chosenFile(state, folder, title, target);
}
