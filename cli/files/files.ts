/**
 * Turns the paths on the command line into what to upload: each file's size and modification time
 * (taken once) and, for files found in directories, the subfolder path that keeps the structure; the
 * directories with nothing to upload (to be created empty); and what was left out and why.
 *
 * Symbolic links inside a directory are followed while they point inside it (a link back up the tree
 * is a loop and is left out); links out of it only with `followSymlinks`; broken links are left out.
 *
 * @module
 */
import { basename, join, relative, resolve } from "node:path";
import { globToRegExp } from "@std/path/glob-to-regexp";
import { followLink } from "./links.ts";
import { printable } from "../names.ts";
import { UsageError } from "../args/usage_error.ts";

/** A local file to upload. */
export interface LocalFile {
  /** The path as shown to the user, printable: as given, or joined under the given directory. */
  display: string;
  /** The absolute path. */
  path: string;
  /** The size in bytes when it was looked at; the upload is for exactly this many bytes. */
  size: number;
  /** The modification time in milliseconds, or null when the system has none. */
  mtime: number | null;
  /** The file's title in DocSpace (before the server cleans it). */
  fileName: string;
  /** The subfolders it goes into, like `"photos/2024"`; absent for a file named directly. */
  relativePath?: string;
  /** Whether it was found in a directory named on the command line. */
  inDirectory: boolean;
  /** The device and inode it had when scanned (null where the system has none): what is opened must be it. */
  identity: FileIdentity;
}

/** Which file a path led to: its device and inode. */
export interface FileIdentity {
  /** The device. */
  dev: number | null;
  /** The inode. */
  ino: number | null;
}

/** A file's device and inode, from its information. */
export function identityOf(info: Deno.FileInfo): FileIdentity {
  return { dev: info.dev ?? null, ino: info.ino ?? null };
}

/** Something left out of the upload, or that cannot be read. */
export interface LeftOut {
  /** The path as shown to the user, printable. */
  display: string;
  /** Why, for a person. */
  reason: string;
}

/** What the command line names. */
export interface Collected {
  /** The files, in command-line order, directories sorted by name. */
  files: LocalFile[];
  /** Directories with nothing to upload inside, as paths under the target folder: `"photos/empty"`. */
  emptyDirectories: string[];
  /** Links and special files left out (a warning each). */
  skipped: LeftOut[];
  /** Files and directories that cannot be read (a failure each). */
  unreadable: LeftOut[];
  /** Files and directories left out by `--exclude` (a directory counts once, with what it holds). */
  excluded: number;
}

/** An `--exclude` pattern, compiled. */
interface Exclude {
  /** Matches a name, or with a `/` in the pattern a path under the named directory. */
  test: RegExp;
  /** Whether the pattern has a `/` inside: then it is matched against the path, not the name. */
  path: boolean;
  /** A pattern ending in `/` matches directories only. */
  directoriesOnly: boolean;
}

/**
 * Compiles `--exclude` patterns (globs, as `globToRegExp` reads them, with `**`): a pattern without `/`
 * matches a file or directory name at any depth (`.git`, `*.tmp`, `.DS_Store`); a pattern with `/`
 * matches the path under the directory named on the command line (`build/*.o`, `/cache`); a trailing
 * `/` matches directories only (`node_modules/`).
 *
 * @param patterns The patterns.
 * @returns The compiled patterns.
 */
export function compileExcludes(patterns: string[]): Exclude[] {
  return patterns.map((pattern) => {
    const directoriesOnly = pattern.endsWith("/");
    const trimmed = pattern.replace(/\/+$/, "").replace(/^\/+/, "");
    return {
      test: globToRegExp(trimmed, { extended: true, globstar: true }),
      path: trimmed.includes("/"),
      directoriesOnly,
    };
  });
}

function excluded(
  excludes: Exclude[],
  name: string,
  path: string,
  directory: boolean,
): boolean {
  return excludes.some((e) =>
    (!e.directoriesOnly || directory) && e.test.test(e.path ? path : name)
  );
}

