/**
 * Uploads one file (or stdin) with `uploadFile`, keeping its resume state on disk while it runs, and
 * turns the outcome into a result the CLI can count and print.
 *
 * @module
 */
import { DocSpaceError, StreamLengthError } from "../../src/client/errors.ts";
import type { UploadBatch } from "../../src/client/upload_batch.ts";
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
  const { reporter, store, signal } = context;
  const file = item.file;
  const statePath = state.path;
  const resume = state.resume;
  let stateSaved = resume !== undefined;
  let lastState: UploadState | undefined = resume;
  let stateWarned = false;
  const onState = (upload: UploadState) => {
    lastState = upload;
    if (file === undefined || statePath === undefined) return;
    try {
      store.saveSync(statePath, {
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
      stateSaved = true;
    } catch (error) {
      if (!stateWarned) {
        stateWarned = true;
        reporter.warn(
          `${item.display}: cannot save the resume state in ${store.directory} (${
            error instanceof Error ? error.message : String(error)
          }); the upload goes on but cannot be resumed`,
        );
      }
    }
  };

  const resumed = resume === undefined ? 0 : confirmedBytes(resume);
  let started = context.now();
  let line: number | undefined;
  let handle: Deno.FsFile | undefined;
  try {
    // The batch calls this when the file's turn comes: only then is it opened and shown.
    const open = async () => {
      started = context.now();
      line = reporter.start(item.display, item.size, resumed);
      if (file !== undefined) {
        handle = await openScanned(file.path, file.identity, signal);
      }
      return handle === undefined || file === undefined
        ? context.stdin()
        : watchedFileStream(handle, file);
    };
    // A file that goes through a session anyway (a chunk or more) carries its modification time as
    // DocSpace's `createOn`, as the web client sends it; a smaller one stays a single request (`insert`
    // takes no createOn), and --skip-existing compares with the time DocSpace stored it (plan.ts).
    const createOn = file?.mtime != null && resume === undefined &&
        item.size >= (await context.batch.settings()).chunkUploadSize
      ? new Date(file.mtime).toISOString()
      : undefined;
    const uploaded = await context.batch.upload(open, {
      ...(createOn !== undefined ? { createOn } : {}),
      // The stored title in DocSpace's folders, so the server's lookup finds what an earlier run stored
      fileName: sentFileName(
        item.fileName,
        typeof context.folderId === "number",
      ),
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
      abortSessionOnFailure: file === undefined ||
        typeof context.folderId === "string",
      signal,
      onProgress: (progress) => {
        if (line !== undefined) {
          reporter.progress(line, progress.bytesConfirmed);
        }
      },
      onRetry: (notice) => {
        if (line !== undefined) reporter.retry(line, item.display, notice);
      },
      onState,
      ...(resume !== undefined ? { resume } : {}),
    });
    if (statePath !== undefined) await store.remove(statePath);
    return {
      status: "uploaded",
      file: uploaded,
      elapsed: context.now() - started,
      sent: item.size - resumed,
    };
  } catch (error) {
    if (signal.aborted) {
      // A file the batch never got to was not started.
      return line === undefined && !stateSaved
        ? undefined
        : { status: "interrupted", resumable: stateSaved };
    }
    if (error instanceof DocSpaceError) {
      const message = explain(error, context.redirect());
      if (resume !== undefined && error.sessionGone) {
        if (statePath !== undefined) await store.remove(statePath);
        return {
          status: "failed",
          message:
            `${message} (the saved session has expired or is gone; run the command again to upload the file from the start)`,
          error,
        };
      }
      return {
        status: "failed",
        message: stateSaved && !error.sessionGone
          ? `${message} (progress is saved: the same command again continues it)`
          : message,
        error,
      };
    }
    // A changed file or a stream of the wrong length leaves nothing to resume.
    if (statePath !== undefined) await store.remove(statePath);
    if (error instanceof FileChangedError && lastState !== undefined) {
      await abortSession(context, lastState);
    }
    return { status: "failed", message: localFailure(item, error), error };
  } finally {
    if (line !== undefined) reporter.end(line);
    try {
      handle?.close();
    } catch {
      // Already closed by its stream.
    }
  }
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
