/**
 * Standard input for an upload: with `--size`, streamed and cut off at the first byte past that size;
 * without, saved to a temporary file first to learn its size (DocSpace needs the size before the first
 * byte), as `rclone rcat` does for remotes that need it, and removed after.
 *
 * @module
 */
import { dirname } from "node:path";
import { StreamLengthError } from "../../src/client/errors.ts";
import { humanBytes } from "../output/human.ts";

/**
 * Stdin as a stream that errors with a `StreamLengthError` as soon as more than `size` bytes arrive,
 * rather than after the whole stream was read.
 *
 * @param stream Stdin.
 * @param size The size `--size` states.
 * @returns The stream.
 */
export function sizedStdin(
  stream: ReadableStream<Uint8Array>,
  size: number,
): ReadableStream<Uint8Array> {
  let received = 0;
  return stream.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(piece, controller) {
        received += piece.length;
        if (received > size) {
          controller.error(
            new StreamLengthError(
              `stdin is longer than --size ${size}: ${received} bytes arrived`,
              { expected: size, received },
            ),
          );
          return;
        }
        controller.enqueue(piece);
      },
    }),
  );
}

/** Stdin saved in a temporary file. */
export interface Spooled extends AsyncDisposable {
  /** The temporary file. */
  path: string;
  /** Its size in bytes. */
  size: number;
}

/** Stdin could not be saved (no room, no temporary directory). */
export class SpoolError extends Error {
  /**
   * Creates the error.
   *
   * @param message What happened, for a person.
   */
  constructor(message: string) {
    super(message);
    this.name = "SpoolError";
  }
}

/** What a spool leaves free on its disk, at least: a full disk breaks more than this upload. */
export const SPOOL_RESERVE = 256 * 1024 * 1024;
/** How often the free space is looked at again while stdin is saved. */
const CHECK_EVERY = 256 * 1024 * 1024;

/**
 * The bytes free for this user on the disk that holds `directory` (`df -Pk`), or undefined when that
 * cannot be told (no `df`, another format).
 */
export async function freeBytes(
  directory: string,
): Promise<number | undefined> {
  try {
    const { success, stdout } = await new Deno.Command("df", {
      args: ["-Pk", directory],
      stdout: "piped",
      stderr: "null",
    }).output();
    if (!success) return undefined;
    const fields = new TextDecoder().decode(stdout).trim().split("\n").at(-1)
      ?.trim().split(/\s+/) ?? [];
    const kib = Number(fields[3]);
    return Number.isSafeInteger(kib) && kib >= 0 ? kib * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Saves stdin to a temporary file (in `directory`, or the system's), readable by the owner only, while
 * its disk keeps {@linkcode SPOOL_RESERVE} free (looked at before and every 256 MiB). The file is
 * removed on dispose, and at once when saving fails.
 *
 * @param stream Stdin.
 * @param directory Where to put it (`$TMPDIR`), or the system's temporary directory.
 * @param signal Stops the saving.
 * @returns The file and its size.
 * @throws {SpoolError} If the file cannot be created or written (a full disk among others).
 */
export async function spoolStdin(
  stream: ReadableStream<Uint8Array>,
  directory: string | undefined,
  signal: AbortSignal,
): Promise<Spooled> {
  const path = await createSpoolFile(directory);
  const remove = () => Deno.remove(path).catch(() => {});
  const where = directory ?? "the temporary directory";
  const before = roomError(where, await freeBytes(dirname(path)), 0);
  if (before) {
    await remove();
    throw before;
  }
  const file = await Deno.open(path, { write: true, truncate: true });
  let size: number;
  try {
    size = await writeSpool(stream, file, { path, where }, signal);
  } catch (error) {
    file.close();
    await remove();
    throw error;
  }
  file.close();
  return { path, size, [Symbol.asyncDispose]: remove };
}

/** Creates the temporary file, readable by its owner only. */
async function createSpoolFile(directory: string | undefined): Promise<string> {
  try {
    const path = await Deno.makeTempFile({
      ...(directory ? { dir: directory } : {}),
      prefix: "docspace-upload-stdin-",
    });
    await Deno.chmod(path, 0o600).catch(() => {});
    return path;
  } catch (error) {
    throw new SpoolError(
      `cannot create a temporary file for stdin (${
        error instanceof Error ? error.message : String(error)
      }); set TMPDIR to a writable directory, or pass --size to stream it`,
    );
  }
}

/** The error for a disk left with less than {@linkcode SPOOL_RESERVE} free, if it is. */
function roomError(
  where: string,
  free: number | undefined,
  written: number,
): SpoolError | undefined {
  return free !== undefined && free < SPOOL_RESERVE
    ? new SpoolError(
      `only ${humanBytes(free)} left free in ${where} after saving ${
        humanBytes(written)
      } of stdin (the CLI keeps ${
        humanBytes(SPOOL_RESERVE)
      } free); set TMPDIR to a disk with more room, or pass --size to stream it`,
    )
    : undefined;
}

/** Writes stdin into the file, looking at the disk's room every 256 MiB; returns the size. */
async function writeSpool(
  stream: ReadableStream<Uint8Array>,
  file: Deno.FsFile,
  spool: { path: string; where: string },
  signal: AbortSignal,
): Promise<number> {
  let size = 0;
  let nextCheck = CHECK_EVERY;
  try {
    for await (const piece of stream) {
      signal.throwIfAborted();
      if (size >= nextCheck) {
        nextCheck += CHECK_EVERY;
        const full = roomError(
          spool.where,
          await freeBytes(dirname(spool.path)),
          size,
        );
        if (full) throw full;
      }
      for (let at = 0; at < piece.length;) {
        at += await file.write(piece.subarray(at));
      }
      size += piece.length;
    }
    return size;
  } catch (error) {
    if (signal.aborted || error instanceof SpoolError) throw error;
    const full = error instanceof Error &&
      /os error 28|No space left/i.test(error.message);
    throw new SpoolError(
      full
        ? `no space left to save stdin in ${spool.where} after ${
          humanBytes(size)
        }; set TMPDIR to a disk with more room, or pass --size to stream it`
        : `cannot save stdin to a temporary file (${
          error instanceof Error ? error.message : String(error)
        }); pass --size to stream it`,
    );
  }
}