function describe(error: unknown): string {
  if (error instanceof Deno.errors.NotFound) return "no such file or directory";
  if (error instanceof Deno.errors.PermissionDenied) return "permission denied";
  return error instanceof Error ? error.message : String(error);
}

async function readable(path: string): Promise<string | undefined> {
  try {
    (await Deno.open(path, { read: true })).close();
    return undefined;
  } catch (error) {
    return `cannot read it: ${describe(error)}`;
  }
}

interface Walk {
  /** The directory as named, resolved; subfolder paths are relative to it. */
  root: string;
  /** The directory's real path: links that resolve inside it are followed. */
  realRoot: string;
  followSymlinks: boolean;
  excludes: Exclude[];
  found: Collected;
}

/** Walks a directory; returns whether anything in it is uploaded. */
async function walkDirectory(
  walk: Walk,
  dir: string,
  display: string,
  ancestors: ReadonlySet<string>,
): Promise<boolean> {
  const { found } = walk;
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(dir));
  } catch (error) {
    found.unreadable.push({
      display,
      reason: `cannot read it: ${describe(error)}`,
    });
    return true; // Not empty as far as anyone knows: nothing is created for it.
  }
  entries.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  const under = relative(walk.root, dir).split("\\").join("/");
  const relativePath = [basename(walk.root), under].filter((s) => s !== "")
    .join("/");
  const place: Place = { dir, display, ancestors, relativePath };
  let filled = false;
  let subdirectories = false;
  for (const entry of entries) {
    const visited = await visitEntry(walk, place, entry);
    if (visited.filled) filled = true;
    if (visited.subdirectory) subdirectories = true;
  }
  // Only the deepest empty directories are named: creating them creates their parents.
  if (!filled && !subdirectories) found.emptyDirectories.push(relativePath);
  return filled;
}

/** The directory being walked: where it is, how it is shown, the real paths above it, its subfolder path. */
interface Place {
  dir: string;
  display: string;
  ancestors: ReadonlySet<string>;
  relativePath: string;
}

/** What an entry adds to its directory: something uploaded (or unreadable) in it; a subdirectory. */
interface Visited {
  filled: boolean;
  subdirectory: boolean;
}

const NOTHING: Visited = { filled: false, subdirectory: false };

/** Takes in one entry of a directory: a file, a subdirectory walked in turn, or what is left out. */
async function visitEntry(
  walk: Walk,
  place: Place,
  entry: Deno.DirEntry,
): Promise<Visited> {
  const { found } = walk;
  const path = join(place.dir, entry.name);
  const shown = `${place.display.replace(/\/+$/, "")}/${printable(entry.name)}`;
  const looked = await lookAt(walk, place, entry, path, shown);
  if (looked === "skipped") return NOTHING;
  if (looked === "unreadable") return { filled: true, subdirectory: false };
  const { info, real } = looked;
  const under = relative(walk.root, path).split("\\").join("/");
  if (excluded(walk.excludes, entry.name, under, info.isDirectory)) {
    found.excluded++;
    return NOTHING;
  }
  if (info.isDirectory) {
    const chain = new Set(place.ancestors).add(
      entry.isSymlink ? real : await Deno.realPath(path),
    );
    const filled = await walkDirectory(walk, path, shown, chain);
    return { filled, subdirectory: true };
  }
  if (info.isFile) {
    await addFile(found, info, {
      display: shown,
      path,
      fileName: entry.name,
      inDirectory: true,
      relativePath: place.relativePath,
    });
    return { filled: true, subdirectory: false };
  }
  found.skipped.push({
    display: shown,
    reason: "not a regular file or a directory",
  });
  return NOTHING;
}

