/**
 * Uploads one file (or stdin) with `uploadFile`, keeping its resume state on disk while it runs, and
 * turns the outcome into a result the CLI can count and print.
 *
 * @module
 */
import { DocSpaceError, StreamLengthError } from "../../src/client/errors.ts";
import type {
  BatchFileOptions,
  UploadBatch,
} from "../../src/client/upload_batch.ts";
import type { UploadState } from "../../src/client/upload_types.ts";
import { explain } from "./failures.ts";
import {
  FileChangedError,
  openScanned,
  watchedFileStream,
} from "../files/file_source.ts";
import type { ItemResult, UploadItem } from "../item.ts";
import type { Reporter } from "../output/reporter.ts";
import { sentFileName } from "../names.ts";
import { abortSession, confirmedBytes } from "../resume/saved_sessions.ts";
import type { StateStore } from "../resume/state_file.ts";

export type { ItemResult, UploadItem } from "../item.ts";

/** What every upload shares. */
export interface UploadContext {
  /** The portal's URL. */
  url: string;
  /** The token. */
  token: string;
  /** The target folder. */
  folderId: number | string;
  /** `--on-conflict copy`. */
  createNewIfExist: boolean;
  /** `--concurrency`. */
  concurrency?: number;
  /** `--chunk-size`. */
  chunkSize?: number;
  /** Where resume state goes. */
  store: StateStore;
  /** The output. */
  reporter: Reporter;
  /** Stops the upload: the user's interrupt, or the batch stopping. */
  signal: AbortSignal;
  /** Stdin, for an item without a file. */
  stdin: () => ReadableStream<Uint8Array>;
  /** The clock, in milliseconds. */
  now: () => number;
  /** The batch every upload goes through: one budget of requests, the settings read once. */
  batch: UploadBatch;
  /** Where the last redirect pointed, for messages. */
  redirect: () => string | undefined;
}

/** Where one item's resume state is kept, and the state to resume from. */
export interface ItemState {
  /** The state file; absent for stdin. */
  path?: string;
  /** A saved session to continue (`--resume`). */
  resume?: UploadState;
}

/**
 * Uploads one item and reports it. Never throws: failures become results.
 *
 * @param item The file or stdin.
 * @param context What every upload shares.
 * @param state Where its resume state goes, and a state to resume from.
 * @returns What happened; undefined when the upload was stopped before the file's turn came.
 */
export async function uploadItem(
  item: UploadItem,
  context: UploadContext,
  state: ItemState = {},
): Promise<ItemResult | undefined> {
  const kept = new KeptState(item, context, state);
  const turn = new ItemTurn(item, context, state.resume);
  try {
    const uploaded = await context.batch.upload(
      () => turn.open(),
      await fileOptions(item, context, kept, turn),
    );
    if (state.path !== undefined) await context.store.remove(state.path);
    return {
      status: "uploaded",
      file: uploaded,
      elapsed: context.now() - turn.started,
      sent: item.size - turn.resumed,
    };
  } catch (error) {
    return await failure(item, context, kept, turn, error);
  } finally {
    turn.close();
  }
}

/** An item's resume state, saved on disk after each chunk the server confirms while it uploads. */
class KeptState {
  /** Whether a state is on disk: resumed from, or saved by this run. */
  saved: boolean;
  /** The last state the upload reported. */
  last: UploadState | undefined;
  /** The state file; absent for stdin. */
  readonly path: string | undefined;
  /** The state the upload resumes from. */
  readonly resume: UploadState | undefined;
  #warned = false;

  constructor(
    readonly item: UploadItem,
    readonly context: UploadContext,
    state: ItemState,
  ) {
    this.path = state.path;
    this.resume = state.resume;
    this.saved = state.resume !== undefined;
    this.last = state.resume;
  }

  /** Keeps the upload's new state (the upload's `onState`); a first failure to write it is a warning. */
  save(upload: UploadState): void {
    this.last = upload;
    const { item, context, path } = this;
    const file = item.file;
    if (file === undefined || path === undefined) return;
    try {
      context.store.saveSync(path, {
        version: 1,
        url: context.url,
        path: file.path,
        size: file.size,
        mtime: file.mtime,
        ...(item.relativePath !== undefined
          ? { relativePath: item.relativePath }
          : {}),
        state: upload,
        updated: new Date().toISOString(),
      });
      this.saved = true;
    } catch (error) {
      if (this.#warned) return;
      this.#warned = true;
      context.reporter.warn(
        `${item.display}: cannot save the resume state in ${context.store.directory} (${
          error instanceof Error ? error.message : String(error)
        }); the upload goes on but cannot be resumed`,
      );
    }
  }
}

/** The item's turn in the batch: when it came, its progress line and its open file. */
class ItemTurn {
  /** When the upload started, in milliseconds. */
  started: number;
  /** The item's progress line, once its turn came. */
  line: number | undefined;
  /** The bytes a saved session had already confirmed. */
  readonly resumed: number;
  #handle: Deno.FsFile | undefined;

  constructor(
    readonly item: UploadItem,
    readonly context: UploadContext,
    resume: UploadState | undefined,
  ) {
    this.started = context.now();
    this.resumed = resume === undefined ? 0 : confirmedBytes(resume);
  }

