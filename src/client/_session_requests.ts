// The requests of one session on either route family: where each goes, with which method, and how its
// reply reads. REST: `/api/2.0/files/{folderId}/session/{id}[/upload|/finalize]`; legacy: `location`.
import { DocSpaceError } from "./errors.ts";
import { envelope, type Reply, send, uploaderReply } from "./_reply.ts";
import type { Portal } from "./_portal.ts";
import { sessionOf, uploadedFile } from "./_session_replies.ts";
import type {
  ChunkResult,
  CreateSessionOptions,
  SessionRoutes,
  SessionTarget,
  UploadChunkOptions,
  UploadedFile,
  UploadSession,
} from "./_session_types.ts";
import { type ChunkBody, createChunkBody } from "./chunk_body.ts";

/** The session a request is for, with its routes resolved. */
type Target = Pick<UploadSession, "id" | "location" | "folderId" | "routes">;

function targetOf(session: SessionTarget): Target {
  return typeof session === "string"
    ? { id: "", location: session, folderId: "", routes: "legacy" }
    : session;
}

function restUrl(portal: Portal, target: Target, suffix: string): string {
  return `${portal.url}/api/2.0/files/${
    encodeURIComponent(String(target.folderId))
  }/session/${encodeURIComponent(target.id)}${suffix}`;
}

/** `location` with query parameters added; refused unless it is on the portal's origin. */
function locationUrl(
  portal: Portal,
  location: string,
  params: string,
  step: string,
): string {
  let parsed: URL | undefined;
  try {
    parsed = new URL(location);
  } catch {
    parsed = undefined;
  }
  if (parsed?.origin !== portal.origin) {
    throw new DocSpaceError(
      `the session location ${
        JSON.stringify(location)
      } is not on the portal's origin ${portal.origin}; credentials are only sent there`,
      { step },
    );
  }
  if (params === "") return location;
  return location + (location.includes("?") ? "&" : "?") + params;
}

/** A chunk or finalize reply: the envelope's `response` on the REST routes, `data` on `location`. */
function read(
  target: Target,
  step: string,
  reply: Reply,
): { status: number; data: unknown } {
  return target.routes === "rest"
    ? { status: reply.response.status, data: envelope(step, reply) }
    : uploaderReply(step, reply);
}

/** `POST …/{folderId}/session` (REST) or `POST …/{folderId}/upload/create_session` (legacy). */
export async function createOn(
  portal: Portal,
  routes: SessionRoutes,
  folderId: number | string,
  options: CreateSessionOptions,
  signal: AbortSignal | undefined,
): Promise<UploadSession> {
  const body: Record<string, unknown> = {
    fileName: options.fileName,
    fileSize: options.fileSize,
    createNewIfExist: options.createNewIfExist ?? false,
  };
  if (options.relativePath !== undefined) {
    body.relativePath = options.relativePath;
  }
  if (options.createOn !== undefined) body.createOn = options.createOn;
  const headers = new Headers(portal.headers);
  headers.set("content-type", "application/json");
  const reply = await send(
    "create",
    portal.fetch,
    `${portal.url}/api/2.0/files/${encodeURIComponent(String(folderId))}/${
      routes === "rest" ? "session" : "upload/create_session"
    }`,
    {
      method: "POST",
      headers,
      body: JSON.stringify(body),
      signal: signal ?? null,
    },
  );
  const session = sessionOf(
    envelope("create", reply),
    routes,
    folderId,
    options.fileSize,
    reply.response.status,
  );
  if (routes === "legacy") {
    locationUrl(portal, session.location, "", "create");
  }
  return session;
}

/** Sends one chunk: numbered (`…/upload?chunkNumber=N`, `&upload=true&chunkNumber=N`) or sequential. */
export async function sendChunk(
  portal: Portal,
  session: SessionTarget,
  chunk: Blob | Uint8Array | ChunkBody,
  options: UploadChunkOptions,
): Promise<ChunkResult> {
  const step = `chunk ${options.chunkNumber}`;
  const numbered = options.numbered ?? true;
  const target = targetOf(session);
  const url = target.routes === "rest"
    ? restUrl(
      portal,
      target,
      numbered ? `/upload?chunkNumber=${options.chunkNumber}` : "",
    )
    : locationUrl(
      portal,
      target.location,
      numbered ? `upload=true&chunkNumber=${options.chunkNumber}` : "",
      step,
    );
  const { body, contentType } =
    chunk instanceof Blob || chunk instanceof Uint8Array
      ? createChunkBody(chunk)
      : chunk;
  const headers = new Headers(portal.headers);
  headers.set("content-type", contentType);
  const reply = await send(step, portal.fetch, url, {
    method: "POST",
    headers,
    body,
    signal: options.signal ?? null,
  });
  const { status, data } = read(target, step, reply);
  return status === 201
    ? { done: true, file: uploadedFile(data, step) }
    : { done: false };
}

/** `PUT …/session/{id}/finalize` or `POST {location}&finalize=true`; only 201 with a file is a success. */
export async function finalizeOn(
  portal: Portal,
  session: SessionTarget,
  signal: AbortSignal | undefined,
): Promise<UploadedFile> {
  const target = targetOf(session);
  const rest = target.routes === "rest";
  const reply = await send(
    "finalize",
    portal.fetch,
    rest
      ? restUrl(portal, target, "/finalize")
      : locationUrl(portal, target.location, "finalize=true", "finalize"),
    {
      method: rest ? "PUT" : "POST",
      headers: portal.headers,
      signal: signal ?? null,
    },
  );
  const { status, data } = read(target, "finalize", reply);
  if (status !== 201) {
    throw new DocSpaceError(
      `expected HTTP 201 with the file, received HTTP ${status}`,
      { step: "finalize", status },
    );
  }
  return uploadedFile(data, "finalize");
}

/** `DELETE …/session/{id}` or `POST {location}&abort=true`. */
export async function abortOn(
  portal: Portal,
  session: SessionTarget,
  signal: AbortSignal | undefined,
): Promise<void> {
  const target = targetOf(session);
  const rest = target.routes === "rest";
  const reply = await send(
    "abort",
    portal.fetch,
    rest
      ? restUrl(portal, target, "")
      : locationUrl(portal, target.location, "abort=true", "abort"),
    {
      method: rest ? "DELETE" : "POST",
      headers: portal.headers,
      signal: signal ?? null,
    },
  );
  if (rest) envelope("abort", reply, true);
  else uploaderReply("abort", reply);
}
