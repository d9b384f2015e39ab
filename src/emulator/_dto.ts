import type { EmulatorUser } from "./options.ts";
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

/** A size as the server prints `contentLength`: "5 bytes", "1.5 KB", "10 MB". */
export function sizeString(bytes: number): string {
  const units = ["bytes", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : Number(value.toFixed(2))} ${units[unit]}`;
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
  };
}

/** The size cap as the 402 message prints it: "The maximum file size is exceeded (1024 MB)." */
export function maxSizeMessage(maxFileSize: number): string {
  return `The maximum file size is exceeded (${
    Number((maxFileSize / 1048576).toFixed(2))
  } MB).`;
}
