// The files a person picks or drops, each with the folder path it had under what was picked (kept as the
// upload's relativePath), bounded: at most MAX_FILES files and MAX_DEPTH folder levels. Browser-only.
import type { DataTransferLike, FsEntry } from "./_dom.ts";

/** A picked file and its folder path under what was picked ("" for a file picked alone). */
export interface Picked {
  file: File;
  /** Folder names separated by `/`, like `album/2024`. */
  dir: string;
}

/** The most files one pick or drop adds. */
export const MAX_FILES = 1000;
/** The deepest folder level walked. */
const MAX_DEPTH = 32;

/** The folder part of a `a/b/c.txt` path, without empty or `.` segments. */
export function dirOf(path: string): string {
  const parts = path.split("/").filter((p) => p !== "" && p !== ".");
  parts.pop();
  return parts.join("/");
}

/** The files of a file input: `webkitRelativePath` holds the folder path of a folder pick. */
export function fromInput(files: ArrayLike<File>): Picked[] {
  return Array.from(files).slice(0, MAX_FILES).map((file) => ({
    file,
    dir: dirOf(
      (file as File & { webkitRelativePath?: string }).webkitRelativePath ?? "",
    ),
  }));
}

function entryFile(entry: FsEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file!(resolve, reject));
}

async function children(entry: FsEntry): Promise<FsEntry[]> {
  const reader = entry.createReader!();
  const all: FsEntry[] = [];
  // readEntries answers in batches (100 in Chromium) until an empty one.
  while (all.length <= MAX_FILES) {
    const batch = await new Promise<FsEntry[]>((resolve, reject) =>
      reader.readEntries(resolve, reject)
    );
    if (batch.length === 0) break;
    all.push(...batch);
  }
  return all;
}

/** Walks dropped entries depth-first into `out`, up to the bounds. */
async function walk(
  entry: FsEntry,
  dir: string,
  depth: number,
  out: Picked[],
): Promise<void> {
  if (out.length >= MAX_FILES) return;
  if (entry.isFile && entry.file) {
    out.push({ file: await entryFile(entry), dir });
  } else if (entry.isDirectory && entry.createReader && depth < MAX_DEPTH) {
    const path = dir === "" ? entry.name : `${dir}/${entry.name}`;
    for (const child of await children(entry)) {
      await walk(child, path, depth + 1, out);
    }
  }
}

/**
 * The files of a drop: folders walked where the browser gives entries (`webkitGetAsEntry`), else the
 * dropped files themselves. Also says whether the bound cut some off.
 */
export async function fromDrop(
  transfer: DataTransferLike,
): Promise<{ picked: Picked[]; cut: boolean }> {
  const entries = Array.from(transfer.items ?? [])
    .filter((item) => item.kind === "file")
    .map((item) => item.webkitGetAsEntry?.() ?? null);
  if (entries.length === 0 || entries.some((entry) => entry === null)) {
    const files = Array.from(transfer.files);
    return {
      picked: fromInput(files),
      cut: files.length > MAX_FILES,
    };
  }
  const out: Picked[] = [];
  for (const entry of entries) await walk(entry!, "", 0, out);
  return { picked: out, cut: out.length >= MAX_FILES };
}
