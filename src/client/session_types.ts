/**
 * The values the session client sends and receives: settings, sessions, chunks and files.
 *
 * @module
 */

/** The server's upload settings, from `GET /api/2.0/files/settings`. */
export interface UploadSettings {
  /** The size every chunk but the last must have, in bytes. */
  chunkUploadSize: number;
  /** The most chunk requests the server lets one user run at once. */
  maxUploadThreadCount: number;
  /**
   * The extensions (lower-case, with their dot) that the portal converts when a file is uploaded in one
   * request; undefined when the server did not say.
   */
  extsMustConvert?: string[];
}

/** What {@linkcode SessionClient.insertFile} stores: the title, and what happens to an existing file of that title. */
export interface InsertOptions {
  /** The file's title. */
  title: string;
  /** `true`: a free name beside an existing file of that title; `false`: a new version of it. */
  createNewIfExist: boolean;
}

/**
 * Which of the server's two families of upload routes a session uses:
 * - `"rest"`: the REST session routes of DocSpace 3.7.1 and later
 *   (`POST /api/2.0/files/{folderId}/session/{sessionId}/upload`, `PUT …/finalize`, `DELETE …`)
 * - `"legacy"`: the session's `location` (`/ChunkedUploader.ashx?uid=…`), the only ones before 3.7.1
 */
export type SessionRoutes = "rest" | "legacy";

/** What the server needs to open an upload session. */
export interface CreateSessionOptions {
  /** The file's title in DocSpace. */
  fileName: string;
  /** The file's exact size in bytes. */
  fileSize: number;
  /**
   * `false`: an existing file of that name gets a new version; `true`: the server picks a free name.
   *
   * @default {false}
   */
  createNewIfExist?: boolean;
  /** Subfolders to create under the folder, like `"a/b"`. */
  relativePath?: string;
  /** The file's creation date, as an ISO string. */
  createOn?: string;
}

/** An open upload session. */
export interface UploadSession {
  /** The session id (32 hex digits on DocSpace). */
  id: string;
  /** The legacy routes' address for chunks: `…/ChunkedUploader.ashx?uid=<id>`. */
  location: string;
  /**
   * The folder the file goes to: the last folder of the create reply's `path`, which is the deepest
   * subfolder when `relativePath` was given. The REST routes name it.
   */
  folderId: number | string;
  /** The routes this session's chunks, finalize and abort go to. */
  routes: SessionRoutes;
  /** The file size the server expects, in bytes. */
  bytesTotal: number;
  /** When the session was created (ISO). */
  created: string;
  /** When the session expires unless a chunk renews it (ISO). */
  expired: string;
}

/**
 * The session a chunk, finalize or abort request is for: the session (or the fields of it that name it),
 * or a legacy `location` string.
 */
export type SessionTarget =
  | string
  | Pick<UploadSession, "id" | "location" | "folderId" | "routes">;

/** A file as DocSpace describes it. */
export interface DocSpaceFile {
  /** The file id: a number in DocSpace's own folders, a string in third-party storage. */
  id: number | string;
  /** The file's title. */
  title: string;
  /** The folder that holds it. */
  folderId: number | string;
  /** The file's version. */
  version: number;
  /** Any other field the server sends (`pureContentLength`, `created`, …). */
  [key: string]: unknown;
}

/** The server's answer to a completed upload. */
export interface UploadedFile {
  /** The file id: a number in DocSpace's own folders, a string in third-party storage. */
  id: number | string;
  /** The folder that holds it. */
  folderId: number | string;
  /** The file's version: 1 for a new file, more for a new version of an existing one. */
  version: number;
  /** The file's title, which may differ from the name asked for (`name (1).ext`). */
  title: string;
  /** Always `true` for a completed upload. */
  uploaded: boolean;
  /** The full file object. */
  file: DocSpaceFile;
}

/** The answer to one chunk request: the session goes on, or the file is complete (HTTP 201). */
export type ChunkResult =
  | { done: false }
  | { done: true; file: UploadedFile };

/** How a chunk is sent. */
export interface UploadChunkOptions {
  /**
   * The chunk's number from 1. With `numbered: true` it is sent as `chunkNumber`; in sequential mode it
   * only names the chunk in errors.
   */
  chunkNumber: number;
  /**
   * Numbered (parallel) mode: the chunk is stored under `chunkNumber`. Otherwise sequential mode, where
   * the server counts chunks in arrival order.
   *
   * @default {true}
   */
  numbered?: boolean;
  /** Aborts the request. */
  signal?: AbortSignal | undefined;
}
