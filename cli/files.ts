/**
 * Turns the paths on the command line into the files to upload: each file's size and modification
 * time (taken once), and for files found in directories, the subfolder path that keeps the structure.
 *
 * @module
 */
import { basename, join, relative, resolve } from "node:path";
import { UsageError } from "./usage_error.ts";

/** A local file to upload. */
export interface LocalFile {
  /** The path as shown to the user: as given, or joined under the given directory. */
  display: string;
  /** The absolute path. */
  path: string;
  /** The size in bytes when it was looked at; the upload is for exactly this many bytes. */
  size: number;
  /** The modification time in milliseconds, or null when the system has none. */
  mtime: number | null;
  /** The file's title in DocSpace. */
  fileName: string;
  /** The subfolders it goes into, like `"photos/2024"`; absent for a file named directly. */
  relativePath?: string;
  /** Whether it was found in a directory named on the command line. */
  inDirectory: boolean;
}

function describe(error: unknown): string {
  if (error instanceof Deno.errors.NotFound) return "no such file or directory";
  if (error instanceof Deno.errors.PermissionDenied) return "permission denied";
  return error instanceof Error ? error.message : String(error);
}

async function checkReadable(path: string, display: string): Promise<void> {
  try {
    (await Deno.open(path, { read: true })).close();
  } catch (error) {
    throw new UsageError(
      `cannot read ${JSON.stringify(display)}: ${describe(error)}`,
    );
  }
}

async function walk(
  root: string,
  dir: string,
  display: string,
  found: LocalFile[],
): Promise<void> {
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(dir));
  } catch (error) {
    throw new UsageError(
      `cannot read ${JSON.stringify(display)}: ${describe(error)}`,
    );
  }
  entries.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  for (const entry of entries) {
    const path = join(dir, entry.name);
    const shown = `${display.replace(/\/+$/, "")}/${entry.name}`;
    let info: Deno.FileInfo;
    try {
      // Follows symlinks; symlinked directories are left out (they could loop).
      info = await Deno.stat(path);
    } catch (error) {
      throw new UsageError(
        `cannot read ${JSON.stringify(shown)}: ${describe(error)}`,
      );
    }
    if (info.isDirectory) {
      if (!entry.isSymlink) await walk(root, path, shown, found);
    } else if (info.isFile) {
      await checkReadable(path, shown);
      const under = relative(root, dir).split("\\").join("/");
      const top = basename(root);
      const relativePath = [top, under].filter((s) => s !== "").join("/");
      found.push({
        display: shown,
        path,
        size: info.size,
        mtime: info.mtime?.getTime() ?? null,
        fileName: entry.name,
        inDirectory: true,
        ...(relativePath === "" ? {} : { relativePath }),
      });
    }
  }
}

/**
 * Finds the files to upload: files as named, directories walked recursively (sorted by name). Every
 * file is opened once to check that it can be read.
 *
 * @param paths The paths from the command line.
 * @param name A title for a single named file, instead of its own name.
 * @returns The files, in command-line order.
 * @throws {UsageError} If a path does not exist, cannot be read, is not a file or directory, or a
 * `--name` is given for a directory.
 */
export async function collectFiles(
  paths: string[],
  name?: string,
): Promise<LocalFile[]> {
  const found: LocalFile[] = [];
  for (const given of paths) {
    const path = resolve(given);
    let info: Deno.FileInfo;
    try {
      info = await Deno.stat(path);
    } catch (error) {
      throw new UsageError(
        `cannot read ${JSON.stringify(given)}: ${describe(error)}`,
      );
    }
    if (info.isDirectory) {
      if (name !== undefined) {
        throw new UsageError(
          `--name applies to a single file, but ${
            JSON.stringify(given)
          } is a directory`,
        );
      }
      await walk(path, path, given, found);
    } else if (info.isFile) {
      await checkReadable(path, given);
      found.push({
        display: given,
        path,
        size: info.size,
        mtime: info.mtime?.getTime() ?? null,
        fileName: name ?? basename(path),
        inDirectory: false,
      });
    } else {
      throw new UsageError(
        `cannot upload ${
          JSON.stringify(given)
        }: it is not a regular file or a directory`,
      );
    }
  }
  return found;
}
