// Checks uploadFile's options before any request, and, once the server's settings are known, the chunk
// size against them and the way the chunks go (its course).
import type { UploadSession, UploadSettings } from "./session_types.ts";
import {
  chunkCount,
  MAX_CHUNK_SIZE,
  validateChunkSize,
} from "./_chunk_size.ts";
import type { UploadOptions } from "./upload_types.ts";

/** What the options and the source say about the upload. */
export interface Plan {
  fileName: string;
  fileSize: number;
  concurrency: number;
  /** The file name, quoted, for messages. */
  describe: string;
  /** Whether chunks go numbered (parallel, then finalize) or sequential. */
  numbered: boolean;
  /** Whether the folder is DocSpace's own (a numeric id), where chunks are counted in chunkUploadSize pieces. */
  native: boolean;
  /** The session to continue, from `resume`. */
  resumed?: Pick<UploadSession, "id" | "location" | "folderId" | "routes">;
}

/** A folder id of digits is DocSpace's own; any other string names third-party storage. */
export function isNativeFolder(folderId: number | string): boolean {
  return typeof folderId === "number" || /^\d+$/.test(folderId);
}

/** What a third-party storage needs of the chunks DocSpace forwards to it. */
export interface ProviderRule {
  /** The storage's name, for messages. */
  name: string;
  /** Every chunk but the last must be a multiple of this many bytes. */
  multiple?: number;
  /** Each chunk is stored as the whole file, so a file must go in one chunk. */
  oneChunk?: boolean;
}

/**
 * The storage a third-party folder id names: its prefix is the provider's selector (`drive-3-…`,
 * products/ASC.Files/Core/Core/Thirdparty/Selectors.cs). Google Drive takes resumable-upload chunks in
 * multiples of 256 KiB (GoogleDriveStorage.TransferAsync forwards each chunk as it came, with a
 * Content-Range) and OneDrive in multiples of 320 KiB (OneDriveStorage.TransferAsync, likewise; Microsoft
 * Graph's rule for upload sessions); SharePoint opens every session with chunking off and saves each
 * chunk as the whole file (SharePointFileDao.CreateUploadSessionAsync and UploadChunkAsync).
 */
export function providerRule(
  folderId: number | string,
): ProviderRule | undefined {
  const selector = typeof folderId === "string"
    ? /^([a-z]+)-\d+(?:-|$)/.exec(folderId)?.[1]
    : undefined;
  switch (selector) {
    case "drive":
      return { name: "Google Drive", multiple: 256 * 1024 };
    case "onedrive":
      return { name: "OneDrive", multiple: 320 * 1024 };
    case "spoint":
      return { name: "SharePoint", oneChunk: true };
    default:
      return undefined;
  }
}

/** Refuses a chunk size, or a file size, that the folder's storage cannot take. */
function checkProvider(
  describe: string,
  folderId: number | string,
  fileSize: number,
  chunkSize: number | undefined,
  largest: number,
): void {
  const rule = providerRule(folderId);
  if (
    rule?.multiple !== undefined && chunkSize !== undefined &&
    chunkSize % rule.multiple !== 0
  ) {
    throw new RangeError(
      `Cannot upload ${describe}: ${rule.name} folders take chunks in multiples of ${rule.multiple} bytes (${
        rule.multiple / 1024
      } KiB), but chunkSize is ${chunkSize}; use a multiple of it, or leave chunkSize out`,
    );
  }
  if (rule?.oneChunk && fileSize > largest) {
    throw new RangeError(
      `Cannot upload ${describe}: ${rule.name} folders store each chunk as the whole file, so a file must go in one chunk, and ${fileSize} bytes is more than the ${largest} bytes one chunk can carry`,
    );
  }
}

