// The requests of one session, on the routes it was opened on (`_rest_routes.ts` or `_legacy_routes.ts`):
// open it, finalize, abort (a chunk's is in _chunk_request.ts).
import { DocSpaceError } from "./errors.ts";
import { envelope, send } from "./_reply.ts";
import type { Portal } from "./_portal.ts";
import { legacyRoutes } from "./_legacy_routes.ts";
import { restRoutes } from "./_rest_routes.ts";
import type { SessionRouteFamily, Target } from "./_routes.ts";
import { sessionOf, uploadedFile } from "./_session_replies.ts";
import type {
  CreateSessionOptions,
  SessionRoutes,
  SessionTarget,
  UploadedFile,
  UploadSession,
} from "./session_types.ts";

/** Each route generation's routes. */
export const ROUTES: Record<SessionRoutes, SessionRouteFamily> = {
  rest: restRoutes,
  legacy: legacyRoutes,
};

/** The session a request is for; a bare string is a legacy `location`. */
export function targetOf(session: SessionTarget): Target {
  return typeof session === "string"
    ? { id: "", location: session, folderId: "", routes: "legacy" }
    : session;
}

/** Opens a session on `routes`; both generations answer it in an /api/2.0 envelope. */
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
  const family = ROUTES[routes];
  const reply = await send(
    "create",
    portal.fetch,
    family.create(portal, folderId),
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
  family.opened(portal, session);
  return session;
}

/** Finalizes a session; only 201 with a file is a success. */
export async function finalizeOn(
  portal: Portal,
  session: SessionTarget,
  signal: AbortSignal | undefined,
): Promise<UploadedFile> {
  const target = targetOf(session);
  const family = ROUTES[target.routes];
  const { url, method } = family.finalize(portal, target);
  const reply = await send("finalize", portal.fetch, url, {
    method,
    headers: portal.headers,
    signal: signal ?? null,
  });
  const { status, data } = family.read("finalize", reply);
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
export async function abortOn(
  portal: Portal,
  session: SessionTarget,
  signal: AbortSignal | undefined,
): Promise<void> {
  const target = targetOf(session);
  const family = ROUTES[target.routes];
  const { url, method } = family.abort(portal, target);
  try {
    const reply = await send("abort", portal.fetch, url, {
      method,
      headers: portal.headers,
      signal: signal ?? null,
    });
    family.readAbort(reply);
  } catch (error) {
    if (!(error instanceof DocSpaceError) || error.sessionGone) throw error;
    throw new DocSpaceError(
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
}
