/**
 * Standard input for an upload: with `--size`, streamed and cut off at the first byte past that size;
 * without, saved to a temporary file first to learn its size (DocSpace needs the size before the first
 * byte), as `rclone rcat` does for remotes that need it, and removed after.
 *
 * @module
 */
import { StreamLengthError } from "../src/client/errors.ts";
import { humanBytes } from "./human.ts";

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

/**
 * Saves stdin to a temporary file (in `directory`, or the system's), readable by the owner only. The
 * file is removed on dispose, and at once when saving fails.
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
  let path: string;
  try {
    path = await Deno.makeTempFile({
      ...(directory ? { dir: directory } : {}),
      prefix: "docspace-upload-stdin-",
    });
    await Deno.chmod(path, 0o600).catch(() => {});
  } catch (error) {
    throw new SpoolError(
      `cannot create a temporary file for stdin (${
        error instanceof Error ? error.message : String(error)
      }); set TMPDIR to a writable directory, or pass --size to stream it`,
    );
  }
  const remove = () => Deno.remove(path).catch(() => {});
  let size = 0;
  const file = await Deno.open(path, { write: true, truncate: true });
  try {
    for await (const piece of stream) {
      signal.throwIfAborted();
      for (let at = 0; at < piece.length;) {
        at += await file.write(piece.subarray(at));
      }
      size += piece.length;
    }
  } catch (error) {
    file.close();
    await remove();
    if (signal.aborted) throw error;
    const full = error instanceof Error &&
      /os error 28|No space left/i.test(error.message);
    throw new SpoolError(
      full
        ? `no space left to save stdin in ${
          directory ?? "the temporary directory"
        } after ${
          humanBytes(size)
        }; set TMPDIR to a disk with more room, or pass --size to stream it`
        : `cannot save stdin to a temporary file (${
          error instanceof Error ? error.message : String(error)
        }); pass --size to stream it`,
    );
  }
  file.close();
  return { path, size, [Symbol.asyncDispose]: remove };
}
