/**
 * The emulator's in-memory portal: folders, stored files and open upload sessions.
 *
 * @module
 */

import { FolderTree } from "./_folder_tree.ts";
import type { EmulatorFolder } from "./options.ts";

/** A file the emulator stored, with its bytes. */
export interface StoredFile {
  /** The file id: a number in DocSpace folders, a string in third-party folders (as the server's ids are). */
  id: number | string;
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
  /** The file name, as the server cleaned it and, with `createNewIfExist`, made free. */
  title: string;
  /** The announced file size (a 0-byte small session takes its first chunk's length, as the server does). */
  bytesTotal: number;
  /** True when bytesTotal < chunkUploadSize: every chunk request stores the whole file. */
  small: boolean;
  /** When it was created, ISO 8601. */
  created: string;
  /** When it expires unless a chunk renews it, ISO 8601. */
  expired: string;
  /** The chunk numbers stored (numbered, or sequential ones numbered by arrival), ascending. */
  chunkNumbers: number[];
  /** The bytes received so far: the stored chunks' counted lengths, or a third-party folder's appended bytes. */
  sequentialBytes: number;
  /** The file a small session has stored (its latest version), if any. */
  fileId?: number | string;
}

/** One stored chunk. */
export interface StoredChunk {
  /** The part's real body, as the server's storage copies it. */
  bytes: Uint8Array;
  /** The length the server counts (the Content-Length formula's), which can differ from bytes.length. */
  length: number;
  storedAt: number;
}

/** An upload session; internal to the emulator. */
export interface UploadSession {
  id: string;
  user: string;
  folderId: number | string;
  /** Third-party storage (a string folder id): chunks are appended, numbered ones refused. */
  thirdParty: boolean;
  /** The title decided at creation (cleaned, and free when createNewIfExist asked for it). */
  title: string;
  bytesTotal: number;
  /** The file this session writes a new version of: decided at creation, or the file a small session saved. */
  fileId?: number | string;
  /** Whether a small session has saved its file (later chunk requests save new versions of it). */
  saved: boolean;
  /** edit_session: the file's current version is replaced, not followed by a new one (FileDao GetFileForCommitAsync). */
  keepVersion?: boolean;
  relativePath?: string;
  created: number;
  expired: number;
  small: boolean;
  chunks: Map<number, StoredChunk>;
  /** The server's "ChunksUploaded" counter: chunks without a number are numbered by arrival. */
  chunksUploaded: number;
  /** Third-party folders: the appended bytes and their count. */
  appended: Uint8Array[];
  bytesTransferred: number;
}

/**
 * The sliding session lifetime, and each chunk's lifetime (products/ASC.Files/Core/Utils/
 * ChunkedUploadSessionHolder.cs SlidingExpiration; the chunk cache entries of CommonChunkedUploadSessionHolder.cs).
 */
export const SESSION_LIFETIME = 12 * 60 * 60 * 1000;

function splitTitle(title: string): [string, string] {
  const dot = title.lastIndexOf(".");
  return dot > 0 ? [title.slice(0, dot), title.slice(dot)] : [title, ""];
}

/** Folders, files and sessions; internal to the emulator. */
export class EmulatorState {
  readonly folders: FolderTree;
  readonly files: StoredFile[] = [];
  readonly sessions: Map<string, UploadSession> = new Map();
  #nextFileId = 1;

  constructor(folders: EmulatorFolder[], now: number) {
    this.folders = new FolderTree(folders, now);
  }

  /** The folder's ancestors and itself, root first (the server's breadcrumbs). */
  path(folder: EmulatorFolder): (number | string)[] {
    return this.folders.path(folder);
  }

  /** Whether the user may upload to the folder: the nearest `writers` list up the tree decides. */
  canWrite(folder: EmulatorFolder, user: string): boolean {
    return this.folders.canWrite(folder, user);
  }

  /** The folder at these subfolder titles under `folder`, creating missing ones. */
  subfolder(
    folder: EmulatorFolder,
    titles: string[],
    now: number,
  ): EmulatorFolder {
    return this.folders.subfolder(folder, titles, now);
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

  /** A stored file by id. */
  file(id: number | string): StoredFile | undefined {
    return this.files.find((f) => f.id === id);
  }

  /**
   * Saves bytes as the session's file: a new version of `session.fileId`, or a new file with the session's
   * title. The parts are joined into `bytes` when a caller first reads it, so a save copies nothing.
   */
  save(session: UploadSession, parts: Uint8Array[], now: number): StoredFile {
    const created = new Date(now).toISOString();
    const contentLength = parts.reduce((n, p) => n + p.length, 0);
    const existing = session.fileId === undefined
      ? undefined
      : this.file(session.fileId);
    const file: StoredFile = existing ?? {
      id: this.#newFileId(session),
      folderId: session.folderId,
      title: session.title,
      version: 0,
      bytes: new Uint8Array(0),
      contentLength,
      created,
      ...(session.relativePath === undefined
        ? {}
        : { relativePath: session.relativePath }),
    };
    Object.assign(file, { contentLength, created });
    if (!(existing && session.keepVersion)) file.version += 1;
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

  /** Numbers in DocSpace folders; strings in third-party ones, as a provider's ids are. */
  #newFileId(session: UploadSession): number | string {
    const id = this.#nextFileId++;
    return session.thirdParty
      ? `${this.#root(session.folderId)}-file-${id}`
      : id;
  }

  #root(folderId: number | string): number | string {
    const folder = this.folders.get(String(folderId));
    return folder ? this.path(folder)[0]! : folderId;
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
    sequentialBytes: session.thirdParty
      ? session.bytesTransferred
      : [...session.chunks.values()].reduce((n, c) => n + c.length, 0),
    ...(session.saved && session.fileId !== undefined
      ? { fileId: session.fileId }
      : {}),
  };
}

function join(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (bytes.set(p, at), at + p.length), 0);
  return bytes;
}
