// Reads the server's session and file objects out of replies, as both route generations send them.
import { DocSpaceError } from "../errors.ts";
import { record } from "./read_reply.ts";
import type {
  DocSpaceFile,
  SessionRoutes,
  UploadedFile,
  UploadSession,
} from "../session_types.ts";

function isId(value: unknown): value is number | string {
  return (typeof value === "number" && Number.isSafeInteger(value)) ||
    (typeof value === "string" && value !== "");
}

/**
 * The session in a create reply (`{success, data: <session>}` from `upload/create_session`,
 * `<session>` from `…/session`). Its folder is the last of `path`: the subfolder when `relativePath` made one.
 */
export function sessionOf(
  response: unknown,
  routes: SessionRoutes,
  folderId: number | string,
  fileSize: number,
  status: number,
): UploadSession {
  const outer = record(response);
  const data = record(outer.data ?? outer);
  const location = data.location;
  if (
    typeof data.id !== "string" || data.id === "" ||
    (routes === "legacy" && typeof location !== "string")
  ) {
    throw new DocSpaceError(
      routes === "legacy"
        ? "the server's reply has no session id and location"
        : "the server's reply has no session id",
      { step: "create", status },
    );
  }
  const path = Array.isArray(data.path) ? data.path : [];
  const last: unknown = path.at(-1);
  return {
    id: data.id,
    location: typeof location === "string" ? location : "",
    folderId: isId(last) ? last : folderId,
    routes,
    bytesTotal: Number(data.bytes_total ?? fileSize),
    created: String(data.created ?? ""),
    expired: String(data.expired ?? ""),
  };
}

/**
 * The file in a completing reply: `{id, folderId, version, title, uploaded, file}`. Ids are numbers in
 * DocSpace's own folders and strings in third-party storage; no real file has id 0 or "".
 */
export function uploadedFile(data: unknown, step: string): UploadedFile {
  const value = record(data);
  if (!isId(value.id) || value.id === 0) {
    throw new DocSpaceError("the server's reply has no file", {
      step,
      status: 201,
    });
  }
  const file = record(value.file);
  return {
    id: value.id,
    folderId: (value.folderId ?? file.folderId) as number | string,
    version: Number(value.version ?? file.version ?? 1),
    title: String(value.title ?? file.title ?? ""),
    uploaded: value.uploaded !== false,
    file: { ...file, id: value.id } as DocSpaceFile,
  };
}
