// `POST /api/2.0/files/{folderId}/insert`: a whole file in one request (UploadController.InsertFile, in
// DocSpace-server products/ASC.Files/Server/Api/UploadController.cs). The body is the file's bytes as they
// are: InsertFileModelBinder (products/ASC.Files/Core/ApiModels/Binders.cs) reads a request without form
// content from the raw body, and the title and createNewIfExist from the query; FileUploader.ExecAsync
// then checks and stores it as a session's finalize would (VerifyFileUploadAsync, FileDao.SaveFileAsync).
import { DocSpaceError } from "../errors.ts";
import { folderUrl, type Portal } from "./portal.ts";
import { envelope, record, send } from "./read_reply.ts";
import type {
  DocSpaceFile,
  InsertOptions,
  UploadedFile,
} from "../session_types.ts";

/** The file object of an insert's reply (a FileDto), as an uploaded file. */
export function insertedFile(value: unknown, step: string): UploadedFile {
  const file = record(value);
  const id = file.id;
  if (
    !((typeof id === "number" && id > 0) ||
      (typeof id === "string" && id !== ""))
  ) {
    throw new DocSpaceError("the server's reply has no file", {
      step,
      status: 200,
    });
  }
  return {
    id,
    folderId: file.folderId as number | string,
    version: Number(file.version ?? 1),
    title: String(file.title ?? ""),
    uploaded: true,
    file: file as DocSpaceFile,
  };
}

/** Where a whole file goes: `{url}/api/2.0/files/{folderId}/insert?title=…&createNewIfExist=…`. */
export function insertUrl(
  url: string,
  folderId: number | string,
  options: InsertOptions,
): string {
  const query = new URLSearchParams({
    title: options.title,
    createNewIfExist: String(options.createNewIfExist),
  });
  return `${folderUrl(url, folderId)}/insert?${query}`;
}

/** Sends a whole file to `insert`; the reply is the stored file. */
export async function insertFile(
  portal: Portal,
  folderId: number | string,
  body: Blob | Uint8Array<ArrayBuffer>,
  options: InsertOptions,
  signal: AbortSignal | undefined,
): Promise<UploadedFile> {
  const headers = new Headers(portal.headers);
  headers.set("content-type", "application/octet-stream");
  const step = "insert";
  const reply = await send(
    step,
    portal.fetch,
    insertUrl(portal.url, folderId, options),
    { method: "POST", headers, body, signal: signal ?? null },
  );
  return insertedFile(envelope(step, reply), step);
}
