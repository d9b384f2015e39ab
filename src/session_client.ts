/**
 * A small client for DocSpace's chunked-upload endpoints: settings, create session, upload chunk,
 * finalize, abort. One method per request; `uploadFile` composes them.
 *
 * @module
 */
import { DocSpaceError } from "./errors.ts";
import { envelope, send, uploaderReply } from "./_reply.ts";
import { type ChunkBody, createChunkBody } from "./chunk_body.ts";

/** The server's upload settings, from `GET /api/2.0/files/settings`. */
export interface UploadSettings {
  /** The size every chunk but the last must have, in bytes. */
  chunkUploadSize: number;
  /** The most chunk requests the server lets one user run at once. */
  maxUploadThreadCount: number;
}

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
  /** The session id (32 hex digits). */
  id: string;
  /** Where chunks go: `…/ChunkedUploader.ashx?uid=<id>`. */
  location: string;
  /** The file size the server expects, in bytes. */
  bytesTotal: number;
  /** When the session was created (ISO). */
  created: string;
  /** When the session expires unless a chunk renews it (ISO). */
  expired: string;
}

/** A file as DocSpace describes it. */
export interface DocSpaceFile {
  /** The file id. */
  id: number;
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
  /** The file id. */
  id: number;
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

/** How a chunk is sent to `location`. */
export interface UploadChunkOptions {
  /**
   * The chunk's number from 1. With `numbered: true` it is sent as `chunkNumber`; in sequential mode it
   * only names the chunk in errors.
   */
  chunkNumber: number;
  /**
   * Numbered (parallel) mode: `&upload=true&chunkNumber=N`. Otherwise sequential mode, where the server
   * counts chunks in arrival order.
   *
   * @default {true}
   */
  numbered?: boolean;
  /** Aborts the request. */
  signal?: AbortSignal | undefined;
}

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
}

/**
 * Builds the `Authorization` header value for a token: as given when it names a scheme (`Bearer …`,
 * `Basic …`), else `Bearer <token>`.
 *
 * @param token The token.
 * @returns The header value.
 *
 * @example Both forms
 * ```ts
 * import { authorizationHeader } from "@docspace-tools/upload";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(authorizationHeader("sk-123"), "Bearer sk-123");
 * assertEquals(authorizationHeader("Basic dTpw"), "Basic dTpw");
 * ```
 */
export function authorizationHeader(token: string): string {
  return /^(Bearer|Basic)\s+\S/i.test(token) ? token : `Bearer ${token}`;
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null
    ? value as Record<string, unknown>
    : {};
}

/**
 * One method per DocSpace chunked-upload request. Errors of every kind (error envelopes, HTTP-200
 * `success:false` replies, proxy pages, network failures) become {@linkcode DocSpaceError}s; no method
 * retries. Credentials go only to the portal's origin: a `location` anywhere else is refused.
 *
 * @example Upload a small file by hand
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
 * const result = await client.uploadChunk(session.location, new Blob(["hi"]), { chunkNumber: 1 });
 * assertEquals(result.done && result.file.title, "hi.txt");
 * ```
 */
export class SessionClient {
  /** The portal's URL, without a trailing slash. */
  readonly url: string;
  #origin: string;
  #fetch: typeof fetch;
  #headers: Headers;