/** Checks the source and the options; throws TypeError or RangeError before any request. */
export function plan(
  source: Blob | ReadableStream<Uint8Array>,
  options: UploadOptions,
): Plan {
  const { fileName, fileSize, describe } = checkSource(source, options);
  const folderId = checkFolder(describe, options.folderId);
  const native = isNativeFolder(folderId);
  const numbered = checkMode(describe, folderId, native, options.mode);
  if (options.chunkSize !== undefined) {
    validateChunkSize(options.chunkSize, `Cannot upload ${describe}`);
  }
  checkProvider(
    describe,
    folderId,
    fileSize,
    options.chunkSize,
    MAX_CHUNK_SIZE,
  );
  const concurrency = options.concurrency ?? 3;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(
      `Cannot upload ${describe}: concurrency must be a positive integer, received ${concurrency}`,
    );
  }
  const result: Plan = {
    fileName,
    fileSize,
    concurrency,
    describe,
    numbered,
    native,
  };
  if (options.resume !== undefined) {
    result.resumed = resumedSession(describe, numbered, fileSize, options);
  }
  return result;
}

/** The file's name and size, from the options or the source. */
function checkSource(
  source: Blob | ReadableStream<Uint8Array>,
  options: UploadOptions,
): Pick<Plan, "fileName" | "fileSize" | "describe"> {
  const isBlob = source instanceof Blob;
  if (!isBlob && !(source instanceof ReadableStream)) {
    throw new TypeError(
      "Cannot upload: source must be a Blob, a File or a ReadableStream<Uint8Array>",
    );
  }
  const fileName = options.fileName ??
    (source instanceof File ? source.name : undefined);
  if (fileName === undefined || fileName.trim() === "") {
    throw new TypeError(
      "Cannot upload: fileName is required (a File's name is used by default, but this source has none)",
    );
  }
  const describe = JSON.stringify(fileName);
  const fileSize = options.fileSize ?? (isBlob ? source.size : undefined);
  if (fileSize === undefined) {
    throw new TypeError(
      `Cannot upload ${describe}: fileSize is required for a stream`,
    );
  }
  if (!Number.isSafeInteger(fileSize) || fileSize < 0) {
    throw new RangeError(
      `Cannot upload ${describe}: fileSize must be a non-negative integer, received ${fileSize}`,
    );
  }
  if (isBlob && fileSize !== source.size) {
    throw new RangeError(
      `Cannot upload ${describe}: fileSize is ${fileSize} but the Blob has ${source.size} bytes`,
    );
  }
  return { fileName, fileSize, describe };
}

/** A folder id: a positive integer or a non-empty string. */
function checkFolder(
  describe: string,
  folderId: number | string,
): number | string {
  if (
    !(typeof folderId === "number" && Number.isSafeInteger(folderId) &&
      folderId > 0) &&
    !(typeof folderId === "string" && folderId.trim() !== "")
  ) {
    throw new TypeError(
      `Cannot upload ${describe}: folderId must be a positive integer or a non-empty string, received ${
        JSON.stringify(folderId)
      }`,
    );
  }
  return folderId;
}

/** Whether chunks go numbered: by default in DocSpace's own folders, which alone take them. */
function checkMode(
  describe: string,
  folderId: number | string,
  native: boolean,
  chosen: UploadOptions["mode"],
): boolean {
  const mode = chosen ?? (native ? "numbered" : "sequential");
  if (mode !== "numbered" && mode !== "sequential") {
    throw new TypeError(
      `Cannot upload ${describe}: mode must be "numbered" or "sequential", received ${
        JSON.stringify(mode)
      }`,
    );
  }
  if (mode === "numbered" && !native) {
    throw new TypeError(
      `Cannot upload ${describe}: folder ${
        JSON.stringify(folderId)
      } is in third-party storage, which takes only sequential chunks; leave mode out or set it to "sequential"`,
    );
  }
  return mode === "numbered";
}

