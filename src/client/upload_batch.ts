/**
 * `UploadBatch`: many files into one portal, with one budget of requests for all of them.
 *
 * @module
 */
import { Gate } from "./_gate.ts";
import { insertSmall, type InsteadOfInsert } from "./_insert_small.ts";
import { isNativeFolder } from "./_upload_plan.ts";
import { retryPolicy } from "./_retry.ts";
import { type SharedPortal, sharedPortal } from "./_shared_portal.ts";
import { FolderTree } from "./folder_tree.ts";
import { RequestBudget, type RequestBudgetStats } from "./request_budget.ts";
import type {
  SessionRoutes,
  UploadedFile,
  UploadSettings,
} from "./session_types.ts";
import { storedTitle, titleKey } from "./stored_title.ts";
import { uploadThrough } from "./upload_file.ts";
import type {
  RetryNotice,
  RetryOptions,
  UploadOptions,
} from "./upload_types.ts";

/** Options for {@linkcode UploadBatch}: the portal, and how the batch shares it. */
export interface UploadBatchOptions {
  /** The portal's URL, like `https://example.onlyoffice.com`. */
  url: string;
  /** An API key, OAuth2 or authentication token, sent as `Bearer <token>` unless it names its scheme. */
  token: string;
  /** The folder files go to unless a file names another; `relativePath`s start here. */
  folderId: number | string;
  /** The `fetch` to use. @default {globalThis.fetch} */
  fetch?: typeof fetch;
  /** Extra headers for every request. */
  headers?: HeadersInit;
  /** Which session routes to use (see {@linkcode UploadOptions.routes}); found out once per batch. @default {"auto"} */
  routes?: "auto" | SessionRoutes;
  /** How transient failures are retried, for every file. */
  retry?: RetryOptions;
  /** Stops every upload of the batch. */
  signal?: AbortSignal;
  /**
   * Told before a request that belongs to no one file (settings, a folder's listing or creation) is sent
   * again; each file's own requests go to its `onRetry`.
   */
  onRetry?: (notice: RetryNotice) => void;
  /**
   * Requests other than GET in flight at once, for the whole batch. DocSpace refuses a user's requests
   * past its `maxUploadThreadCount` (15 by default) with 429, counting every client of that user.
   *
   * @default {four fifths of the server's maxUploadThreadCount, at least 1}
   */
  maxConcurrentRequests?: number;
  /**
   * Requests of any kind started in any minute, for the whole batch; `false` for no pace. DocSpace
   * allows a user 1,500.
   *
   * @default {1350}
   */
  requestsPerMinute?: number | false;
  /**
   * Whether files smaller than one chunk go in one request (`POST /api/2.0/files/{folderId}/insert`)
   * where that stores the same file as a session: a DocSpace folder, no `createOn`, no resume, a format
   * the portal does not convert on upload (`extsMustConvert`) and not a PDF (whose forms the session
   * routes check). A server or gateway without the route (404) makes the batch use sessions.
   *
   * @default {true}
   */
  singleRequest?: boolean;
  /** Files of at least one chunk uploading at once (each holds `concurrency` chunk buffers). @default {2} */
  largeFilesAtOnce?: number;
  /** Bytes of files smaller than one chunk held in memory at once. @default {67108864} */
  smallBytesInFlight?: number;
}

/** One file of a batch: {@linkcode UploadOptions} less what the batch decides. */
export type BatchFileOptions =
  & Omit<
    UploadOptions,
    "url" | "token" | "fetch" | "headers" | "routes" | "retry" | "folderId"
  >
  & {
    /** The folder, when not the batch's. */
    folderId?: number | string;
  };

/** A source, or a function that opens one when the batch gets to the file (so a batch opens no more files than it sends). */
export type BatchSource =
  | Blob
  | ReadableStream<Uint8Array>
  | (() =>
    | Blob
    | ReadableStream<Uint8Array>
    | Promise<Blob | ReadableStream<Uint8Array>>);

/** What an {@linkcode UploadBatch} has done. */
export interface UploadBatchStats {
  /** The requests: started, refused with 429, the most in flight at once. */
  requests: RequestBudgetStats;
  /** Files stored in one request (`insert`). */
  inserted: number;
  /** Files stored through a session. */
  sessions: number;
  /** Folders the batch created. */
  foldersCreated: number;
}

/** The most small files in flight at once, whatever their size. */
const SMALL_FILES_AT_ONCE = 64;

