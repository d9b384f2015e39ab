// The JSON objects the server answers with (its ResponseDto classes): sessions, files, folders.
import type { EmulatorFolder, EmulatorUser } from "./options.ts";
import type { StoredFile, UploadSession } from "./state.ts";

/** A JSON object. */
export type Json = Record<string, unknown>;

/** The session object as create_session and chunk replies show it. */
export function sessionObject(
  session: UploadSession,
  origin: string,
  path: (number | string)[],
): Json {
  return {
    id: session.id,
    path,
    created: new Date(session.created).toISOString(),
    expired: new Date(session.expired).toISOString(),
    location: `${origin}/ChunkedUploader.ashx?uid=${session.id}`,
    bytes_total: session.bytesTotal,
  };
}

/**
 * A size as the server prints it (common/ASC.Common/Utils/CommonFileSizeComment.cs, FilesSizeToString):
 * powers of 1024 named bytes, KB, MB, GB, TB, formatted `#,0.##`: "5 bytes", "1.5 KB", "100 MB", "1 GB".
 */
export function sizeString(bytes: number): string {
  const units = ["bytes", "KB", "MB", "GB", "TB"];
  const power = bytes >= 1024
    ? Math.min(Math.floor(Math.log(bytes) / Math.log(1024)), units.length - 1)
    : 0;
  const value = bytes / 1024 ** power;
  const text = value.toLocaleString("en-US", { maximumFractionDigits: 2 });
  return `${text} ${units[power]}`;
}

/** The file object (FileDto) of a stored file. */
export function fileObject(
  file: StoredFile,
  origin: string,
  path: (number | string)[],
  user: EmulatorUser | undefined,
): Json {
  const dot = file.title.lastIndexOf(".");
  const createdBy = {
    id: user?.id ?? "",
    displayName: user?.displayName ?? user?.id ?? "",
  };
  return {
    id: file.id,
    title: file.title,
    folderId: file.folderId,
    version: file.version,
    versionGroup: file.version,
    contentLength: sizeString(file.contentLength),
    pureContentLength: file.contentLength,
    fileStatus: 0,
    fileExst: dot > 0 ? file.title.slice(dot) : "",
    viewUrl: `${origin}/filehandler.ashx?action=download&fileid=${file.id}`,
    webUrl: `${origin}/doceditor?fileid=${file.id}&version=${file.version}`,
    rootFolderId: path[0],
    created: file.created,
    createdBy,
    updated: file.created,
    updatedBy: createdBy,
    // FileEntryType (products/ASC.Files/Core/Core/Entries/FileEntryTypeEnum.cs): Folder = 1, File = 2
    fileEntryType: 2,
  };
}

/** What a folder's DTO needs beyond the folder. */
export interface FolderFacts {
  /** Its ids from the root. */
  path: (number | string)[];
  filesCount: number;
  foldersCount: number;
  /** When it was created, in milliseconds. */
  created: number;
  user: EmulatorUser | undefined;
}

/** The folder object (FolderDto, products/ASC.Files/Core/ApiModels/ResponseDto/FolderDto.cs); null fields omitted. */
export function folderObject(folder: EmulatorFolder, facts: FolderFacts): Json {
  const by = {
    id: facts.user?.id ?? "",
    displayName: facts.user?.displayName ?? facts.user?.id ?? "",
  };
  const when = new Date(facts.created).toISOString();
  return {
    id: folder.id,
    title: folder.title ?? "",
    ...(folder.parentId === undefined ? {} : { parentId: folder.parentId }),
    filesCount: facts.filesCount,
    foldersCount: facts.foldersCount,
    new: 0,
    mute: false,
    pinned: false,
    private: false,
    indexing: false,
    denyDownload: false,
    rootFolderId: facts.path[0],
    created: when,
    createdBy: by,
    updated: when,
    updatedBy: by,
    fileEntryType: 1,
  };
}

/**
 * FileSizeComment.GetFileSizeException (web/ASC.Web.Core/FileSizeComment.cs):
 * "The maximum file size is exceeded (1 GB)."
 */
export function maxSizeMessage(maxFileSize: number): string {
  return `The maximum file size is exceeded (${sizeString(maxFileSize)}).`;
}

/**
 * The object a completed upload answers with. The legacy handler builds an anonymous object with
 * `provider_key` (ChunkedUploaderHandler.cs, ToResponseObject); the REST routes an UploadSessionResponseDto
 * with `providerKey` (UploadController.cs). Null fields are omitted: the emulator's files have no provider key.
 */
export function completionObject(
  file: StoredFile,
  fileJson: Json,
  uploaded: boolean,
): Json {
  return {
    id: file.id,
    folderId: file.folderId,
    version: file.version,
    title: file.title,
    uploaded,
    file: fileJson,
  };
}
