/**
 * `uploadFiles`: many files, from any iterable, through one {@linkcode UploadBatch}.
 *
 * @module
 */
import {
  type BatchFileOptions,
  type BatchSource,
  UploadBatch,
  type UploadBatchOptions,
  type UploadBatchStats,
} from "./upload_batch.ts";
import type { UploadedFile } from "./session_types.ts";

/** One file for {@linkcode uploadFiles}: its bytes, and its {@linkcode BatchFileOptions}. */
export type UploadEntry = BatchFileOptions & {
  /** The bytes, or a function that opens them when the file's turn comes. */
  source: BatchSource;
};

/** What became of one entry: its file, or why it failed. */
export type UploadFileResult =
  | { entry: UploadEntry; file: UploadedFile; error?: undefined }
  | { entry: UploadEntry; file?: undefined; error: unknown };

/** The whole batch's progress: every field only grows. */
export interface BatchProgress {
  /** Entries taken from the iterable so far. */
  files: number;
  /** Entries uploaded. */
  uploaded: number;
  /** Entries that failed. */
  failed: number;
  /** Bytes the server has accepted, over every entry. */
  bytesConfirmed: number;
  /** The sizes of the entries taken so far (a stream without `fileSize` counts 0). */
  totalBytes: number;
}

/** Options for {@linkcode uploadFiles}: the batch's, and what it reports. */
export interface UploadFilesOptions extends UploadBatchOptions {
  /** Called when an entry is uploaded or has failed, in the order they end. */
  onFile?: (result: UploadFileResult) => void;
  /** Called whenever the batch's progress changes. */
  onBatchProgress?: (progress: BatchProgress) => void;
  /**
   * Entries taken from the iterable ahead of the uploads, at most: a lazy iterable of a million files is
   * read no faster than it is uploaded.
   *
   * @default {256}
   */
  lookahead?: number;
}

/**
 * Uploads every entry of an iterable (or async iterable) through one {@linkcode UploadBatch}: one budget
 * of requests for all of them within DocSpace's per-user limits, many small files at once, and a file
 * that fails does not stop the others. Entries are read lazily, a bounded number ahead of the uploads.
 *
 * @param entries The files: each a `source` plus its name, size, folder and other options.
 * @param options The portal, the target folder, the batch's limits, and the reports.
 * @returns One result per entry, in the iterable's order, and the batch's statistics.
 * @throws {TypeError} If the URL or the token is unusable (before any request).
 *
 * @example Upload three files and a failure, and see each result
 * ```ts
 * import { uploadFiles } from "@docspace-tools/upload";
 * import { startEmulator } from "@docspace-tools/upload/testing";
 * import { assertEquals } from "@std/assert";
 *
 * await using portal = await startEmulator();
 * const { results } = await uploadFiles(
 *   [
 *     { source: new Blob(["a"]), fileName: "a.txt" },
 *     { source: new Blob(["b"]), fileName: "b.txt", relativePath: "docs" },
 *     { source: new Blob(["c"]), fileName: "c.txt", folderId: 404 },
 *   ],
 *   { url: portal.url, token: portal.token, folderId: 1 },
 * );
 * assertEquals(results.map((r) => r.file?.title ?? "failed"), ["a.txt", "b.txt", "failed"]);
 * ```
 */
export async function uploadFiles(
  entries: Iterable<UploadEntry> | AsyncIterable<UploadEntry>,
  options: UploadFilesOptions,
): Promise<{ results: UploadFileResult[]; stats: UploadBatchStats }> {
  const lookahead = options.lookahead ?? 256;
  if (!Number.isSafeInteger(lookahead) || lookahead < 1) {
    throw new RangeError(
      `Cannot upload files: lookahead must be a positive integer, received ${lookahead}`,
    );
  }
  const batch = new UploadBatch(options);
  const results: UploadFileResult[] = [];
  const progress: BatchProgress = {
    files: 0,
    uploaded: 0,
    failed: 0,
    bytesConfirmed: 0,
    totalBytes: 0,
  };
  const report = () => options.onBatchProgress?.({ ...progress });
  const running = new Set<Promise<void>>();
  const one = async (entry: UploadEntry, at: number) => {
    const { source, ...file } = entry;
    let confirmed = 0;
    try {
      const uploaded = await batch.upload(source, {
        ...file,
        onProgress: (p) => {
          progress.bytesConfirmed += p.bytesConfirmed - confirmed;
          confirmed = p.bytesConfirmed;
          report();
          entry.onProgress?.(p);
        },
      });
      results[at] = { entry, file: uploaded };
      progress.uploaded++;
    } catch (error) {
      results[at] = { entry, error };
      progress.failed++;
    }
    report();
    options.onFile?.(results[at]!);
  };
  let at = 0;
  for await (const entry of entries) {
    const size = entry.fileSize ??
      (entry.source instanceof Blob ? entry.source.size : 0);
    progress.files++;
    progress.totalBytes += size;
    report();
    const task = one(entry, at++).finally(() => running.delete(task));
    running.add(task);
    if (running.size >= lookahead) await Promise.race(running);
  }
  await Promise.all(running);
  return { results, stats: batch.stats() };
}