/** An entry's information, through its link if it is one; or how it was left out (recorded). */
async function lookAt(
  walk: Walk,
  place: Place,
  entry: Deno.DirEntry,
  path: string,
  shown: string,
): Promise<{ info: Deno.FileInfo; real: string } | "skipped" | "unreadable"> {
  if (entry.isSymlink) {
    const link = await followLink(path, {
      root: walk.realRoot,
      followOutside: walk.followSymlinks,
      ancestors: place.ancestors,
    });
    if ("reason" in link) {
      walk.found.skipped.push({ display: shown, reason: link.reason });
      return "skipped";
    }
    return link;
  }
  try {
    return { info: await Deno.stat(path), real: path };
  } catch (error) {
    walk.found.unreadable.push({
      display: shown,
      reason: `cannot read it: ${describe(error)}`,
    });
    return "unreadable";
  }
}

/** Adds a file to upload, once it is seen to open; or to the unreadable. */
async function addFile(
  found: Collected,
  info: Deno.FileInfo,
  file: Pick<
    LocalFile,
    "display" | "path" | "fileName" | "inDirectory" | "relativePath"
  >,
): Promise<void> {
  const reason = await readable(file.path);
  if (reason !== undefined) {
    found.unreadable.push({ display: file.display, reason });
    return;
  }
  found.files.push({
    display: file.display,
    path: file.path,
    size: info.size,
    mtime: info.mtime?.getTime() ?? null,
    fileName: file.fileName,
    inDirectory: file.inDirectory,
    ...(file.relativePath !== undefined
      ? { relativePath: file.relativePath }
      : {}),
    identity: identityOf(info),
  });
}

/** Options for {@linkcode collectFiles}. */
export interface CollectOptions {
  /** A title for a single named file, instead of its own name. */
  name?: string;
  /** Follow links that point outside the named directories too. */
  followSymlinks?: boolean;
  /** `--exclude` patterns, for what directories hold (see {@linkcode compileExcludes}). */
  exclude?: string[];
}

/**
 * Finds what to upload: files as named, directories walked recursively (sorted by name). Every file is
 * opened once to check that it can be read.
 *
 * @param paths The paths from the command line.
 * @param options `--name` and `--follow-symlinks`.
 * @returns The files, the empty directories, and what was left out.
 * @throws {UsageError} If a path does not exist or is not a file or directory, or a `--name` is given
 * for a directory.
 */
export async function collectFiles(
  paths: string[],
  options: CollectOptions = {},
): Promise<Collected> {
  const found: Collected = {
    files: [],
    emptyDirectories: [],
    skipped: [],
    unreadable: [],
    excluded: 0,
  };
  const excludes = compileExcludes(options.exclude ?? []);
  for (const given of paths) {
    const path = resolve(given);
    const display = printable(given);
    const info = await statGiven(found, path, display);
    if (info === undefined) continue;
    if (info.isDirectory) {
      if (options.name !== undefined) {
        throw new UsageError(
          `--name applies to a single file, but "${display}" is a directory`,
        );
      }
      const realRoot = await Deno.realPath(path);
      await walkDirectory(
        {
          root: path,
          realRoot,
          followSymlinks: options.followSymlinks ?? false,
          excludes,
          found,
        },
        path,
        display,
        new Set([realRoot]),
      );
    } else if (info.isFile) {
      await addFile(found, info, {
        display,
        path,
        fileName: options.name ?? basename(path),
        inDirectory: false,
      });
    } else {
      throw new UsageError(
        `cannot upload "${display}": it is not a regular file or a directory`,
        { hint: false },
      );
    }
  }
  return found;
}

/** A path named on the command line: its information, unreadable (recorded), or a usage error. */
async function statGiven(
  found: Collected,
  path: string,
  display: string,
): Promise<Deno.FileInfo | undefined> {
  try {
    return await Deno.stat(path);
  } catch (error) {
    if (error instanceof Deno.errors.PermissionDenied) {
      found.unreadable.push({
        display,
        reason: `cannot read it: ${describe(error)}`,
      });
      return undefined;
    }
    throw new UsageError(`cannot read "${display}": ${describe(error)}`, {
      hint: false,
    });
  }
}
