/**
 * Uploads one file (or stdin) with `uploadFile`, keeping its resume state on disk while it runs, and
 * turns the outcome into a result the CLI can count and print.
 *
 * @module
 */
import { nodeFetch } from "../node_fetch.ts";
import { DocSpaceError } from "../src/client/errors.ts";
import type { UploadedFile } from "../src/client/session_client.ts";
import { uploadFile, type UploadState } from "../src/client/upload_file.ts";
import { humanBytes } from "./progress_bar.ts";
import type { LocalFile } from "./files.ts";
import type { Reporter } from "./reporter.ts";
import type { SavedUpload, StateStore } from "./state_file.ts";

/** One thing to upload: a local file, or stdin. */
export interface UploadItem {
  /** How the user knows it: the path, or `stdin`. */
  display: string;
  /** The title in DocSpace. */
  fileName: string;
  /** The size in bytes. */
  size: number;
  /** The subfolders it goes into. */
  relativePath?: string;
  /** The local file; absent for stdin. */
  file?: LocalFile;
}

/** What became of an item. */
export type ItemResult =
  | { status: "uploaded"; file: UploadedFile; elapsed: number; sent: number }
  | { status: "skipped" }
  | { status: "failed"; message: string }
  | { status: "interrupted"; resumable: boolean };

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
  /** `--resume`. */
  resume: boolean;
  /** Where resume state goes. */
  store: StateStore;
  /** The output. */
  reporter: Reporter;
  /** The interrupt signal. */
  signal: AbortSignal;
  /** Stdin, for an item without a file. */
  stdin: () => ReadableStream<Uint8Array>;
  /** The clock, in milliseconds. */
  now: () => number;
}

/** The server's message for a session it does not know (expired, finished or never created). */

function confirmedBytes(state: UploadState): number {
  return state.confirmedChunks.reduce(
    (sum, n) =>
      sum +
      Math.max(
        0,
        Math.min(state.chunkSize, state.fileSize - (n - 1) * state.chunkSize),
      ),
    0,
  );
}

function changed(saved: SavedUpload, file: LocalFile): string | undefined {
  if (saved.size !== file.size) {
    return `its size changed from ${saved.size} to ${file.size} bytes`;
  }
  if (saved.mtime !== file.mtime) {
    const when = (t: number | null) =>
      t === null ? "unknown" : new Date(t).toISOString();
    return `it was modified (${when(saved.mtime)} then, ${
      when(file.mtime)
    } now)`;
  }
  return undefined;
}

/**
 * Uploads one item and reports it. Never throws: failures become results.
 *
 * @param item The file or stdin.
 * @param context What every upload shares.
 * @returns What happened.
 */
export async function uploadItem(
  item: UploadItem,
  context: UploadContext,
): Promise<ItemResult> {
  const { reporter, store, signal } = context;
  const file = item.file;
  const statePath = file === undefined ? undefined : await store.pathFor({
    url: context.url,
    folderId: context.folderId,
    path: file.path,
    fileName: item.fileName,
    ...(item.relativePath !== undefined
      ? { relativePath: item.relativePath }
      : {}),
  });
  let resume: UploadState | undefined;
  if (context.resume && file !== undefined && statePath !== undefined) {
    const saved = await store.load(statePath);
    if (saved === undefined) {
      await reporter.note(
        `${item.display}: no interrupted upload is saved for it; uploading it from the start`,
      );
    } else {
      const why = changed(saved, file);
      if (why !== undefined) {
        return {
          status: "failed",
          message:
            `cannot resume: the file changed since its upload was interrupted (${why}); run without --resume to upload it again`,
        };
      }
      resume = saved.state;
    }
  }

  let stateSaved = resume !== undefined;
  let stateWarned = false;
  const onState = (state: UploadState) => {
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
        state,
        updated: new Date().toISOString(),
      });
      stateSaved = true;
    } catch (error) {
      if (!stateWarned) {
        stateWarned = true;
        reporter.note(
          `${item.display}: cannot save the resume state in ${store.directory} (${
            error instanceof Error ? error.message : String(error)
          }); the upload goes on but cannot be resumed`,
        );
      }
    }
  };

  const resumed = resume === undefined ? 0 : confirmedBytes(resume);
  const started = context.now();
  const line = reporter.start(item.display, item.size, resumed);
  let handle: Deno.FsFile | undefined;
  try {
    let source: ReadableStream<Uint8Array>;
    if (file === undefined) {
      source = context.stdin();
    } else {
      handle = await Deno.open(file.path, { read: true });
      source = handle.readable;
    }
    const uploaded = await uploadFile(source, {
      url: context.url,
      token: context.token,
      folderId: context.folderId,
      fileName: item.fileName,
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
      // Keep a numbered session on failure so --resume can finish it; stdin cannot be read again,
      // and sequential sessions cannot be resumed.
      abortSessionOnFailure: file === undefined ||
        typeof context.folderId === "string",
      signal,
      // Streams each chunk body instead of copying it whole (see node_fetch.ts).
      fetch: nodeFetch,
      onProgress: (progress) =>
        reporter.progress(line, progress.bytesConfirmed),
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
      return { status: "interrupted", resumable: stateSaved };
    }
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof DocSpaceError) {
      if (resume !== undefined && error.sessionGone) {
        if (statePath !== undefined) await store.remove(statePath);
        return {
          status: "failed",
          message:
            `${message} (the saved session has expired or is gone; run without --resume to upload the file again)`,
        };
      }
      return {
        status: "failed",
        message: stateSaved
          ? `${message} (progress is saved: run the same command with --resume to continue)`
          : message,
      };
    }
    // Anything else (a file that changed size while it was read, a refused option) leaves no session.
    if (statePath !== undefined) await store.remove(statePath);
    return {
      status: "failed",
      message: error instanceof RangeError &&
          /the stream (has more|ended after)/.test(message)
        ? `${message} (the file changed while it was being uploaded; its size was ${
          humanBytes(item.size)
        } when the upload started)`
        : message,
    };
  } finally {
    reporter.end(line);
    try {
      handle?.close();
    } catch {
      // Already closed by its stream.
    }
  }
}
