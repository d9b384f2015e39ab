/**
 * The resume state of uploads in progress: one small JSON file per upload in a state directory,
 * rewritten after every chunk the server confirms and removed when the file is complete.
 *
 * @module
 */
import { encodeHex } from "@std/encoding/hex";
import { join } from "node:path";
import type { UploadState } from "../src/client/upload_types.ts";

/** What is saved for an upload in progress. */
export interface SavedUpload {
  /** The format's version. */
  version: 1;
  /** The portal's URL. */
  url: string;
  /** The local file's absolute path. */
  path: string;
  /** The local file's size in bytes. */
  size: number;
  /** The local file's modification time in milliseconds, or null when the system has none. */
  mtime: number | null;
  /** The subfolders the file goes into, if any. */
  relativePath?: string;
  /** The session, as `uploadFile` reports it through `onState`. */
  state: UploadState;
  /** When it was last written (ISO). */
  updated: string;
}

/** What identifies one upload: the same file going to the same place. */
export interface UploadTarget {
  /** The portal's URL. */
  url: string;
  /** The target folder. */
  folderId: number | string;
  /** The local file's absolute path. */
  path: string;
  /** The file's title. */
  fileName: string;
  /** The subfolders, if any. */
  relativePath?: string;
}

/**
 * The state directory: `$DOCSPACE_STATE_DIR`, else `$XDG_STATE_HOME/docspace-upload`, else
 * `~/.local/state/docspace-upload`.
 *
 * @param env Reads an environment variable.
 * @returns The directory's path.
 */
export function stateDirectory(
  env: (name: string) => string | undefined,
): string {
  const explicit = env("DOCSPACE_STATE_DIR");
  if (explicit) return explicit;
  const xdg = env("XDG_STATE_HOME");
  if (xdg) return join(xdg, "docspace-upload");
  const home = env("HOME") ?? env("USERPROFILE") ?? ".";
  return join(home, ".local", "state", "docspace-upload");
}

/** Saved uploads in a directory, one JSON file each, named by a hash of the upload's target. */
export class StateStore {
  /** The directory. */
  readonly directory: string;
  #created = false;

  /**
   * Uses a directory; it is created on the first save.
   *
   * @param directory The state directory.
   */
  constructor(directory: string) {
    this.directory = directory;
  }

  /**
   * The state file for an upload.
   *
   * @param target The portal, folder, local path, title and subfolders.
   * @returns The file's path.
   */
  async pathFor(target: UploadTarget): Promise<string> {
    const key = JSON.stringify([
      target.url.replace(/\/+$/, ""),
      String(target.folderId),
      target.relativePath ?? "",
      target.fileName,
      target.path,
    ]);
    const digest = await crypto.subtle.digest(
      "SHA-256",
      new TextEncoder().encode(key),
    );
    return join(
      this.directory,
      `${encodeHex(new Uint8Array(digest)).slice(0, 32)}.json`,
    );
  }

  /**
   * Reads a saved upload.
   *
   * @param file The state file.
   * @returns The saved upload, or undefined when there is none (or it is unreadable).
   */
  async load(file: string): Promise<SavedUpload | undefined> {
    let text: string;
    try {
      text = await Deno.readTextFile(file);
    } catch {
      return undefined;
    }
    try {
      const saved = JSON.parse(text) as SavedUpload;
      return saved?.version === 1 && typeof saved.state?.location === "string"
        ? saved
        : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Writes a saved upload, atomically (a temporary file renamed over it), readable by the owner only.
   * Synchronous, so the file on disk never lags behind a confirmed chunk by more than one write.
   *
   * @param file The state file.
   * @param saved What to save.
   */
  saveSync(file: string, saved: SavedUpload): void {
    if (!this.#created) {
      Deno.mkdirSync(this.directory, { recursive: true, mode: 0o700 });
      this.#created = true;
    }
    const temporary = `${file}.${crypto.randomUUID().slice(0, 8)}.tmp`;
    Deno.writeTextFileSync(temporary, JSON.stringify(saved), { mode: 0o600 });
    Deno.renameSync(temporary, file);
  }

  /**
   * Removes a saved upload, if there is one.
   *
   * @param file The state file.
   */
  async remove(file: string): Promise<void> {
    await Deno.remove(file).catch(() => {});
  }
}