  /** Called by the batch when the file's turn comes: only then is it opened and shown. */
  async open(): Promise<ReadableStream<Uint8Array>> {
    const { item, context } = this;
    const file = item.file;
    this.started = context.now();
    this.line = context.reporter.start(item.display, item.size, this.resumed);
    if (file !== undefined) {
      this.#handle = await openScanned(
        file.path,
        file.identity,
        context.signal,
      );
    }
    return this.#handle === undefined || file === undefined
      ? context.stdin()
      : watchedFileStream(this.#handle, file);
  }

  /** Ends the progress line and closes the file. */
  close(): void {
    if (this.line !== undefined) this.context.reporter.end(this.line);
    try {
      this.#handle?.close();
    } catch {
      // Already closed by its stream.
    }
  }
}

/** What the batch is told about the item. */
async function fileOptions(
  item: UploadItem,
  context: UploadContext,
  kept: KeptState,
  turn: ItemTurn,
): Promise<BatchFileOptions> {
  const resume = kept.resume;
  const createOn = await createOnOf(item, context, resume);
  return {
    ...(createOn !== undefined ? { createOn } : {}),
    // The stored title in DocSpace's folders, so the server's lookup finds what an earlier run stored
    fileName: sentFileName(item.fileName, typeof context.folderId === "number"),
    fileSize: item.size,
    createNewIfExist: context.createNewIfExist,
    ...(item.relativePath !== undefined
      ? { relativePath: item.relativePath }
      : {}),
    ...(context.concurrency !== undefined
      ? { concurrency: context.concurrency }
      : {}),
    ...(context.chunkSize !== undefined
      ? { chunkSize: context.chunkSize }
      : {}),
    // Keep a numbered session on failure so the next run can finish it; stdin cannot be read again,
    // and sequential sessions cannot be resumed.
    abortSessionOnFailure: item.file === undefined ||
      typeof context.folderId === "string",
    signal: context.signal,
    onProgress: (progress) => {
      if (turn.line !== undefined) {
        context.reporter.progress(turn.line, progress.bytesConfirmed);
      }
    },
    onRetry: (notice) => {
      if (turn.line !== undefined) {
        context.reporter.retry(turn.line, item.display, notice);
      }
    },
    onState: (upload) => kept.save(upload),
    ...(resume !== undefined ? { resume } : {}),
  };
}

// A file that goes through a session anyway (a chunk or more) carries its modification time as
// DocSpace's `createOn`, as the web client sends it; a smaller one stays a single request (`insert`
// takes no createOn), and --skip-existing compares with the time DocSpace stored it (plan.ts).
async function createOnOf(
  item: UploadItem,
  context: UploadContext,
  resume: UploadState | undefined,
): Promise<string | undefined> {
  const mtime = item.file?.mtime;
  return mtime != null && resume === undefined &&
      item.size >= (await context.batch.settings()).chunkUploadSize
    ? new Date(mtime).toISOString()
    : undefined;
}

/** What a failed or stopped upload comes to, its resume state dropped where nothing can resume it. */
async function failure(
  item: UploadItem,
  context: UploadContext,
  kept: KeptState,
  turn: ItemTurn,
  error: unknown,
): Promise<ItemResult | undefined> {
  if (context.signal.aborted) {
    // A file the batch never got to was not started.
    return turn.line === undefined && !kept.saved
      ? undefined
      : { status: "interrupted", resumable: kept.saved };
  }
  if (error instanceof DocSpaceError) {
    return await serverFailure(context, kept, error);
  }
  // A changed file or a stream of the wrong length leaves nothing to resume.
  if (kept.path !== undefined) await context.store.remove(kept.path);
  if (error instanceof FileChangedError && kept.last !== undefined) {
    await abortSession(context, kept.last);
  }
  return { status: "failed", message: localFailure(item, error), error };
}

/** A failure the server reported: whether the saved progress still holds. */
async function serverFailure(
  context: UploadContext,
  kept: KeptState,
  error: DocSpaceError,
): Promise<ItemResult> {
  const message = explain(error, context.redirect());
  if (kept.resume !== undefined && error.sessionGone) {
    if (kept.path !== undefined) await context.store.remove(kept.path);
    return {
      status: "failed",
      message:
        `${message} (the saved session has expired or is gone; run the command again to upload the file from the start)`,
      error,
    };
  }
  return {
    status: "failed",
    message: kept.saved && !error.sessionGone
      ? `${message} (progress is saved: the same command again continues it)`
      : message,
    error,
  };
}

function localFailure(item: UploadItem, error: unknown): string {
  if (error instanceof FileChangedError) {
    return `${error.message}; nothing was stored: run the command again to upload it as it is now`;
  }
  if (error instanceof StreamLengthError && item.file === undefined) {
    return error.received > error.expected
      ? `more bytes arrived than --size ${error.expected}; nothing was stored: give --size the exact size`
      : `only ${error.received} bytes arrived, but --size is ${error.expected}; nothing was stored: give --size the exact size`;
  }
  if (error instanceof StreamLengthError) {
    return `the file changed while it was being uploaded (${error.message}); run the command again to upload it as it is now`;
  }
  if (error instanceof Deno.errors.PermissionDenied) {
    return `cannot read it: permission denied`;
  }
  return error instanceof Error ? error.message : String(error);
}