  /**
   * Creates a client.
   *
   * @param options The portal URL, the token, and optionally `fetch` and extra headers.
   * @throws {TypeError} If the URL is not an http(s) URL or the token is empty.
   */
  constructor(options: SessionClientOptions) {
    let parsed: URL;
    try {
      parsed = new URL(options.url);
    } catch {
      throw new TypeError(
        `Cannot create SessionClient: url must be the portal's http(s) URL, received ${
          JSON.stringify(options.url)
        }`,
      );
    }
    if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
      throw new TypeError(
        `Cannot create SessionClient: url must be the portal's http(s) URL, received ${
          JSON.stringify(options.url)
        }`,
      );
    }
    if (typeof options.token !== "string" || options.token.trim() === "") {
      throw new TypeError(
        "Cannot create SessionClient: token is empty; pass the portal's API key or authentication token",
      );
    }
    this.url = (parsed.origin + parsed.pathname).replace(/\/+$/, "");
    this.#origin = parsed.origin;
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.#headers = new Headers(options.headers);
    this.#headers.set("authorization", authorizationHeader(options.token));
    this.#headers.set("accept", "application/json");
  }

  /**
   * Reads the server's chunk size and thread limit.
   *
   * @param signal Aborts the request.
   * @returns The settings.
   * @throws {DocSpaceError} If the request fails.
   */
  async settings(signal?: AbortSignal): Promise<UploadSettings> {
    const reply = await send(
      "settings",
      this.#fetch,
      `${this.url}/api/2.0/files/settings`,
      {
        headers: this.#headers,
        signal: signal ?? null,
      },
    );
    const settings = record(envelope("settings", reply));
    const chunkUploadSize = settings.chunkUploadSize;
    const maxUploadThreadCount = settings.maxUploadThreadCount;
    if (typeof chunkUploadSize !== "number" || !(chunkUploadSize > 0)) {
      throw new DocSpaceError(
        `the server's settings have no valid chunkUploadSize (received ${
          JSON.stringify(chunkUploadSize)
        })`,
        { step: "settings", status: reply.response.status },
      );
    }
    return {
      chunkUploadSize,
      maxUploadThreadCount:
        typeof maxUploadThreadCount === "number" && maxUploadThreadCount > 0
          ? maxUploadThreadCount
          : 15,
    };
  }

  /**
   * Opens an upload session in a folder.
   *
   * @param folderId The folder's id: a number, or a string for third-party storage folders.
   * @param options The file's name and size, and how to treat an existing file of that name.
   * @param signal Aborts the request.
   * @returns The session, with its `location`.
   * @throws {DocSpaceError} If the server refuses (401, 402, 403, 404, 415…) or returns a location on
   * another origin.
   */
  async createSession(
    folderId: number | string,
    options: CreateSessionOptions,
    signal?: AbortSignal,
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
    const headers = new Headers(this.#headers);
    headers.set("content-type", "application/json");
    const reply = await send(
      "create",
      this.#fetch,
      `${this.url}/api/2.0/files/${
        encodeURIComponent(String(folderId))
      }/upload/create_session`,
      {
        method: "POST",
        headers,
        body: JSON.stringify(body),
        signal: signal ?? null,
      },
    );
    const response = record(envelope("create", reply));
    const data = record(response.data ?? response);
    if (typeof data.location !== "string" || typeof data.id !== "string") {
      throw new DocSpaceError(
        "the server's reply has no session id and location",
        { step: "create", status: reply.response.status },
      );
    }
    this.#locationUrl(data.location, "", "create");
    return {
      id: data.id,
      location: data.location,
      bytesTotal: Number(data.bytes_total ?? options.fileSize),
      created: String(data.created ?? ""),
      expired: String(data.expired ?? ""),
    };
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
  async existingTitles(
    folderId: number | string,
    titles: string[],
    signal?: AbortSignal,
  ): Promise<string[]> {
    const headers = new Headers(this.#headers);
    headers.set("content-type", "application/json");
    const reply = await send(
      "check",
      this.#fetch,
      `${this.url}/api/2.0/files/${
        encodeURIComponent(String(folderId))
      }/upload/check`,
      {
        method: "POST",
        headers,
        body: JSON.stringify({ folderId, filesTitle: titles }),
        signal: signal ?? null,
      },
    );
    const response = envelope("check", reply);
    return Array.isArray(response)
      ? response.filter((t) => typeof t === "string")
      : [];
  }

  /**
   * Sends one chunk to the session's `location`, framed byte-exactly (see {@linkcode createChunkBody}).
   *
   * @param location The session's location.
   * @param chunk The chunk's bytes (a Blob or a Uint8Array), or a body already framed by
   * {@linkcode createChunkBody}.
   * @param options The chunk's number, the mode and an abort signal.
   * @returns `{ done: false }` while the session goes on; `{ done: true, file }` when the server completed
   * the file (the last sequential chunk, or the only request of a small file).
   * @throws {DocSpaceError} If the server refuses the chunk or no answer arrives.
   */
  async uploadChunk(
    location: string,
    chunk: Blob | Uint8Array | ChunkBody,
    options: UploadChunkOptions,
  ): Promise<ChunkResult> {
    const step = `chunk ${options.chunkNumber}`;
    const numbered = options.numbered ?? true;
    const url = this.#locationUrl(
      location,
      numbered ? `upload=true&chunkNumber=${options.chunkNumber}` : "",
      step,
    );
    const { body, contentType } =
      chunk instanceof Blob || chunk instanceof Uint8Array
        ? createChunkBody(chunk)
        : chunk;
    const headers = new Headers(this.#headers);
    headers.set("content-type", contentType);
    const reply = await send(step, this.#fetch, url, {
      method: "POST",
      headers,
      body,
      signal: options.signal ?? null,
    });
    const { status, data } = uploaderReply(step, reply);
    return status === 201
      ? { done: true, file: uploadedFile(data, step) }
      : { done: false };
  }

  /**
   * Completes a numbered-mode upload once every chunk is accepted.
   *
   * @param location The session's location.
   * @param signal Aborts the request.
   * @returns The uploaded file.
   * @throws {DocSpaceError} If chunks are missing ("uploadSize != bytesTotal") or the request fails.
   */
  async finalize(
    location: string,
    signal?: AbortSignal,
  ): Promise<UploadedFile> {
    const reply = await send(
      "finalize",
      this.#fetch,
      this.#locationUrl(location, "finalize=true", "finalize"),
      { method: "POST", headers: this.#headers, signal: signal ?? null },
    );
    const { status, data } = uploaderReply("finalize", reply);
    if (status !== 201) {
      throw new DocSpaceError(
        `expected HTTP 201 with the file, received HTTP ${status}`,
        { step: "finalize", status },
      );
    }
    return uploadedFile(data, "finalize");
  }

  /**
   * Drops the session and its chunks on the server.
   *
   * @param location The session's location.
   * @param signal Aborts the request.
   * @throws {DocSpaceError} If the server refuses or no answer arrives.
   */
  async abort(location: string, signal?: AbortSignal): Promise<void> {
    const reply = await send(
      "abort",
      this.#fetch,
      this.#locationUrl(location, "abort=true", "abort"),
      { method: "POST", headers: this.#headers, signal: signal ?? null },
    );
    uploaderReply("abort", reply);
  }

  #locationUrl(location: string, params: string, step: string): string {
    let parsed: URL | undefined;
    try {
      parsed = new URL(location);
    } catch {
      parsed = undefined;
    }
    if (parsed?.origin !== this.#origin) {
      throw new DocSpaceError(
        `the session location ${
          JSON.stringify(location)
        } is not on the portal's origin ${this.#origin}; credentials are only sent there`,
        { step },
      );
    }
    if (params === "") return location;
    return location + (location.includes("?") ? "&" : "?") + params;
  }
}

function uploadedFile(data: unknown, step: string): UploadedFile {
  const value = record(data);
  if (typeof value.id !== "number") {
    throw new DocSpaceError("the server's reply has no file", {
      step,
      status: 201,
    });
  }
  const file = record(value.file);
  return {
    id: value.id,
    folderId: value.folderId as number | string,
    version: Number(value.version ?? file.version ?? 1),
    title: String(value.title ?? file.title ?? ""),
    uploaded: value.uploaded !== false,
    file: { ...file, id: value.id } as DocSpaceFile,
  };
}
