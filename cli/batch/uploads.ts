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
import { type UploadContext, uploadItem } from "./upload_item.ts";

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
  uploads: Uploads,
): Promise<number> {
  const { args, items, collected, io, reporter } = batch;
  const stop = new BatchStop(io.signal, reporter);
  const results = await decidedResults(batch, decisions);
  const folderFailures = await createEmptyFolders(batch, uploads.remote, stop);
  const run: Run = {
    batch,
    uploads,
    stop,
    context: uploadContext(batch, uploads, stop.signal),
  };
  const started = performance.now();
  await Promise.all(items.map(async (item, i) => {
    const decision = decisions[i]!;
    if (results[i] !== undefined || decision.action !== "upload") return;
    if (stop.signal.aborted) return;
    results[i] = await uploadOne(run, item, decision);
  }));
  const code = await finish({
    items,
    results,
    leftOut: collected.skipped.length,
    otherFailures: collected.unreadable.length + folderFailures,
    // Every folder the run made: the empty ones, and those the files went into.
    foldersCreated: uploads.uploads.folders.created,
    excluded: collected.excluded,
    elapsed: performance.now() - started,
    json: args.json,
    interrupted: io.signal.aborted,
    stopped: stop.stopped,
  }, reporter);
  if (code === 0) await uploads.journal.remove();
  return code;
}

/** Stops the batch at the first failure every file would meet, and says so once. */
class BatchStop {
  /** The user's interrupt, or the batch stopping. */
  readonly signal: AbortSignal;
  /** Whether a failure stopped the batch. */
  stopped = false;
  #controller = new AbortController();

  constructor(interrupt: AbortSignal, readonly reporter: Reporter) {
    this.signal = AbortSignal.any([interrupt, this.#controller.signal]);
  }

  /** Stops the batch if this failure would meet every file; true when it would. */
  async at(error: unknown, message: string): Promise<boolean> {
    if (stopReason(error) === undefined) return false;
    if (!this.stopped) {
      this.stopped = true;
      this.#controller.abort();
      await this.reporter.error(`error: ${message}`);
    }
    return true;
  }
}

/** One batch's run of uploads: the batch, what its uploads share, its stop and the items' context. */
interface Run {
  batch: Batch;
  uploads: Uploads;
  stop: BatchStop;
  context: UploadContext;
}

/** The results of the items decided before any upload (skipped, refused), each said; the others to come. */
async function decidedResults(
  { items, reporter }: Batch,
  decisions: Decision[],
): Promise<(ItemResult | undefined)[]> {
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
  return results;
}

/** Creates the directories with nothing to upload; returns how many failed. */
async function createEmptyFolders(
  { collected, io, reporter }: Batch,
  remote: FolderTree | undefined,
  stop: BatchStop,
): Promise<number> {
  let failed = 0;
  for (const path of collected.emptyDirectories) {
    if (stop.signal.aborted) break;
    try {
      await remote!.ensure(path);
    } catch (error) {
      if (!(error instanceof DocSpaceError) || io.signal.aborted) throw error;
      if (!await stop.at(error, explain(error))) {
        failed++;
        await reporter.error(`error: ${path}: ${explain(error)}`);
      }
    }
  }
  return failed;
}

function uploadContext(
  { args, url, token, io, reporter }: Batch,
  { uploads, redirect, store }: Uploads,
  signal: AbortSignal,
): UploadContext {
  return {
    url,
    token,
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
}

/** Uploads one item decided for upload, and says how it went: journal, summary line or error. */
async function uploadOne(
  run: Run,
  item: UploadItem,
  decision: Decision & { action: "upload" },
): Promise<ItemResult | undefined> {
  const { batch: { reporter }, uploads: { saves }, stop } = run;
  const result = await uploadItem(item, run.context, {
    ...(saves.get(item)?.path ? { path: saves.get(item)!.path } : {}),
    ...(decision.resume ? { resume: decision.resume } : {}),
  });
  if (result?.status === "uploaded") {
    await recordUploaded(run, item, result);
  } else if (result?.status === "failed") {
    if (stop.stopped && stopReason(result.error)) {
      return { status: "interrupted", resumable: false };
    }
    if (!await stop.at(result.error, result.message)) {
      await reporter.error(`error: ${item.display}: ${result.message}`);
    }
  }
  return result;
}

/** Writes an uploaded file to the batch's journal, and its line to stdout. */
async function recordUploaded(
  { batch: { args, io, reporter }, uploads: { journal } }: Run,
  item: UploadItem,
  result: ItemResult & { status: "uploaded" },
): Promise<void> {
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
}
