/**
 * Where the emulator keeps stored files' bytes: in memory (tests read `file.bytes`), nowhere but their
 * size and SHA-256 (a served emulator taking gigabytes), or in files under a directory.
 *
 * @module
 */

/**
 * The storage choice:
 * - `"memory"`: every byte in memory; `file.bytes` is the file (joined from its chunks on first read)
 * - `"digest"`: only each file's size and SHA-256; chunks are hashed in order as they arrive (a chunk
 *   that arrives before the one it follows waits in memory) and dropped; `file.bytes` throws
 * - `{ directory }`: chunks are written under `directory/chunks/`, a finalized file to
 *   `directory/files/<id>` (`file.path`); `file.bytes` reads it back
 *
 * @example Keep only digests
 * ```ts
 * import { DocSpaceEmulator } from "@docspace-tools/upload/testing";
 * import { assertEquals } from "@std/assert";
 *
 * const emulator = new DocSpaceEmulator({ storage: "digest" });
 * assertEquals(emulator.options.storage, "digest");
 * ```
 */
export type EmulatorStorage = "memory" | "digest" | { directory: string };

/** Validates the choice; internal to the emulator. */
export function resolveStorage(
  storage: EmulatorStorage | undefined,
): EmulatorStorage {
  if (storage === undefined) return "memory";
  if (storage === "memory" || storage === "digest") return storage;
  if (
    typeof storage === "object" && storage !== null &&
    typeof storage.directory === "string" && storage.directory !== ""
  ) {
    return { directory: storage.directory };
  }
  throw new RangeError(
    `Cannot create DocSpaceEmulator: storage must be "memory", "digest" or { directory }, received ${
      JSON.stringify(storage)
    }`,
  );
}
