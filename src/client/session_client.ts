/**
 * A small client for DocSpace's chunked-upload endpoints: settings, create session, upload chunk,
 * finalize, abort, and the title check and insert. One method per request, each built in
 * `src/client/_docspace/`; `uploadFile` composes them.
 *
 * @module
 */
import { DocSpaceError } from "./errors.ts";
import { insertFile } from "./_docspace/insert.ts";
import { type Portal, portalOf } from "./_docspace/portal.ts";
import {
  abortSession,
  createSession,
  finalizeSession,
} from "./_docspace/sessions.ts";
import { readSettings } from "./_docspace/settings.ts";
import { checkTitles } from "./_docspace/title_check.ts";
import { sendChunk } from "./_docspace/chunk.ts";
import type {
  ChunkResult,
  CreateSessionOptions,
  InsertOptions,
  SessionRoutes,
  SessionTarget,
  UploadChunkOptions,
  UploadedFile,
  UploadSession,
  UploadSettings,
} from "./session_types.ts";
import type { ChunkBody } from "./chunk_body.ts";

/** Options for {@linkcode SessionClient}. */
export interface SessionClientOptions {
  /** The portal's URL, like `https://example.onlyoffice.com`. */
  url: string;
  /** An API key, OAuth2 or authentication token, sent as `Bearer <token>` unless it names its scheme. */
  token: string;
  /**
   * The `fetch` to use.
   *
   * @default {globalThis.fetch}
   */
  fetch?: typeof fetch;
  /** Extra headers for every request. */
  headers?: HeadersInit;
  /**
   * Which upload routes new sessions use: `"rest"`, the REST session routes of DocSpace 3.7.1 and later;
   * `"legacy"`, the session's `location` (`ChunkedUploader.ashx`), which every version has; `"auto"`, the
   * REST routes where the server has them, else the legacy ones. `"auto"` opens the session with
   * `POST …/{folderId}/session`; a server without that route answers 404 and opens no session, and then
   * `POST …/{folderId}/upload/create_session` opens it. What it found is kept for this client's later
   * sessions.
   *
   * @default {"auto"}
   */
  routes?: "auto" | SessionRoutes;
}

/**
 * One method per DocSpace chunked-upload request. Errors of every kind (error envelopes, HTTP-200
 * `success:false` replies, proxy pages, network failures) become {@linkcode DocSpaceError}s; no method
 * retries. Credentials go only to the portal's origin: a `location` anywhere else is refused, except that
 * on a loopback portal URL (a tunnel, a port-forward; the server then names its public domain in
 * `location`) the path and query of a `/ChunkedUploader.ashx?uid=…` location go to the portal's origin.
 *
 * `createSession` picks the session's routes (option `routes`, see {@linkcode SessionRoutes}); every
 * later request for that session follows them.
 *
 * @example Upload a small file by hand: its only chunk, then finalize
 * ```ts
 * import { SessionClient } from "@docspace-tools/upload";
 * import { startEmulator } from "@docspace-tools/upload/testing";
 * import { assertEquals } from "@std/assert";
 *
 * await using portal = await startEmulator();
 * const client = new SessionClient({ url: portal.url, token: portal.token });
 * const { chunkUploadSize } = await client.settings();
 * assertEquals(chunkUploadSize, 10485760);
 * const session = await client.createSession(1, { fileName: "hi.txt", fileSize: 2 });
 * assertEquals(session.routes, "rest");
 * const result = await client.uploadChunk(session, new Blob(["hi"]), { chunkNumber: 1 });
 * assertEquals(result.done, false);
 * const file = await client.finalize(session);
 * assertEquals([file.title, file.version], ["hi.txt", 1]);
 * ```
 */
export class SessionClient {
  /** The portal's URL, without a trailing slash. */
  readonly url: string;
  #portal: Portal;
  #routes: "auto" | SessionRoutes;
  #detected: SessionRoutes | undefined;

  /**
   * Creates a client.
   *
   * @param options The portal URL, the token, and optionally `fetch`, extra headers and the routes.
   * @throws {TypeError} If the URL is not an http(s) URL, the token is empty or `routes` is unknown.
   */
  constructor(options: SessionClientOptions) {
    this.#portal = portalOf(options);
    this.url = this.#portal.url;
    const routes = options.routes ?? "auto";
    if (routes !== "auto" && routes !== "rest" && routes !== "legacy") {
      throw new TypeError(
        `Cannot create SessionClient: routes must be "auto", "rest" or "legacy", received ${
          JSON.stringify(routes)
        }`,
      );
    }
    this.#routes = routes;
  }

