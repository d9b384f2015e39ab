/**
 * The emulator's in-memory portal: folders, stored files and open upload sessions.
 *
 * @module
 */

import type { EmulatorFolder } from "./options.ts";

/** A file the emulator stored, with its bytes. */
export interface StoredFile {
  /** The file id. */
  id: number;
  /** The id of the folder it is in (a subfolder when the session had a `relativePath`). */
  folderId: number | string;
  /** The file name. */
  title: string;
  /** 1 for a new file, +1 for each upload over an existing one. */
  version: number;
  /** The file's bytes (of the latest version). */
  bytes: Uint8Array;
  /** The number of bytes. */
  contentLength: number;
  /** When the latest version was stored, ISO 8601. */
  created: string;
  /** The session's `relativePath`, when it had one. */
  relativePath?: string;
}

/** An open upload session as the emulator holds it. */
export interface SessionInfo {
  /** The session id (`uid`). */
  id: string;
  /** The id of the user who created it. */
  user: string;
  /** The folder the file will be stored in. */
  folderId: number | string;
  /** The file name from the session request. */
  title: string;
  /** The announced file size. */
  bytesTotal: number;
  /** True when bytesTotal < chunkUploadSize: the first chunk request stores the whole file. */
  small: boolean;
  /** When it was created, ISO 8601. */
  created: string;
  /** When it expires unless a chunk renews it, ISO 8601. */
  expired: string;
  /** The numbered chunks received, ascending. */
  chunkNumbers: number[];
  /** The bytes received in sequential mode. */
  sequentialBytes: number;
}

/** One stored numbered chunk. */
export interface StoredChunk {
  bytes: Uint8Array;
  /** The length the server counts (the formula's), which can differ from bytes.length. */
  length: number;
  storedAt: number;
}

/** An upload session; internal to the emulator. */
export interface UploadSession {
  id: string;
  user: string;
  folderId: number | string;
  title: string;
  bytesTotal: number;
  createNewIfExist: boolean;
  fileId?: number;
  relativePath?: string;
  created: number;
  expired: number;
  small: boolean;
  chunks: Map<number, StoredChunk>;
  sequential: Uint8Array[];
  sequentialBytes: number;
}

/** The sliding session lifetime, and each chunk's lifetime. */
export const SESSION_LIFETIME = 12 * 60 * 60 * 1000;

function splitTitle(title: string): [string, string] {
  const dot = title.lastIndexOf(".");
  return dot > 0 ? [title.slice(0, dot), title.slice(dot)] : [title, ""];
}

/** Folders, files and sessions; internal to the emulator. */
export class EmulatorState {
  readonly folders: Map<string, EmulatorFolder> = new Map();
  readonly files: StoredFile[] = [];
  readonly sessions: Map<string, UploadSession> = new Map();
  /** Sequential requests in flight per session id, to catch overlapping ones. */
  readonly sequentialInFlight: Map<string, number> = new Map();
  #nextFolderId = 1;

  constructor(folders: EmulatorFolder[]) {
    for (const folder of folders) this.folders.set(String(folder.id), folder);
    const numeric = folders.map((f) => f.id).filter((id) =>
      typeof id === "number"
    );
    this.#nextFolderId = Math.max(0, ...numeric) + 1;
  }

  /** The folder's ancestors and itself, root first. */
  path(folder: EmulatorFolder): (number | string)[] {
    const path = [folder.id];
    for (let f = folder; f.parentId !== undefined;) {
      const parent = this.folders.get(String(f.parentId));
      if (parent === undefined) break;
      path.unshift(parent.id);
      f = parent;
    }
    return path;
  }

  /** Whether the user may upload to the folder: the nearest `writers` list up the tree decides. */
  canWrite(folder: EmulatorFolder, user: string): boolean {
    for (let f: EmulatorFolder | undefined = folder; f; f = this.#parent(f)) {
      if (f.writers) return f.writers.includes(user);
    }
    return true;
  }

  /** The folder at `relativePath` under `folder`, creating missing subfolders. */
  subfolder(folder: EmulatorFolder, relativePath: string): EmulatorFolder {
    let current = folder;
    for (const title of relativePath.split("/").filter((s) => s !== "")) {
      const found = [...this.folders.values()].find((f) =>
        f.parentId === current.id && f.title === title
      );
      if (found) {
        current = found;
        continue;
      }
      const id = typeof current.id === "string"
        ? `${current.id}|${title}`
        : this.#nextFolderId++;
      const created: EmulatorFolder = { id, title, parentId: current.id };
      this.folders.set(String(id), created);
      current = created;
    }
    return current;
  }

  /** A title not yet used in the folder: "name (1).ext", "name (2).ext", … */
  freeTitle(folderId: number | string, title: string): string {
    const [base, ext] = splitTitle(title);
    let candidate = title;
    for (let n = 1; this.fileByTitle(folderId, candidate); n++) {
      candidate = `${base} (${n})${ext}`;
    }
    return candidate;
  }

  /** The file with this title in the folder. */
  fileByTitle(
    folderId: number | string,
    title: string,
  ): StoredFile | undefined {
    return this.files.find((f) => f.folderId === folderId && f.title === title);
  }

  /**
   * Stores a finished upload: a new version of the target file, or a new file. The parts are joined into
   * `bytes` when a caller first reads it, so finalize costs no copy of the whole file.
   */
  store(session: UploadSession, parts: Uint8Array[], now: number): StoredFile {
    const created = new Date(now).toISOString();
    const contentLength = parts.reduce((n, p) => n + p.length, 0);
    const existing = session.fileId !== undefined
      ? this.files.find((f) => f.id === session.fileId)
      : session.createNewIfExist
      ? undefined
      : this.fileByTitle(session.folderId, session.title);
    const file: StoredFile = existing ?? {
      id: this.files.length + 1,
      folderId: session.folderId,
      title: this.freeTitle(session.folderId, session.title),
      version: 0,
      bytes: new Uint8Array(0),
      contentLength,
      created,
      ...(session.relativePath === undefined
        ? {}
        : { relativePath: session.relativePath }),
    };
    Object.assign(file, { contentLength, created });
    file.version += 1;
    let joined: Uint8Array | undefined;
    Object.defineProperty(file, "bytes", {
      enumerable: true,
      configurable: true,
      get: () => joined ??= join(parts),
    });
    if (!existing) this.files.push(file);
    return file;
  }

  /** The live session with this id; an expired one is dropped. */
  session(id: string, now: number): UploadSession | undefined {
    const session = this.sessions.get(id);
    if (session && session.expired <= now) {
      this.sessions.delete(id);
      return undefined;
    }
    return session;
  }

  #parent(folder: EmulatorFolder): EmulatorFolder | undefined {
    return folder.parentId === undefined
      ? undefined
      : this.folders.get(String(folder.parentId));
  }
}

/** The public view of a session. */
export function sessionInfo(session: UploadSession): SessionInfo {
  return {
    id: session.id,
    user: session.user,
    folderId: session.folderId,
    title: session.title,
    bytesTotal: session.bytesTotal,
    small: session.small,
    created: new Date(session.created).toISOString(),
    expired: new Date(session.expired).toISOString(),
    chunkNumbers: [...session.chunks.keys()].sort((a, b) => a - b),
    sequentialBytes: session.sequentialBytes,
  };
}

function join(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (bytes.set(p, at), at + p.length), 0);
  return bytes;
}
