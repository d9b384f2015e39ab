/**
 * A local file as a byte stream that refuses to end if the file changed while it was read: when the
 * last byte is read (before the upload can finalize), the file's size and modification time must still
 * be those seen before the upload started; a file that grows is refused as soon as it passes its size.
 *
 * @module
 */

/** The file changed between the look before the upload and the end of its read. */
export class FileChangedError extends Error {
  /**
   * Creates the error.
   *
   * @param what How it changed, like `its size changed from 10 to 12 bytes`.
   */
  constructor(what: string) {
    super(`the file changed while it was being uploaded (${what})`);
    this.name = "FileChangedError";
  }
}

/** What the file was when the upload started. */
export interface FileSnapshot {
  /** Its size in bytes. */
  size: number;
  /** Its modification time in milliseconds, or null when the system has none. */
  mtime: number | null;
}

function when(t: number | null): string {
  return t === null ? "unknown" : new Date(t).toISOString();
}

/**
 * How the file differs from a snapshot, or undefined when it does not.
 *
 * @param before The snapshot.
 * @param now The file now.
 * @returns A description of the change.
 */
export function changeOf(
  before: FileSnapshot,
  now: FileSnapshot,
): string | undefined {
  if (before.size !== now.size) {
    return `its size changed from ${before.size} to ${now.size} bytes`;
  }
  if (before.mtime !== now.mtime) {
    return `it was modified: ${when(before.mtime)} then, ${
      when(now.mtime)
    } now`;
  }
  return undefined;
}

/**
 * Opens a scanned file for reading, and makes sure it is the file that was scanned: it must still be a
 * regular file (a FIFO or a device swapped in would block the open, or never end), and the file opened
 * must have the device and inode seen in the scan (a link or another file swapped in, even of the same
 * size and time, is refused). The open gives up when `signal` aborts.
 *
 * @param path The file's path.
 * @param scanned Its device and inode when scanned.
 * @param signal Stops the open.
 * @returns The open file.
 * @throws {FileChangedError} If another file, a link to one or something else took its place.
 */
export async function openScanned(
  path: string,
  scanned: { dev: number | null; ino: number | null },
  signal: AbortSignal,
): Promise<Deno.FsFile> {
  const before = await Deno.stat(path);
  if (!before.isFile) {
    throw new FileChangedError(
      "it is no longer a regular file: something else took its place after it was scanned",
    );
  }
  signal.throwIfAborted();
  const opening = Deno.open(path, { read: true });
  let onAbort = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
  });
  let file: Deno.FsFile;
  try {
    file = await Promise.race([opening, aborted]);
  } catch (error) {
    opening.then((f) => f.close(), () => {});
    throw error;
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
  const info = await file.stat();
  if (
    !info.isFile ||
    (scanned.ino !== null && (info.ino ?? null) !== scanned.ino) ||
    (scanned.dev !== null && (info.dev ?? null) !== scanned.dev)
  ) {
    file.close();
    throw new FileChangedError(
      "it is not the file that was scanned: another file, or a link to one, took its place",
    );
  }
  return file;
}

/** Reads after the size is reached look for this many more bytes (any means it grew). */
const PROBE = 1;
const DEFAULT_READ = 65536;

/**
 * The file's bytes as a byte stream (BYOB reads go straight into the reader's buffers), checked
 * against `snapshot` at the end. The handle is closed when the stream ends, fails or is cancelled.
 *
 * @param file An open file.
 * @param snapshot Its size and modification time before the upload.
 * @returns The stream; it errors with {@linkcode FileChangedError} if the file changed.
 */
export function watchedFileStream(
  file: Deno.FsFile,
  snapshot: FileSnapshot,
): ReadableStream<Uint8Array> {
  let read = 0;
  const close = () => {
    try {
      file.close();
    } catch {
      // Already closed.
    }
  };
  return new ReadableStream({
    type: "bytes",
    autoAllocateChunkSize: DEFAULT_READ,
    async pull(controller) {
      const request = controller.byobRequest!;
      let n: number | null;
      try {
        n = await file.read(readTarget(request.view!, read, snapshot.size));
      } catch (error) {
        close();
        controller.error(error);
        return;
      }
      if (n === null || n === 0) {
        const changed = await changeAtEnd(file, snapshot, read);
        close();
        if (changed !== undefined) return controller.error(changed);
        controller.close();
        request.respond(0);
        return;
      }
      if (read + n > snapshot.size) {
        const grown = await growth(file, snapshot);
        close();
        return controller.error(grown);
      }
      read += n;
      request.respond(n);
    },
    cancel() {
      close();
    },
  });
}

/** Where the next read goes: the reader's buffer, up to the size; past it, only a probe. */
function readTarget(
  view: ArrayBufferView,
  read: number,
  size: number,
): Uint8Array {
  // Past the size, only probe: a read of more is a file that grew.
  const room = read >= size
    ? Math.min(PROBE, view.byteLength)
    : Math.min(view.byteLength, size - read);
  return new Uint8Array(view.buffer, view.byteOffset, room);
}

/** At the end of the file: how it changed since the snapshot, or ended short of it; undefined if not. */
async function changeAtEnd(
  file: Deno.FsFile,
  snapshot: FileSnapshot,
  read: number,
): Promise<FileChangedError | undefined> {
  const info = await file.stat();
  const change = changeOf(snapshot, {
    size: info.size,
    mtime: info.mtime?.getTime() ?? null,
  });
  if (change === undefined && read === snapshot.size) return undefined;
  return new FileChangedError(
    change ?? `it ended after ${read} of ${snapshot.size} bytes`,
  );
}

/** A file that grew past its size while it was read. */
async function growth(
  file: Deno.FsFile,
  snapshot: FileSnapshot,
): Promise<FileChangedError> {
  const info = await file.stat().catch(() => undefined);
  return new FileChangedError(
    `its size changed from ${snapshot.size} to ${info?.size ?? "more"} bytes`,
  );
}
