// The storages' work: what each keeps of a session's chunks and how it makes a stored file's content.
import { createHash, type Hash } from "node:crypto";
import type { EmulatorStorage } from "./storage.ts";

/** What a store needs of an upload session (state.ts's UploadSession). */
export interface UploadSession {
  id: string;
  /** Third-party folders, memory storage: the appended bytes. */
  appended: Uint8Array[];
}

/** What a store needs of a stored chunk (state.ts's StoredChunk). */
export interface StoredChunk {
  bytes: Uint8Array;
}

/** A stored file's content, however kept; internal to the emulator. */
export interface Content {
  size: number;
  /** False when `bytes()` throws: the storage kept none. */
  keepsBytes: boolean;
  /** Lower-case hex; throws when it cannot be known. */
  sha256(): string;
  /** Throws when the storage keeps no bytes. */
  bytes(): Uint8Array;
  /** Directory storage: the file's path. */
  path?: string;
}

/** What each storage does with a session's bytes; internal to the emulator. */
export interface Store {
  /**
   * Keeps chunk `number` (≤ `last`, the last chunk a finalize counts) of a chunked session.
   *
   * @returns The bytes the session's chunk record holds (empty when the store keeps them elsewhere).
   */
  chunk(
    session: UploadSession,
    number: number,
    bytes: Uint8Array,
    last: number,
  ): Uint8Array;
  /** Keeps a third-party session's next appended bytes. */
  append(session: UploadSession, bytes: Uint8Array): void;
  /** The content of a finalize: the counted chunks, 1 up, in order. */
  joinChunks(
    session: UploadSession,
    chunks: StoredChunk[],
    key: string,
  ): Content;
  /** The content of a third-party session's appended bytes. */
  joinAppended(session: UploadSession, key: string): Content;
  /** The content of a small file's one chunk. */
  whole(bytes: Uint8Array, key: string): Content;
  /** Forgets a session's kept bytes (finalized, aborted or expired). */
  drop(session: UploadSession): void;
}

const EMPTY = new Uint8Array(0);

function sha256Of(parts: Iterable<Uint8Array>): string {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part);
  return hash.digest("hex");
}

function join(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (bytes.set(p, at), at + p.length), 0);
  return bytes;
}

/** Parts joined and hashed on first read, so storing copies nothing. */
function lazyContent(parts: Uint8Array[]): Content {
  let joined: Uint8Array | undefined;
  let digest: string | undefined;
  return {
    size: parts.reduce((n, p) => n + p.length, 0),
    keepsBytes: true,
    bytes: () => joined ??= join(parts),
    sha256: () => digest ??= sha256Of(parts),
  };
}

/** The content of a file whose bytes are gone: its size and digest only. */
function digestContent(size: number, sha256: () => string): Content {
  return {
    size,
    keepsBytes: false,
    sha256,
    bytes: () => {
      throw new Error(
        'Cannot read the file\'s bytes: the emulator\'s storage is "digest", which keeps only each file\'s size and SHA-256 (file.sha256); use storage "memory" or { directory } to keep bytes',
      );
    },
  };
}

/** The bytes of a file nothing was stored for. */
export const EMPTY_CONTENT: Content = lazyContent([]);

class MemoryStore implements Store {
  chunk(_session: UploadSession, _number: number, bytes: Uint8Array) {
    return bytes;
  }
  append(session: UploadSession, bytes: Uint8Array): void {
    session.appended.push(bytes);
  }
  joinChunks(_session: UploadSession, chunks: StoredChunk[]): Content {
    return lazyContent(chunks.map((c) => c.bytes));
  }
  joinAppended(session: UploadSession): Content {
    return lazyContent(session.appended);
  }
  whole(bytes: Uint8Array): Content {
    return lazyContent([bytes]);
  }
  drop(): void {}
}

/** A session's running hash: chunks 1..fed have been hashed. */
interface Running {
  hash: Hash;
  fed: number;
  size: number;
  /** Chunks that arrived before the one they follow. */
  pending: Map<number, Uint8Array>;
  /** Each hashed chunk's own digest, to tell a repeated chunk from a changed one. */
  digests: Map<number, string>;
  /** Why the file's digest cannot be known. */
  lost?: string;
}

/** A running hash with nothing fed yet. */
function newRunning(): Running {
  return {
    hash: createHash("sha256"),
    fed: 0,
    size: 0,
    pending: new Map(),
    digests: new Map(),
  };
}

/** Hashes a session's bytes in file order as they arrive; keeps nothing else. */
class DigestStore implements Store {
  #running = new WeakMap<UploadSession, Running>();

