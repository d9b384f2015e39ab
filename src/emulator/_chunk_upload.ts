import type { Context } from "hono";
import { contextOf, type EmulatorCore } from "./_context.ts";
import { fileObject, maxSizeMessage, sessionObject } from "./_dto.ts";
import { locationError, locationReply } from "./_envelope.ts";
import { boundaryOf, readFirstPart } from "./_first_part.ts";
import { UNKNOWN_SESSION } from "./_messages.ts";
import { numberedChunkLength } from "./chunk_length.ts";
import { SESSION_LIFETIME, type UploadSession } from "./state.ts";

const NO_FILE = "HttpRequest.Files is empty";

function folderPath(
  core: EmulatorCore,
  folderId: number | string,
): (number | string)[] {
  const folder = core.state.folders.get(String(folderId));
  return folder ? core.state.path(folder) : [folderId];
}

function sessionReply(
  core: EmulatorCore,
  c: Context,
  session: UploadSession,
): Response {
  const origin = contextOf(core, c.req.raw).origin;
  return locationReply(c, {
    success: true,
    data: sessionObject(session, origin, folderPath(core, session.folderId)),
  });
}

/** Joins the parts into the file, closes the session and answers 201 with the file. */
export function completeUpload(
  core: EmulatorCore,
  c: Context,
  session: UploadSession,
  parts: Uint8Array[],
): Response {
  const file = core.state.store(session, parts, core.options.now());
  core.state.sessions.delete(session.id);
  const { origin, user } = contextOf(core, c.req.raw);
  const data = {
    id: file.id,
    folderId: file.folderId,
    version: file.version,
    title: file.title,
    uploaded: true,
    file: fileObject(file, origin, folderPath(core, file.folderId), user),
  };
  return locationReply(c, { success: true, data }, 201);
}

/** Small-file mode: the first chunk request must carry the whole file; it is stored at once. */
function uploadSmall(
  core: EmulatorCore,
  c: Context,
  session: UploadSession,
  bytes: Uint8Array,
  length: number,
) {
  if (length !== session.bytesTotal) {
    return locationError(c, "uploadSize != bytesTotal");
  }
  return completeUpload(core, c, session, [bytes]);
}

/** Checks a chunk's counted length against the server's limits; the error message, if any. */
function chunkLengthError(
  core: EmulatorCore,
  length: number,
): string | undefined {
  if (length <= 0) return "Empty file";
  if (length > core.options.chunkUploadSize) {
    return maxSizeMessage(core.options.maxFileSize);
  }
  return undefined;
}

/** Numbered mode: the length comes from Content-Length and the first part's headers, not the framing. */
export function uploadNumbered(
  core: EmulatorCore,
  c: Context,
  session: UploadSession,
): Response {
  const { entry, body } = contextOf(core, c.req.raw);
  const rawNumber = c.req.query("chunkNumber") ?? "";
  if (!/^\d+$/.test(rawNumber) || Number(rawNumber) < 1) {
    return locationError(
      c,
      `Chunk number must be a positive integer: received "${rawNumber}"`,
    );
  }
  const boundary = boundaryOf(c.req.header("content-type") ?? null);
  if (boundary === undefined) {
    return locationError(c, "Missing content-type boundary.");
  }
  const part = readFirstPart(body, boundary);
  if (part === undefined) return locationError(c, NO_FILE);
  const contentLength = c.req.header("content-length");
  if (contentLength === undefined || !/^\d+$/.test(contentLength)) {
    return locationError(c, "Nullable object must have a value.");
  }
  const length = numberedChunkLength(
    Number(contentLength),
    boundary,
    part.headers,
  );
  entry.computedLength = length;
  // The server reads `length` bytes from where the part's data starts; a short body gives what is there.
  // A view, not a copy: the request body is the emulator's own and is not reused.
  const bytes = body.subarray(
    part.dataStart,
    part.dataStart + Math.max(0, length),
  );
  if (session.small) return uploadSmall(core, c, session, bytes, length);
  const error = chunkLengthError(core, length);
  if (error !== undefined) return locationError(c, error);
  const now = core.options.now();
  session.chunks.set(Number(rawNumber), { bytes, length, storedAt: now });
  session.expired = now + SESSION_LIFETIME;
  return sessionReply(core, c, session);
}

async function firstFile(
  body: Uint8Array,
  contentType: string | undefined,
): Promise<File | undefined> {
  try {
    const form = await new Response(body as Uint8Array<ArrayBuffer>, {
      headers: { "content-type": contentType ?? "" },
    }).formData();
    for (const [, value] of form) if (value instanceof File) return value;
  } catch { /* not a multipart body: no files */ }
  return undefined;
}

/** Sequential mode: a properly parsed file part, appended in arrival order; 201 on the last byte. */
export async function uploadSequential(
  core: EmulatorCore,
  c: Context,
  session: UploadSession,
): Promise<Response> {
  const { entry, body, overlapping } = contextOf(core, c.req.raw);
  const file = await firstFile(body, c.req.header("content-type"));
  if (file === undefined) return locationError(c, NO_FILE);
  const bytes = new Uint8Array(await file.arrayBuffer());
  entry.computedLength = bytes.length;
  if (core.state.sessions.get(session.id) !== session) {
    return locationError(c, UNKNOWN_SESSION);
  }
  if (session.small) return uploadSmall(core, c, session, bytes, bytes.length);
  if (overlapping) {
    return locationError(
      c,
      "Cannot append chunk: another sequential chunk of this session is in flight",
    );
  }
  const error = chunkLengthError(core, bytes.length);
  if (error !== undefined) return locationError(c, error);
  session.sequential.push(bytes);
  session.sequentialBytes += bytes.length;
  session.expired = core.options.now() + SESSION_LIFETIME;
  if (session.sequentialBytes === session.bytesTotal) {
    return completeUpload(core, c, session, session.sequential);
  }
  return sessionReply(core, c, session);
}
