/**
 * The emulator's in-memory portal: folders, stored files and open upload sessions.
 *
 * @module
 */

import { FolderTree } from "./_folder_tree.ts";
import type { EmulatorFolder } from "./options.ts";
import { type Content, createStore, type Store } from "./_store.ts";
import type { EmulatorStorage } from "./storage.ts";

/** A file the emulator stored: its bytes (with `"memory"` or directory storage), size and SHA-256. */
export interface StoredFile {
  /** The file id: a number in DocSpace folders, a string in third-party folders (as the server's ids are). */
  id: number | string;
  /** The id of the folder it is in (a subfolder when the session had a `relativePath`). */
  folderId: number | string;
  /** The file name. */
  title: string;
  /** 1 for a new file, +1 for each upload over an existing one. */
  version: number;
  /**
   * The file's bytes (of the latest version). With `"digest"` storage there are none: reading `bytes`
   * throws (and it is not an enumerable property); directory storage reads the file back on each read.
   */
  bytes: Uint8Array;
  /** The number of bytes. */
  contentLength: number;
  /**
   * The SHA-256 of the bytes, lower-case hex, computed on first read with `"memory"` storage. Throws in
   * the one case `"digest"` storage cannot know it: a chunk it had hashed was stored again with other bytes.
   */
  sha256: string;
  /** Directory storage: the file's path. */
  path?: string;
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
  /** The part's real body, as the server's storage copies it (empty unless the storage is `"memory"`). */
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
  /** Where sessions' and files' bytes are kept. */
  readonly store: Store;
  #nextFileId = 1;

  constructor(
    folders: EmulatorFolder[],
    now: number,
    storage: EmulatorStorage = "memory",
  ) {
    this.folders = new FolderTree(folders, now);
    this.store = createStore(storage);
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
   * Saves content as the session's file: a new version of `session.fileId`, or a new file with the
   * session's title. `content` is given the file's id (a directory store names the file by it).
   */
  save(
    session: UploadSession,
    content: (key: string) => Content,
    now: number,
  ): StoredFile {
    const created = new Date(now).toISOString();
    const existing = session.fileId === undefined
      ? undefined
      : this.file(session.fileId);
    const id = existing?.id ?? this.#newFileId(session);
    const kept = content(String(id));
    const file: StoredFile = existing ?? {
      id,
      folderId: session.folderId,
      title: session.title,
      version: 0,
      bytes: new Uint8Array(0),
      contentLength: kept.size,
      created,
      sha256: "",
      ...(session.relativePath === undefined
        ? {}
        : { relativePath: session.relativePath }),
    };
    Object.assign(file, { contentLength: kept.size, created });
    if (!(existing && session.keepVersion)) file.version += 1;
    withContent(file, kept);
    if (!existing) this.files.push(file);
    return file;
  }

  /** The live session with this id; an expired one is dropped. */
  session(id: string, now: number): UploadSession | undefined {
    const session = this.sessions.get(id);
    if (session && session.expired <= now) {
      this.sessions.delete(id);
      this.store.drop(session);
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

/** Makes `bytes` and `sha256` read the content: getters, so nothing is joined or hashed until read. */
export function withContent(file: StoredFile, content: Content): StoredFile {
  Object.defineProperty(file, "bytes", {
    enumerable: content.keepsBytes,
    configurable: true,
    get: () => content.bytes(),
  });
  Object.defineProperty(file, "sha256", {
    enumerable: true,
    configurable: true,
    get: () => content.sha256(),
  });
  if (content.path === undefined) delete file.path;
  else file.path = content.path;
  return file;
}
