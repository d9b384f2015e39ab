// Unfinished uploads kept across a reload: each upload's resumable state (uploadFile's onState) in
// localStorage, keyed by what identifies the same file picked again (folder, path, name, size, last
// change). Entries older than DocSpace's session window are dropped. Browser-only.
import type { UploadState } from "../../client/upload_types.ts";

const PREFIX = "docspace-upload:v1:";
/** DocSpace keeps a session 12 hours after its last chunk. */
const WINDOW = 12 * 3600_000;
/** At most this many saved uploads are kept (the oldest go first). */
const MAX_SAVED = 200;

/** What identifies a file picked again. */
export interface FileIdentity {
  folder: string;
  dir: string;
  name: string;
  size: number;
  lastModified: number;
}

/** A saved upload. */
export interface Saved extends FileIdentity {
  key: string;
  state: UploadState;
  /** When the state was saved, in ms since the epoch. */
  savedAt: number;
}

/** The key of a file's saved upload. */
export function keyOf(id: FileIdentity): string {
  return PREFIX +
    JSON.stringify([id.folder, id.dir, id.name, id.size, id.lastModified]);
}

function isState(value: unknown): value is UploadState {
  const s = value as UploadState;
  return typeof s === "object" && s !== null &&
    typeof s.location === "string" && typeof s.fileName === "string" &&
    Number.isSafeInteger(s.fileSize) && Number.isSafeInteger(s.chunkSize) &&
    Array.isArray(s.confirmedChunks) &&
    s.confirmedChunks.every((n) => Number.isSafeInteger(n));
}

function read(key: string): Saved | undefined {
  try {
    const value = JSON.parse(localStorage.getItem(key) ?? "null");
    if (
      typeof value !== "object" || value === null || !isState(value.state) ||
      !(Date.now() - value.savedAt < WINDOW)
    ) return undefined;
    return { ...value, key };
  } catch {
    return undefined;
  }
}

/** Every saved upload still inside the session window, oldest first; the others are removed. */
export function savedUploads(): Saved[] {
  const found: Saved[] = [];
  for (let i = localStorage.length - 1; i >= 0; i--) {
    const key = localStorage.key(i);
    if (key === null || !key.startsWith(PREFIX)) continue;
    const saved = read(key);
    if (saved === undefined) localStorage.removeItem(key);
    else found.push(saved);
  }
  found.sort((a, b) => a.savedAt - b.savedAt);
  for (const stale of found.splice(0, Math.max(0, found.length - MAX_SAVED))) {
    localStorage.removeItem(stale.key);
  }
  return found;
}

/** The saved upload of this file, if any. */
export function savedFor(id: FileIdentity): Saved | undefined {
  return read(keyOf(id));
}

/** Saves an upload's state (a full storage is not an error: the upload just cannot resume). */
export function save(id: FileIdentity, state: UploadState): void {
  const { folder, dir, name, size, lastModified } = id;
  try {
    localStorage.setItem(
      keyOf(id),
      JSON.stringify({
        folder,
        dir,
        name,
        size,
        lastModified,
        state,
        savedAt: Date.now(),
      }),
    );
  } catch { /* storage full or disabled */ }
}

/** Forgets a saved upload. */
export function forget(key: string): void {
  try {
    localStorage.removeItem(key);
  } catch { /* storage disabled */ }
}