/** The session `resume` names, once it is checked against this upload. */
function resumedSession(
  describe: string,
  numbered: boolean,
  fileSize: number,
  { resume, folderId, routes: chosen }: UploadOptions,
): NonNullable<Plan["resumed"]> {
  if (!numbered) {
    throw new TypeError(
      `Cannot resume ${describe}: only numbered uploads can be resumed`,
    );
  }
  const saved = resume!;
  validateChunkSize(saved.chunkSize, `Cannot resume ${describe}`);
  if (saved.fileSize !== fileSize) {
    throw new RangeError(
      `Cannot resume ${describe}: the saved session is for ${saved.fileSize} bytes but the file has ${fileSize}`,
    );
  }
  if (String(saved.folderId) !== String(folderId)) {
    throw new RangeError(
      `Cannot resume ${describe}: the saved session is for folder ${saved.folderId}, not ${folderId}`,
    );
  }
  // States saved before the REST routes existed have no `routes`: they are legacy sessions.
  const routes = saved.routes ?? "legacy";
  if (
    (routes !== "rest" && routes !== "legacy") ||
    (routes === "rest" && typeof saved.sessionId !== "string")
  ) {
    throw new TypeError(
      `Cannot resume ${describe}: the saved state names no session the client can address (routes ${
        JSON.stringify(routes)
      })`,
    );
  }
  if ((chosen ?? "auto") !== "auto" && chosen !== routes) {
    throw new RangeError(
      `Cannot resume ${describe}: the saved session uses the ${routes} routes, but routes is "${chosen}"`,
    );
  }
  return {
    id: saved.sessionId ?? "",
    location: saved.location,
    folderId: saved.sessionFolderId ?? folderId,
    routes,
  };
}

/**
 * The chunk size to cut the file with. In DocSpace's own folders the server counts chunks in
 * chunkUploadSize pieces in both modes (sequential chunks are numbered by arrival), so only that size
 * completes a file; third-party folders append chunks of any size up to it, within their storage's rule
 * (see {@linkcode providerRule}; a SharePoint file goes whole in one chunk).
 */
export function chunkSizeFor(
  { describe, native, fileSize }: Plan,
  options: UploadOptions,
  { chunkUploadSize }: UploadSettings,
): number {
  if (options.resume) return options.resume.chunkSize;
  const chunkSize = options.chunkSize ?? chunkUploadSize;
  if (native && chunkSize !== chunkUploadSize) {
    throw new RangeError(
      `Cannot upload ${describe}: chunkSize ${chunkSize} differs from the server's chunkUploadSize ${chunkUploadSize}; folders with numeric ids need the server's size in both modes (other sizes work only in third-party folders), so leave chunkSize out`,
    );
  }
  if (chunkSize > chunkUploadSize) {
    throw new RangeError(
      `Cannot upload ${describe}: chunkSize ${chunkSize} is larger than the server's chunkUploadSize ${chunkUploadSize}, and the server refuses larger chunks`,
    );
  }
  const rule = providerRule(options.folderId);
  if (rule?.oneChunk) {
    checkProvider(
      describe,
      options.folderId,
      fileSize,
      undefined,
      chunkUploadSize,
    );
    return Math.max(chunkSize, fileSize);
  }
  // A file smaller than chunkUploadSize goes whole in one chunk, which every storage takes.
  if (
    rule !== undefined && fileSize >= chunkUploadSize && fileSize > chunkSize
  ) {
    checkProvider(
      describe,
      options.folderId,
      fileSize,
      chunkSize,
      chunkUploadSize,
    );
  }
  return chunkSize;
}

/**
 * The three ways a file's chunks go: a file smaller than one chunk whole in one request (`_small_file.ts`),
 * numbered chunks in parallel, or sequential chunks in order (`_chunk_senders.ts`).
 */
export type Way = "small" | "numbered" | "sequential";

/** How the upload goes, once the server's settings are known. */
export interface Course {
  way: Way;
  /** The size the file is cut in: a small file's whole size. */
  chunkSize: number;
  totalChunks: number;
  /** How many chunks go at once: never more than the server's maxUploadThreadCount. */
  concurrency: number;
}

/** The way, the cut and the concurrency of an upload; a RangeError (from chunkSizeFor) before any session. */
export function courseOf(
  planned: Plan,
  options: UploadOptions,
  settings: UploadSettings,
): Course {
  const chunkSize = chunkSizeFor(planned, options, settings);
  const concurrency = Math.min(
    planned.concurrency,
    settings.maxUploadThreadCount,
  );
  const { fileSize, numbered } = planned;
  if (!options.resume && fileSize < settings.chunkUploadSize) {
    // A small file goes whole in one chunk, whatever the chunk size.
    const whole = Math.max(chunkSize, fileSize);
    return {
      way: "small",
      chunkSize: whole,
      totalChunks: chunkCount(fileSize, whole),
      concurrency,
    };
  }
  return {
    way: numbered ? "numbered" : "sequential",
    chunkSize,
    totalChunks: chunkCount(fileSize, chunkSize),
    concurrency,
  };
}
