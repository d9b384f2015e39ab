// DocSpace's rules for chunk sizes, and how many chunks a file has.

/** The largest chunk DocSpace accepts, and the default chunk size: 10 MiB. */
export const MAX_CHUNK_SIZE = 10 * 1024 * 1024;

/** The alignment DocSpace asks chunk sizes to keep. */
export const CHUNK_ALIGNMENT = 512;

/**
 * Checks a chunk size against DocSpace's rules and returns it; `context` starts the error message
 * ("Cannot create RechunkStream").
 */
export function validateChunkSize(chunkSize: number, context: string): number {
  if (
    !Number.isInteger(chunkSize) || chunkSize <= 0 ||
    chunkSize % CHUNK_ALIGNMENT !== 0 || chunkSize > MAX_CHUNK_SIZE
  ) {
    throw new RangeError(
      `${context}: chunkSize must be a positive multiple of ${CHUNK_ALIGNMENT} no greater than ${MAX_CHUNK_SIZE}, received ${chunkSize}`,
    );
  }
  return chunkSize;
}

/** How many chunks DocSpace counts for a file of `fileSize` bytes: a 0-byte file is one empty chunk. */
export function chunkCount(fileSize: number, chunkSize: number): number {
  return fileSize === 0 ? 1 : Math.ceil(fileSize / chunkSize);
}
