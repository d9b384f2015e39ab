// The requests of a chunked-upload session, on the route generation it was opened on (`rest.ts` or
// `legacy.ts`): open it, finalize, abort. (Its chunks are sent by the chunk code, to the same
// generation's addresses.)
import { DocSpaceError } from "../errors.ts";
import type {
  CreateSessionOptions,
  SessionRoutes,
  SessionTarget,
  UploadedFile,
  UploadSession,
} from "../session_types.ts";
import { legacyGeneration } from "./legacy.ts";
import type { Portal } from "./portal.ts";
import { envelope, send } from "./read_reply.ts";
import { restGeneration } from "./rest.ts";
import type { RouteGeneration, Target } from "./route_generation.ts";
import { sessionOf, uploadedFile } from "./session_replies.ts";

const GENERATIONS: Record<SessionRoutes, RouteGeneration> = {
  rest: restGeneration,
  legacy: legacyGeneration,
};

/** The route generation a session's `routes` names. */
export function generationOf(routes: SessionRoutes): RouteGeneration {
  return GENERATIONS[routes];
}

/** The session a request is for; a bare string is a legacy `location`. */
export function targetOf(session: SessionTarget): Target {
  return typeof session === "string"
    ? { id: "", location: session, folderId: "", routes: "legacy" }
    : session;
}

/**
 * Where a session is opened in a folder, on the portal at `url`: `{url}/api/2.0/files/{folderId}/session`
 * (rest) or `…/upload/create_session` (legacy).
 */
export function createSessionUrl(
  url: string,
  folderId: number | string,
  routes: SessionRoutes,
): string {
  return GENERATIONS[routes].create(url, folderId);
}

/** Opens a session on `routes`; both generations answer it in an /api/2.0 envelope. */
export async function createSession(
  portal: Portal,
  routes: SessionRoutes,
  folderId: number | string,
  options: CreateSessionOptions,
  signal: AbortSignal | undefined,
): Promise<UploadSession> {
  const headers = new Headers(portal.headers);
  headers.set("content-type", "application/json");
  const reply = await send(
    "create",
    portal.fetch,
    createSessionUrl(portal.url, folderId, routes),
    {
      method: "POST",
      headers,
      body: JSON.stringify(createBody(options)),
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
  GENERATIONS[routes].opened(portal, session);
  return session;
}

/** A create request's body: the file's name and size, and the options given. */
function createBody(options: CreateSessionOptions): Record<string, unknown> {
  const body: Record<string, unknown> = {
    fileName: options.fileName,
    fileSize: options.fileSize,
    createNewIfExist: options.createNewIfExist ?? false,
  };
  if (options.relativePath !== undefined) {
    body.relativePath = options.relativePath;
  }
  if (options.createOn !== undefined) body.createOn = options.createOn;
  return body;
}

/** Finalizes a session; only 201 with a file is a success. */
export async function finalizeSession(
  portal: Portal,
  session: SessionTarget,
  signal: AbortSignal | undefined,
): Promise<UploadedFile> {
  const target = targetOf(session);
  const generation = GENERATIONS[target.routes];
  const { url, method } = generation.finalize(portal, target);
  const reply = await send("finalize", portal.fetch, url, {
    method,
    headers: portal.headers,
    signal: signal ?? null,
  });
  const { status, data } = generation.read("finalize", reply);
  if (status !== 201) {
    throw new DocSpaceError(
      `expected HTTP 201 with the file, received HTTP ${status}`,
      { step: "finalize", status },
    );
  }
  return uploadedFile(data, "finalize");
}

/** What a failed abort leaves behind: the server drops a session's chunks only when it expires. */
export const CHUNKS_LEFT =
  "its chunks stay on the server until the session expires (12 hours after its last chunk)";

/**
 * Aborts a session, once. A refusal says that the chunks stay: on DocSpace's disk storage (the self-hosted
 * default) an abort after a stored chunk fails ("Directory not empty", from `Directory.Delete` without
 * `recursive` in common/ASC.Data.Storage/DiscStorage/DiscDataStore.cs AbortChunkedUploadAsync) before the
 * session is removed: HTTP 200 `success:false` on `location`, HTTP 500 on the REST route. Sending it again
 * fails the same way, so it is never transient. A session the server no longer knows is thrown as it is.
 */
export async function abortSession(
  portal: Portal,
  session: SessionTarget,
  signal: AbortSignal | undefined,
): Promise<void> {
  const target = targetOf(session);
  const generation = GENERATIONS[target.routes];
  const { url, method } = generation.abort(portal, target);
  try {
    const reply = await send("abort", portal.fetch, url, {
      method,
      headers: portal.headers,
      signal: signal ?? null,
    });
    generation.readAbort(reply);
  } catch (error) {
    if (!(error instanceof DocSpaceError) || error.sessionGone) throw error;
    throw abortRefused(error);
  }
}

/** An abort's failure, saying that the session's chunks stay (or may stay, when no answer arrived). */
function abortRefused(error: DocSpaceError): DocSpaceError {
  return new DocSpaceError(
    `${error.detail}; ${
      error.status === undefined
        ? `the session may not have been aborted: if not, ${CHUNKS_LEFT}`
        : `the session was not aborted, so ${CHUNKS_LEFT}`
    }`,
    {
      step: "abort",
      status: error.status,
      serverMessage: error.serverMessage,
      retryAfter: error.retryAfter,
      rateLimit: error.rateLimit,
      cause: error,
    },
  );
}