/**
 * Uploads many files into one portal the way one client should: every request of every file (settings,
 * folder listing and creation, session creation, chunks, finalize, single-request uploads) draws from one
 * {@linkcode RequestBudget} sized from the server's `maxUploadThreadCount`, with room left for the user's
 * other clients, and paced under DocSpace's requests per minute; a 429 slows the whole batch down and
 * fails no file. The settings and the route generation are found out once. Files smaller than one chunk
 * are many at once and take one request each where that stores the same file (see `singleRequest`);
 * larger ones go through sessions, a few at a time, their chunks sharing the same budget, so small files
 * fill the gaps while large chunks fly. `relativePath` folders are created once, before the files that
 * go into them, never raced.
 *
 * Call {@linkcode UploadBatch.upload} for each file, all at once if you like: the batch decides when each
 * starts (and opens a file only then, when given a function).
 *
 * @example Upload three files at once
 * ```ts
 * import { UploadBatch } from "@docspace-tools/upload";
 * import { startEmulator } from "@docspace-tools/upload/testing";
 * import { assertEquals } from "@std/assert";
 *
 * await using portal = await startEmulator({ chunkUploadSize: 1024 });
 * const batch = new UploadBatch({ url: portal.url, token: portal.token, folderId: 1 });
 * const files = await Promise.all(["a.txt", "b.txt", "docs/c.txt"].map((path) =>
 *   batch.upload(new Blob([`content of ${path}`]), {
 *     fileName: path.split("/").pop()!,
 *     ...(path.includes("/") ? { relativePath: "docs" } : {}),
 *   })
 * ));
 * assertEquals(files.map((f) => f.title), ["a.txt", "b.txt", "c.txt"]);
 * assertEquals(batch.stats().inserted, 3);
 * ```
 */
export class UploadBatch {
  #options: UploadBatchOptions;
  #budget: RequestBudget;
  #portal: SharedPortal;
  #folders: FolderTree;
  #large: Gate;
  #small: Gate;
  #settings: Promise<UploadSettings> | undefined;
  #insert = true;
  #titles = new Map<string, Promise<void>>();
  #counts = { inserted: 0, sessions: 0 };