  #state(session: UploadSession): Running {
    let running = this.#running.get(session);
    if (running === undefined) {
      running = newRunning();
      this.#running.set(session, running);
    }
    return running;
  }

  chunk(
    session: UploadSession,
    number: number,
    bytes: Uint8Array,
    last: number,
  ): Uint8Array {
    if (number < 1 || number > last) return EMPTY; // never counted by a finalize
    const running = this.#state(session);
    if (number <= running.fed) {
      // The server overwrites the chunk; a retry of the same bytes changes nothing.
      if (sha256Of([bytes]) !== running.digests.get(number)) {
        running.lost =
          `chunk ${number} was stored again with other bytes after the digest storage had hashed it`;
      }
      return EMPTY;
    }
    running.pending.set(number, bytes);
    for (let next = running.pending.get(running.fed + 1); next;) {
      running.hash.update(next);
      running.size += next.length;
      running.fed += 1;
      running.digests.set(running.fed, sha256Of([next]));
      running.pending.delete(running.fed);
      next = running.pending.get(running.fed + 1);
    }
    return EMPTY;
  }

  append(session: UploadSession, bytes: Uint8Array): void {
    const running = this.#state(session);
    running.hash.update(bytes);
    running.size += bytes.length;
  }

  joinChunks(session: UploadSession, chunks: StoredChunk[]): Content {
    const running = this.#state(session);
    this.drop(session);
    const lost = running.lost ??
      (running.fed === chunks.length
        ? undefined
        : `the finalize counted ${chunks.length} chunks, ${running.fed} were hashed`);
    return this.#content(running, lost);
  }

  joinAppended(session: UploadSession): Content {
    const running = this.#state(session);
    this.drop(session);
    return this.#content(running, undefined);
  }

  whole(bytes: Uint8Array): Content {
    const sha256 = sha256Of([bytes]);
    return digestContent(bytes.length, () => sha256);
  }

  drop(session: UploadSession): void {
    this.#running.delete(session);
  }

  #content(running: Running, lost: string | undefined): Content {
    const sha256 = lost === undefined ? running.hash.digest("hex") : undefined;
    return digestContent(running.size, () => {
      if (sha256 === undefined) {
        throw new Error(`Cannot give the file's SHA-256: ${lost}`);
      }
      return sha256;
    });
  }
}

function removeQuietly(path: string): void {
  try {
    Deno.removeSync(path, { recursive: true });
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

/** Writes chunks and files under a directory. */
class DirectoryStore implements Store {
  readonly #files: string;
  readonly #chunks: string;
  readonly #appended = new WeakMap<UploadSession, Running>();

  constructor(directory: string) {
    this.#files = `${directory}/files`;
    this.#chunks = `${directory}/chunks`;
    try {
      Deno.mkdirSync(this.#files, { recursive: true });
      Deno.mkdirSync(this.#chunks, { recursive: true });
    } catch (error) {
      throw new Error(
        `Cannot create DocSpaceEmulator: cannot create the storage directory ${directory}: ${
          error instanceof Error ? error.message : String(error)
        }`,
      );
    }
  }

  #sessionDir(session: UploadSession): string {
    return `${this.#chunks}/${encodeURIComponent(session.id)}`;
  }

  chunk(
    session: UploadSession,
    number: number,
    bytes: Uint8Array,
    last: number,
  ): Uint8Array {
    if (number < 1 || number > last) return EMPTY; // never counted by a finalize
    Deno.mkdirSync(this.#sessionDir(session), { recursive: true });
    Deno.writeFileSync(`${this.#sessionDir(session)}/${number}`, bytes);
    return EMPTY;
  }

  append(session: UploadSession, bytes: Uint8Array): void {
    let running = this.#appended.get(session);
    if (running === undefined) {
      running = newRunning();
      this.#appended.set(session, running);
    }
    running.hash.update(bytes);
    running.size += bytes.length;
    Deno.mkdirSync(this.#sessionDir(session), { recursive: true });
    Deno.writeFileSync(`${this.#sessionDir(session)}/appended`, bytes, {
      append: true,
    });
  }

  joinChunks(
    session: UploadSession,
    chunks: StoredChunk[],
    key: string,
  ): Content {
    const path = this.#path(key);
    const hash = createHash("sha256");
    let size = 0;
    Deno.writeFileSync(path, EMPTY);
    for (let number = 1; number <= chunks.length; number++) {
      const bytes = Deno.readFileSync(`${this.#sessionDir(session)}/${number}`);
      hash.update(bytes);
      size += bytes.length;
      Deno.writeFileSync(path, bytes, { append: true });
    }
    this.drop(session);
    return this.#content(path, size, hash.digest("hex"));
  }

  joinAppended(session: UploadSession, key: string): Content {
    const path = this.#path(key);
    const running = this.#appended.get(session);
    if (running === undefined) {
      Deno.writeFileSync(path, EMPTY);
    } else {
      Deno.renameSync(`${this.#sessionDir(session)}/appended`, path);
    }
    this.drop(session);
    return this.#content(
      path,
      running?.size ?? 0,
      running?.hash.digest("hex") ?? sha256Of([]),
    );
  }

  whole(bytes: Uint8Array, key: string): Content {
    const path = this.#path(key);
    Deno.writeFileSync(path, bytes);
    return this.#content(path, bytes.length, sha256Of([bytes]));
  }

  drop(session: UploadSession): void {
    this.#appended.delete(session);
    removeQuietly(this.#sessionDir(session));
  }

  #path(key: string): string {
    return `${this.#files}/${encodeURIComponent(key)}`;
  }

  #content(path: string, size: number, sha256: string): Content {
    return {
      size,
      keepsBytes: true,
      sha256: () => sha256,
      bytes: () => Deno.readFileSync(path),
      path,
    };
  }
}

/** The store for a storage choice; internal to the emulator. */
export function createStore(storage: EmulatorStorage): Store {
  if (storage === "memory") return new MemoryStore();
  if (storage === "digest") return new DigestStore();
  return new DirectoryStore(storage.directory);
}