  /**
   * Reads the server's chunk size and thread limit.
   *
   * @param signal Aborts the request.
   * @returns The settings.
   * @throws {DocSpaceError} If the request fails, or the settings are not usable (a chunk size that is not
   * a positive multiple of 512 up to 10 MiB, a thread limit that is not a positive integer).
   */
  settings(signal?: AbortSignal): Promise<UploadSettings> {
    return readSettings(this.#portal, signal);
  }

  /**
   * Opens an upload session in a folder, on the routes the client's `routes` option picks. With
   * `"auto"`, a 404 from `…/{folderId}/session` (a server older than 3.7.1, where it opens no session)
   * is followed by `…/{folderId}/upload/create_session`.
   *
   * @param folderId The folder's id: a number, or a string for third-party storage folders.
   * @param options The file's name and size, and how to treat an existing file of that name.
   * @param signal Aborts the request.
   * @returns The session: its id, folder, routes and `location`.
   * @throws {DocSpaceError} If the server refuses (401, 402, 403, 404, 415…) or returns a legacy
   * location on another origin.
   */
  async createSession(
    folderId: number | string,
    options: CreateSessionOptions,
    signal?: AbortSignal,
  ): Promise<UploadSession> {
    const create = (routes: SessionRoutes) =>
      createSession(this.#portal, routes, folderId, options, signal);
    const routes = this.#detected ?? this.#routes;
    if (routes === "legacy") return await create("legacy");
    try {
      const session = await create("rest");
      this.#detected = "rest";
      return session;
    } catch (error) {
      if (
        !(error instanceof DocSpaceError) || error.status !== 404 ||
        this.#detected === "rest"
      ) {
        throw error;
      }
      if (routes === "rest") {
        throw new DocSpaceError(
          `${error.detail}; if the folder exists, the server predates the REST session routes (DocSpace 3.7.1): use routes "auto" or "legacy"`,
          {
            step: error.step,
            status: error.status,
            serverMessage: error.serverMessage,
            cause: error,
          },
        );
      }
    }
    // An absent folder is 404 on both routes, so only a legacy session proves the server's generation.
    const session = await create("legacy");
    this.#detected = "legacy";
    return session;
  }

  /**
   * Uploads a whole file in one request (`POST /api/2.0/files/{folderId}/insert`): no session, no
   * chunks. The server checks and stores it as a session's finalize would (the title cleaned, a new
   * version of an existing file or a free name beside it), but it takes no `relativePath` or `createOn`,
   * converts the formats the portal converts on upload (`extsMustConvert`), and a repeat stores the file
   * again: {@linkcode uploadFile} and {@linkcode UploadBatch} use it only where the result is the same,
   * and never send it twice blindly.
   *
   * @param folderId The folder's id.
   * @param body The file's bytes.
   * @param options The title, and whether an existing file of that title gets a new version.
   * @param signal Aborts the request.
   * @returns The stored file.
   * @throws {DocSpaceError} If the server refuses (401, 402, 403, 404, 415…) or no answer arrives.
   */
  insertFile(
    folderId: number | string,
    body: Blob | Uint8Array<ArrayBuffer>,
    options: InsertOptions,
    signal?: AbortSignal,
  ): Promise<UploadedFile> {
    return insertFile(this.#portal, folderId, body, options, signal);
  }

  /**
   * Asks which of some titles already exist in a folder (`POST /api/2.0/files/{folderId}/upload/check`,
   * as the web client does before it uploads).
   *
   * @param folderId The folder's id.
   * @param titles The file titles to look for.
   * @param signal Aborts the request.
   * @returns The titles that exist in the folder.
   * @throws {DocSpaceError} If the request fails.
   */
  existingTitles(
    folderId: number | string,
    titles: string[],
    signal?: AbortSignal,
  ): Promise<string[]> {
    return checkTitles(this.#portal, folderId, titles, signal);
  }

  /**
   * Sends one chunk, framed byte-exactly (see {@linkcode createChunkBody}): on the REST routes to
   * `…/session/{id}/upload?chunkNumber=N` (numbered) or `…/session/{id}` (sequential), on the legacy
   * routes to `location`.
   *
   * @param session The session (or a legacy `location`).
   * @param chunk The chunk's bytes (a Blob or a Uint8Array), or a body already framed by
   * {@linkcode createChunkBody}.
   * @param options The chunk's number, the mode and an abort signal.
   * @returns `{ done: false }` while the session goes on: always for a numbered chunk, a small file's
   * too (it needs {@linkcode SessionClient.finalize}); `{ done: true, file }` when the server completed
   * the file (HTTP 201: the last sequential chunk, or a small file's sequential chunk).
   * @throws {DocSpaceError} If the server refuses the chunk or no answer arrives.
   */
  uploadChunk(
    session: SessionTarget,
    chunk: Blob | Uint8Array | ChunkBody,
    options: UploadChunkOptions,
  ): Promise<ChunkResult> {
    return sendChunk(this.#portal, session, chunk, options);
  }

  /**
   * Completes a numbered upload once every chunk is accepted. A small file's session (smaller than one
   * chunk) answers the stored file, again on every repeat.
   *
   * @param session The session (or a legacy `location`).
   * @param signal Aborts the request.
   * @returns The uploaded file.
   * @throws {DocSpaceError} If chunks are missing ("uploadSize != bytesTotal") or the request fails.
   */
  finalize(
    session: SessionTarget,
    signal?: AbortSignal,
  ): Promise<UploadedFile> {
    return finalizeSession(this.#portal, session, signal);
  }

  /**
   * Drops the session and its chunks on the server, in one request. On DocSpace's disk storage an abort
   * after a stored chunk fails ("Directory not empty") and the session stays until it expires; sending it
   * again fails the same way.
   *
   * @param session The session (or a legacy `location`).
   * @param signal Aborts the request.
   * @throws {DocSpaceError} If the server refuses or no answer arrives: not transient, and, unless the
   * session is already gone (`sessionGone`), saying that its chunks stay on the server until it expires.
   */
  abort(session: SessionTarget, signal?: AbortSignal): Promise<void> {
    return abortSession(this.#portal, session, signal);
  }
}
