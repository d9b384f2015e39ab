/**
 * A batch's journal: the files it finished, one JSON line each, appended as each completes, so that
 * `--resume` after an interruption or a failure skips them. It lives beside the resume states, named by
 * the batch (portal, folder and the paths on the command line), and goes when the batch is complete.
 *
 * @module
 */
import { encodeHex } from "@std/encoding/hex";
import { join, resolve } from "node:path";

/** A file the batch finished. */
export interface FinishedFile {
  /** The local file's absolute path. */
  path: string;
  /** The title it was uploaded as. */
  fileName: string;
  /** The subfolders it went into. */
  relativePath?: string;
  /** Its size then, in bytes. */
  size: number;
  /** Its modification time then. */
  mtime: number | null;
  /** The server's file id. */
  id: number | string;
  /** The version the upload made. */
  version: number;
}

/** Whether a journal line is a finished file; a line of another shape (torn, tampered) is left out. */
function isFinished(value: unknown): value is FinishedFile {
  const entry = value as Record<string, unknown> | null;
  return typeof entry === "object" && entry !== null &&
    typeof entry.path === "string" && typeof entry.fileName === "string" &&
    (entry.relativePath === undefined ||
      typeof entry.relativePath === "string") &&
    Number.isSafeInteger(entry.size) && (entry.size as number) >= 0 &&
    (entry.mtime === null || Number.isFinite(entry.mtime)) &&
    (Number.isSafeInteger(entry.id) || typeof entry.id === "string") &&
    Number.isSafeInteger(entry.version);
}

/** What names a batch: the same command names the same batch. */
export interface BatchKey {
  /** The portal's URL. */
  url: string;
  /** The target folder. */
  folderId: number | string;
  /** The paths on the command line. */
  paths: string[];
}

/** The journal of one batch. */
export class BatchJournal {
  /** The journal's file. */
  readonly file: string;
  #directory: string;
  #created = false;

  private constructor(directory: string, file: string) {
    this.#directory = directory;
    this.file = file;
  }

  /**
   * The journal of a batch in a state directory (nothing is read or written yet).
   *
   * @param directory The state directory.
   * @param key The portal, the folder and the command line's paths.
   * @returns The journal.
   */
  static async of(directory: string, key: BatchKey): Promise<BatchJournal> {
    const text = JSON.stringify([
      key.url.replace(/\/+$/, ""),
      String(key.folderId),
      key.paths.map((p) => resolve(p)),
    ]);
    const digest = await crypto.subtle.digest(
      "SHA-256",
      new TextEncoder().encode(text),
    );
    const name = `batch-${
      encodeHex(new Uint8Array(digest)).slice(0, 32)
    }.jsonl`;
    return new BatchJournal(directory, join(directory, name));
  }

  /** The batch's lock file, beside the journal (see `batch_lock.ts`). */
  get lockFile(): string {
    return this.file.replace(/\.jsonl$/, ".lock");
  }

  /**
   * The files finished so far; a line cut short by a crash is left out.
   *
   * @returns The files, or none when there is no journal.
   */
  async load(): Promise<FinishedFile[]> {
    let text: string;
    try {
      text = await Deno.readTextFile(this.file);
    } catch {
      return [];
    }
    const finished: FinishedFile[] = [];
    for (const line of text.split("\n")) {
      try {
        const entry = JSON.parse(line);
        if (isFinished(entry)) finished.push(entry);
      } catch {
        // An empty or torn line.
      }
    }
    return finished;
  }

  /**
   * Appends a finished file, synchronously, readable by the owner only.
   *
   * @param file The file.
   */
  recordSync(file: FinishedFile): void {
    if (!this.#created) {
      Deno.mkdirSync(this.#directory, { recursive: true, mode: 0o700 });
      this.#created = true;
    }
    Deno.writeTextFileSync(this.file, JSON.stringify(file) + "\n", {
      append: true,
      mode: 0o600,
    });
  }

  /** Removes the journal, if there is one. */
  async remove(): Promise<void> {
    await Deno.remove(this.file).catch(() => {});
  }
}
