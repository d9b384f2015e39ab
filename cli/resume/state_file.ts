/**
 * The resume state of uploads in progress: one small JSON file per upload in a state directory,
 * rewritten after every chunk the server confirms and removed when the file is complete.
 *
 * @module
 */
import { encodeHex } from "@std/encoding/hex";
import { join } from "node:path";
import type { UploadState } from "../../src/client/upload_types.ts";

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

/** A state file that is not a saved upload, and why. */
export interface InvalidState {
  /** What is wrong with it, for a person. */
  invalid: string;
}

const isCount = (n: unknown): n is number =>
  Number.isSafeInteger(n) && (n as number) >= 0;
const isId = (id: unknown) =>
  (Number.isSafeInteger(id) && (id as number) > 0) ||
  (typeof id === "string" && id !== "" && id.length <= 1000);

/**
 * What is wrong with a parsed state file, or undefined when it is a saved upload (every field of the
 * right type and within its bounds, the confirmed chunks within the file).
 *
 * @param value The parsed JSON.
 * @returns Why it is not a saved upload.
 */
export function invalidSave(value: unknown): string | undefined {
  const saved = value as Record<string, unknown> | null;
  if (typeof saved !== "object" || saved === null || Array.isArray(saved)) {
    return "it is not an object";
  }
  if (saved.version !== 1) return "its version is not 1";
  if (typeof saved.url !== "string") return "its url is not a string";
  if (typeof saved.path !== "string") return "its path is not a string";
  if (!isCount(saved.size)) return "its size is not a byte count";
  if (saved.mtime !== null && !Number.isFinite(saved.mtime)) {
    return "its mtime is not a time";
  }
  if (
    saved.relativePath !== undefined && typeof saved.relativePath !== "string"
  ) return "its relativePath is not a string";
  const state = saved.state as Record<string, unknown> | null;
  if (typeof state !== "object" || state === null) return "it has no state";
  if (typeof state.location !== "string") {
    return "its state has no location";
  }
  if (!isId(state.folderId)) return "its state's folderId is not an id";
  if (
    state.sessionFolderId !== undefined && !isId(state.sessionFolderId)
  ) return "its state's sessionFolderId is not an id";
  if (typeof state.fileName !== "string") {
    return "its state's fileName is not a string";
  }
  if (!isCount(state.fileSize) || state.fileSize !== saved.size) {
    return "its state's fileSize is not the file's size";
  }
  if (
    !Number.isSafeInteger(state.chunkSize) || (state.chunkSize as number) < 1
  ) return "its state's chunkSize is not a positive integer";
  if (
    state.routes !== undefined && state.routes !== "rest" &&
    state.routes !== "legacy"
  ) return "its state's routes are neither rest nor legacy";
  if (state.sessionId !== undefined && typeof state.sessionId !== "string") {
    return "its state's sessionId is not a string";
  }
  const chunks = Math.max(
    1,
    Math.ceil((state.fileSize as number) / (state.chunkSize as number)),
  );
  const confirmed = state.confirmedChunks;
  if (
    !Array.isArray(confirmed) || confirmed.length > chunks ||
    !confirmed.every((n) => Number.isSafeInteger(n) && n >= 1 && n <= chunks)
  ) {
    return "its state's confirmedChunks are not chunk numbers of the file";
  }
  return undefined;
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
   * @returns The saved upload; `{ invalid }` saying what is wrong with a file that is not one (torn,
   * tampered, of another version); undefined when there is none.
   */
  async load(file: string): Promise<SavedUpload | InvalidState | undefined> {
    let text: string;
    try {
      text = await Deno.readTextFile(file);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return undefined;
      return {
        invalid: `cannot read it (${
          error instanceof Error ? error.message : String(error)
        })`,
      };
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return { invalid: "it is not JSON" };
    }
    const why = invalidSave(value);
    return why === undefined ? value as SavedUpload : { invalid: why };
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
