/**
 * A batch's uploads: the empty folders created first, then every file through one `UploadBatch` (one
 * budget of requests for the whole batch, many small files at once, a few large ones), each finished
 * file written to the batch's journal; the first failure that every file would meet (a refused token or
 * permission, a redirect, a portal out of reach) stops everything, with one message.
 *
 * @module
 */
import { DocSpaceError } from "../../src/client/errors.ts";
import type { CliArgs } from "../args/args.ts";
import type { Collected } from "../files/files.ts";
import type { CliIo } from "../io.ts";
import type { Reporter } from "../output/reporter.ts";
import type { BatchJournal } from "../resume/batch_journal.ts";
import { explain, stopReason } from "./failures.ts";
import type { UploadBatch } from "../../src/client/upload_batch.ts";
import type { Decision } from "./plan.ts";
import type { FolderTree } from "../../src/client/folder_tree.ts";
import type { ItemSave } from "../resume/saved_sessions.ts";
import type { StateStore } from "../resume/state_file.ts";
import { finish, uploadedLine } from "../output/summary.ts";
import type { ItemResult, UploadItem } from "../item.ts";
import { uploadItem } from "./upload_item.ts";

/** What a batch needs. */
export interface Batch {
  /** The parsed command line. */
  args: CliArgs;
  /** The files (or stdin) to upload. */
  items: UploadItem[];
  /** What else the command line's directories hold: empty ones, left-out and unreadable entries. */
  collected: Omit<Collected, "files">;
  /** The portal's URL. */
  url: string;
  /** The token. */
  token: string;
  /** The process's streams, environment and interrupt signal. */
  io: CliIo;
  /** The output. */
  reporter: Reporter;
}

/** What the uploads share besides the batch. */
export interface Uploads {
  /** The batch every request goes through. */
  uploads: UploadBatch;
  /** Where the last redirect pointed. */
  redirect: () => string | undefined;
  remote: FolderTree | undefined;
  saves: Map<UploadItem, ItemSave>;
  store: StateStore;
  journal: BatchJournal;
}

/**
 * Creates the empty folders and uploads the items decided for upload, then reports.
 *
 * @param batch The command line, the items, the portal and the output.
 * @param decisions What to do with each item.
 * @param uploads The target's folders, the saved sessions, the state store and the journal.
 * @returns The exit code.
 */
export async function runUploads(
  batch: Batch,
  decisions: Decision[],
  { uploads, redirect, remote, saves, store, journal }: Uploads,
): Promise<number> {
  const { args, items, collected, io, reporter } = batch;
  const stop = new AbortController();
  const signal = AbortSignal.any([io.signal, stop.signal]);
  let stopped = false;
  let failedBefore = collected.unreadable.length;
  /** Stops the batch at a failure every file would meet; true when this one did. */
  const stopAt = async (error: unknown, message: string): Promise<boolean> => {
    if (stopReason(error) === undefined) return false;
    if (!stopped) {
      stopped = true;
      stop.abort();
      await reporter.error(`error: ${message}`);
    }
    return true;
  };

  const results: (ItemResult | undefined)[] = [];
  for (const [i, decision] of decisions.entries()) {
    const item = items[i]!;
    if (decision.action === "skip") {
      results.push({ status: "skipped", reason: decision.reason });
      await reporter.note(`${item.display}: skipped, ${decision.reason}`);
    } else if (decision.action === "fail") {
      results.push({ status: "failed", message: decision.message });
      await reporter.error(`error: ${item.display}: ${decision.message}`);
    } else {
      results.push(undefined);
    }
  }

  for (const path of collected.emptyDirectories) {
    if (signal.aborted) break;
    try {
      await remote!.ensure(path);
    } catch (error) {
      if (!(error instanceof DocSpaceError) || io.signal.aborted) throw error;
      if (!await stopAt(error, explain(error))) {
        failedBefore++;
        await reporter.error(`error: ${path}: ${explain(error)}`);
      }
    }
  }

  const context = {
    url: batch.url,
    token: batch.token,
    folderId: args.folderId,
    createNewIfExist: args.onConflict === "copy",
    ...(args.concurrency !== undefined
      ? { concurrency: args.concurrency }
      : {}),
    ...(args.chunkSize !== undefined ? { chunkSize: args.chunkSize } : {}),
    store,
    reporter,
    signal,
    stdin: io.stdin,
    now: () => performance.now(),
    batch: uploads,
    redirect,
  };
  const started = performance.now();
  const one = async (i: number) => {
    const item = items[i]!;
    const decision = decisions[i]!;
    if (results[i] !== undefined || decision.action !== "upload") return;
    if (signal.aborted) return;
    const result = await uploadItem(item, context, {
      ...(saves.get(item)?.path ? { path: saves.get(item)!.path } : {}),
      ...(decision.resume ? { resume: decision.resume } : {}),
    });
    results[i] = result;
    if (result === undefined) return;
    if (result.status === "uploaded") {
      if (item.file) {
        journal.recordSync({
          path: item.file.path,
          fileName: item.fileName,
          ...(item.relativePath !== undefined
            ? { relativePath: item.relativePath }
            : {}),
          size: item.file.size,
          mtime: item.file.mtime,
          id: result.file.id,
          version: result.file.version,
        });
      }
      if (!args.json && reporter.verbose) {
        await reporter.out(
          uploadedLine(
            item,
            result,
            io.stdoutIsTerminal ? io.columns() : undefined,
          ),
        );
      }
    } else if (result.status === "failed") {
      if (stopped && stopReason(result.error)) {
        results[i] = { status: "interrupted", resumable: false };
      } else if (!await stopAt(result.error, result.message)) {
        await reporter.error(`error: ${item.display}: ${result.message}`);
      }
    }
  };
  await Promise.all(items.map((_, i) => one(i)));
  const code = await finish({
    items,
    results,
    leftOut: collected.skipped.length,
    otherFailures: failedBefore,
    // Every folder the run made: the empty ones, and those the files went into.
    foldersCreated: uploads.folders.created,
    excluded: collected.excluded,
    elapsed: performance.now() - started,
    json: args.json,
    interrupted: io.signal.aborted,
    stopped,
  }, reporter);
  if (code === 0) await journal.remove();
  return code;
}
