/**
 * A batch up to its uploads: check the server when it must be asked, read what earlier runs saved,
 * and decide each item (skip, resume, upload). `--dry-run` ends here; otherwise `uploads.ts` goes on.
 *
 * @module
 */
import { DocSpaceError } from "../../src/client/errors.ts";
import { UploadBatch } from "../../src/client/upload_batch.ts";
import { printDryRun } from "./dry_run.ts";
import { explain, redirectAware } from "./failures.ts";
import { humanDuration } from "../output/human.ts";
import { serverText } from "../names.ts";
import { decide, type Decision } from "./plan.ts";
import type { FolderTree } from "../../src/client/folder_tree.ts";
import { savedProgress } from "../resume/saved_sessions.ts";
import { BatchJournal } from "../resume/batch_journal.ts";
import { BatchLock, BatchLockedError } from "../resume/batch_lock.ts";
import { stateDirectory, StateStore } from "../resume/state_file.ts";
import { type Batch, runUploads } from "./uploads.ts";
import { UsageError } from "../args/usage_error.ts";
import type { Reporter } from "../output/reporter.ts";

export type { Batch } from "./uploads.ts";

/**
 * Runs a batch.
 *
 * @param batch The command line, the items, the portal and the output.
 * @returns The exit code.
 */
export async function runBatch(batch: Batch): Promise<number> {
  const { args, items, io, reporter } = batch;
  await reportCollected(batch);
  const store = new StateStore(stateDirectory(io.env));
  const redirects = redirectAware(args.timeout > 0 ? args.timeout : undefined);
  const uploads = uploadBatch(batch, redirects.fetch);
  const journal = await BatchJournal.of(store.directory, {
    url: batch.url,
    folderId: args.folderId,
    paths: args.paths,
  });
  let lock: BatchLock | undefined;
  try {
    // One run of a batch at a time uses its saved progress (a dry run only reads it; stdin has none).
    if (!args.dryRun && items.some((item) => item.file !== undefined)) {
      lock = await BatchLock.acquire(journal.lockFile);
    }
    const remote = await targetFolders(batch, uploads);
    const { saves, finished } = await savedProgress({
      url: batch.url,
      token: batch.token,
      store,
      journal,
      items,
      args,
      reporter,
    });
    const context = { ...args, finished, saves, ...(remote ? { remote } : {}) };
    const decisions: Decision[] = [];
    for (const item of items) decisions.push(await decide(item, context));
    if (args.dryRun) return await dryRun(batch, decisions, remote!);
    return await runUploads(batch, decisions, {
      uploads,
      redirect: redirects.location,
      remote,
      saves,
      store,
      journal,
    });
  } catch (error) {
    return await failedBeforeUploads(reporter, io.signal, error);
  } finally {
    await lock?.release();
  }
}

/** Says what the command line's directories left out, and what could not be read. */
async function reportCollected({ collected, reporter }: Batch): Promise<void> {
  for (const left of collected.skipped) {
    await reporter.warn(`${left.display}: skipped, ${left.reason}`);
  }
  for (const bad of collected.unreadable) {
    await reporter.error(`error: ${bad.display}: ${bad.reason}`);
  }
}

/** One batch for every request of the run: one budget, the settings read once. */
function uploadBatch(
  { args, url, token, io, reporter }: Batch,
  fetch: typeof globalThis.fetch,
): UploadBatch {
  return new UploadBatch({
    url,
    token,
    folderId: args.folderId,
    // Streams each chunk body instead of copying it whole (see node_fetch.ts).
    fetch,
    signal: io.signal,
    onRetry: ({ step, error, delay }) =>
      reporter.warn(
        `${step} failed (${serverText(error.detail)}); retrying in ${
          humanDuration(delay)
        }`,
      ),
  });
}

/**
 * Asks the server what the batch must know before it decides: the target's folders (when the plan
 * reads them or empty directories are to be made) and whether `--chunk-size` is the server's.
 */
async function targetFolders(
  { args, collected }: Batch,
  uploads: UploadBatch,
): Promise<FolderTree | undefined> {
  const needsFolders = args.dryRun || args.skipExisting ||
    args.onConflict === "skip" || collected.emptyDirectories.length > 0;
  const numberedChunkSize = args.chunkSize !== undefined &&
    typeof args.folderId === "number";
  if (needsFolders || numberedChunkSize) {
    // The batch's one read of the settings: a portal that cannot be reached fails here, in the client's words.
    const { chunkUploadSize } = await uploads.settings();
    if (numberedChunkSize && chunkUploadSize !== args.chunkSize) {
      throw new UsageError(
        `--chunk-size ${args.chunkSize} differs from the server's chunkUploadSize ${chunkUploadSize}; uploads into folders with numeric ids need the server's size, so leave --chunk-size out`,
      );
    }
  }
  return needsFolders ? uploads.folders : undefined;
}

/** `--dry-run`: looks up the empty directories, and prints what the batch would do. */
async function dryRun(
  { args, items, collected, reporter }: Batch,
  decisions: Decision[],
  remote: FolderTree,
): Promise<number> {
  const missing: string[] = [];
  for (const path of collected.emptyDirectories) {
    if (await remote.find(path) === undefined) missing.push(path);
  }
  return await printDryRun(
    items,
    decisions,
    missing,
    args.json,
    args.onConflict === "copy",
    reporter,
    collected.excluded,
  );
}

/** The exit code of a batch that failed before its uploads, said once. */
async function failedBeforeUploads(
  reporter: Reporter,
  interrupt: AbortSignal,
  error: unknown,
): Promise<number> {
  if (interrupt.aborted) {
    await reporter.error("Interrupted before any upload started");
    return 130;
  }
  if (error instanceof UsageError) {
    await reporter.error(
      `error: ${error.message}\nRun with --help for usage.`,
    );
    return 2;
  }
  if (error instanceof BatchLockedError) {
    await reporter.error(`error: ${error.message}`);
    return 1;
  }
  if (!(error instanceof DocSpaceError)) throw error;
  await reporter.error(`error: ${explain(error)}`);
  return 1;
}