  /**
   * Sends nothing yet.
   *
   * @param options The portal, the target folder, and how the batch shares the portal.
   * @throws {TypeError} If the URL or the token is unusable.
   * @throws {RangeError} If a limit is not a positive integer.
   */
  constructor(options: UploadBatchOptions) {
    this.#options = options;
    this.#budget = new RequestBudget({
      writes: options.maxConcurrentRequests ?? 4,
      ...(options.requestsPerMinute !== undefined
        ? { requestsPerMinute: options.requestsPerMinute }
        : {}),
    });
    retryPolicy(options.retry);
    const fetcher = this.#budget.fetch(
      options.fetch ?? globalThis.fetch.bind(globalThis),
    );
    this.#portal = sharedPortal({
      url: options.url,
      token: options.token,
      fetch: fetcher,
      ...(options.headers ? { headers: options.headers } : {}),
      ...(options.routes ? { routes: options.routes } : {}),
    }, options.signal ? { signal: options.signal } : {});
    this.#folders = new FolderTree({
      url: options.url,
      token: options.token,
      folderId: options.folderId,
      fetch: fetcher,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onRetry ? { onRetry: options.onRetry } : {}),
    });
    const large = options.largeFilesAtOnce ?? 2;
    const bytes = options.smallBytesInFlight ?? 64 * 1024 * 1024;
    for (
      const [name, value] of [["largeFilesAtOnce", large], [
        "smallBytesInFlight",
        bytes,
      ]] as const
    ) {
      if (!Number.isSafeInteger(value) || value < 1) {
        throw new RangeError(
          `Cannot create UploadBatch: ${name} must be a positive integer, received ${value}`,
        );
      }
    }
    this.#large = new Gate(large);
    this.#small = new Gate(SMALL_FILES_AT_ONCE, bytes);
  }

  /** The target folder's tree, as the batch has read and created it. */
  get folders(): FolderTree {
    return this.#folders;
  }

  /**
   * The server's settings, read once for the whole batch (which sizes its budget from them).
   *
   * @returns The settings.
   * @throws {DocSpaceError} If they cannot be read.
   */
  settings(): Promise<UploadSettings> {
    if (this.#settings === undefined) {
      this.#settings = this.#portal.settings(this.#retry()).then((settings) => {
        if (this.#options.maxConcurrentRequests === undefined) {
          this.#budget.resize(
            Math.max(1, Math.floor(settings.maxUploadThreadCount * 4 / 5)),
          );
        }
        return settings;
      });
      this.#settings.catch(() => this.#settings = undefined);
    }
    return this.#settings;
  }

  /**
   * Uploads one file when the batch has room for it.
   *
   * @param source The bytes, or a function that opens them when the file's turn comes.
   * @param file The file's name, size, folder and the rest of {@linkcode UploadOptions}.
   * @returns The uploaded file.
   * @throws {TypeError} If an option has the wrong type.
   * @throws {RangeError} If a size is invalid.
   * @throws {StreamLengthError} If a stream is longer or shorter than `fileSize`.
   * @throws {DocSpaceError} If the server refuses or cannot be reached, after retries where they are safe.
   */
  async upload(
    source: BatchSource,
    file: BatchFileOptions,
  ): Promise<UploadedFile> {
    const signal = this.#signalOf(file.signal);
    const size = file.fileSize ??
      (source instanceof Blob ? source.size : undefined);
    // The settings and the file's folder at once: each may cost a round trip.
    const [settings, target] = await Promise.all([
      this.settings(),
      this.#target(file),
    ]);
    const small = size !== undefined && size < settings.chunkUploadSize;
    const leave = small
      ? await this.#small.enter(size, signal)
      : await this.#large.enter(1, signal);
    try {
      const opened = typeof source === "function" ? await source() : source;
      const options: UploadOptions = {
        ...file,
        url: this.#options.url,
        token: this.#options.token,
        folderId: target.folderId,
        ...(this.#options.retry ? { retry: this.#options.retry } : {}),
        ...(signal ? { signal } : {}),
      };
      delete options.relativePath;
      if (target.relativePath !== undefined) {
        options.relativePath = target.relativePath;
      }
      let sending = opened;
      if (small && this.#insertable(options, settings)) {
        const stored = await this.#inserting(opened, options, settings);
        if (!("session" in stored)) {
          leave();
          return stored;
        }
        sending = stored.source;
      }
      const uploaded = await uploadThrough(this.#portal, sending, options);
      this.#counts.sessions++;
      await this.#folders.remember(uploaded);
      leave();
      return uploaded;
    } catch (error) {
      // A failed file's place is given back a turn later, so that a caller who stops the batch on
      // this failure does so before another file starts.
      setTimeout(leave, 0);
      throw error;
    }
  }

  /**
   * The folder a file goes to: its own, a resumed session's, or the batch's; a `relativePath` in a
   * DocSpace folder is made here, once for every file that names it, rather than by each session (which
   * would race for the same name).
   */
  async #target(
    file: BatchFileOptions,
  ): Promise<{ folderId: number | string; relativePath?: string }> {
    const folderId = file.folderId ?? file.resume?.folderId ??
      this.#options.folderId;
    const relativePath = file.relativePath;
    if (relativePath === undefined) return { folderId };
    if (
      file.resume === undefined && isNativeFolder(folderId) &&
      file.folderId === undefined
    ) return { folderId: await this.#folders.ensure(relativePath) };
    return { folderId, relativePath };
  }

  /**
   * What the batch has done so far.
   *
   * @returns Request counts and peaks, and how files were stored.
   */
  stats(): UploadBatchStats {
    return {
      requests: this.#budget.stats(),
      ...this.#counts,
      foldersCreated: this.#folders.created,
    };
  }

  #retry() {
    const onRetry = this.#options.onRetry;
    return {
      policy: retryPolicy(this.#options.retry),
      signal: this.#options.signal ?? new AbortController().signal,
      now: Date.now,
      random: Math.random,
      ...(onRetry ? { onRetry } : {}),
    };
  }

  #signalOf(signal: AbortSignal | undefined): AbortSignal | undefined {
    const batch = this.#options.signal;
    if (batch && signal) return AbortSignal.any([batch, signal]);
    return batch ?? signal;
  }

  #insertable(options: UploadOptions, settings: UploadSettings): boolean {
    if (
      this.#options.singleRequest === false || !this.#insert ||
      !isNativeFolder(options.folderId) || options.resume !== undefined ||
      options.createOn !== undefined || options.relativePath !== undefined ||
      settings.extsMustConvert === undefined
    ) return false;
    const name = options.fileName ?? "";
    // A name without an extension is stored with a trailing dot that DocSpace's own lookup then misses
    // ("README" does not find "README."), so a lost reply could not be told from the listing.
    const dot = name.lastIndexOf(".");
    if (dot < 0) return false;
    const extension = dot >= 0 ? name.slice(dot).trim().toLowerCase() : "";
    return extension !== ".pdf" &&
      !settings.extsMustConvert.some((e) => e.toLowerCase() === extension);
  }

  /** A small file in one request, or why and what a session must send instead. */
  async #inserting(
    source: Blob | ReadableStream<Uint8Array>,
    options: UploadOptions,
    settings: UploadSettings,
  ): Promise<UploadedFile | InsteadOfInsert> {
    // Files that the server would store under one title in one folder go one after another, so that a
    // lost reply can be told from the folder's listing.
    const key = `${options.folderId}\n${
      titleKey(storedTitle(options.fileName ?? ""))
    }`;
    const before = this.#titles.get(key) ?? Promise.resolve();
    let done!: () => void;
    const mine = new Promise<void>((resolve) => done = resolve);
    const chained = before.then(() => mine);
    this.#titles.set(key, chained);
    try {
      await before;
      const stored = await insertSmall({
        client: this.#portal.client,
        folders: this.#folders,
        source,
        options,
        settings,
      });
      if ("session" in stored) {
        if (stored.session !== "another result") this.#insert = false;
        return stored;
      }
      this.#counts.inserted++;
      await this.#folders.remember(stored);
      return stored;
    } finally {
      done();
      if (this.#titles.get(key) === chained) this.#titles.delete(key);
    }
  }
}
