// `GET /api/2.0/files/settings`: the server's chunk size and thread limit, checked before any upload.
import { DocSpaceError } from "../errors.ts";
import { CHUNK_ALIGNMENT, MAX_CHUNK_SIZE } from "../_chunk_size.ts";
import type { UploadSettings } from "../session_types.ts";
import { filesApi, type Portal } from "./portal.ts";
import { envelope, record, send } from "./read_reply.ts";

/** Where the settings are read: `{url}/api/2.0/files/settings`, for the portal at `url`. */
export function settingsUrl(url: string): string {
  return `${filesApi(url)}/settings`;
}

/**
 * Reads the settings: the chunk size, and the thread limit (15 when the server names none). Settings no
 * upload can use (a chunk size that is not a positive multiple of 512 up to 10 MiB, a thread limit that
 * is not a positive integer) are refused with a DocSpaceError.
 */
export async function readSettings(
  portal: Portal,
  signal: AbortSignal | undefined,
): Promise<UploadSettings> {
  const reply = await send("settings", portal.fetch, settingsUrl(portal.url), {
    headers: portal.headers,
    signal: signal ?? null,
  });
  return usableSettings(envelope("settings", reply), reply.response.status);
}

/** The settings in a reply's `response`, or a DocSpaceError saying which one no upload can use. */
function usableSettings(response: unknown, status: number): UploadSettings {
  const { chunkUploadSize, maxUploadThreadCount, extsMustConvert } = record(
    response,
  );
  const refuse = (what: string) =>
    new DocSpaceError(
      `the server's settings are not usable: ${what}; check the portal URL, or the server's files.uploader settings`,
      { step: "settings", status },
    );
  // Bounded before any upload: the chunk size sizes the buffers of every chunk in flight.
  if (
    typeof chunkUploadSize !== "number" || !Number.isInteger(chunkUploadSize) ||
    chunkUploadSize <= 0 || chunkUploadSize % CHUNK_ALIGNMENT !== 0 ||
    chunkUploadSize > MAX_CHUNK_SIZE
  ) {
    throw refuse(
      `chunkUploadSize must be a positive multiple of ${CHUNK_ALIGNMENT} no greater than ${MAX_CHUNK_SIZE} (10 MiB, the most this client sends in one request), received ${
        JSON.stringify(chunkUploadSize)?.slice(0, 100)
      }`,
    );
  }
  if (
    maxUploadThreadCount !== undefined && maxUploadThreadCount !== null &&
    !(Number.isSafeInteger(maxUploadThreadCount) &&
      (maxUploadThreadCount as number) >= 1)
  ) {
    throw refuse(
      `maxUploadThreadCount must be a positive integer, received ${
        JSON.stringify(maxUploadThreadCount)?.slice(0, 100)
      }`,
    );
  }
  return {
    chunkUploadSize,
    maxUploadThreadCount: typeof maxUploadThreadCount === "number"
      ? maxUploadThreadCount
      : 15,
    ...(Array.isArray(extsMustConvert) &&
        extsMustConvert.length <= 1000 &&
        extsMustConvert.every((e) => typeof e === "string" && e.length <= 32)
      ? { extsMustConvert: extsMustConvert.map((e) => e.toLowerCase()) }
      : {}),
  };
}
