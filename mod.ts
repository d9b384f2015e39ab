/**
 * Stream any file or `ReadableStream` into ONLYOFFICE DocSpace's chunked upload sessions.
 *
 * `uploadFile` does the whole job for one file, `UploadBatch` for many (one budget of requests for all
 * of them, within DocSpace's per-user limits). Underneath, `RechunkStream` cuts streams into aligned chunks (the
 * same core `uploadFile` reads streams with), `createChunkBody` frames a chunk as DocSpace reads it, and
 * `SessionClient` sends one request per method. Upload tickets let a gateway accept uploads from
 * browsers without handing them the DocSpace token.
 *
 * @example Upload a Blob to the emulator
 * ```ts
 * import { uploadFile } from "@docspace-tools/upload";
 * import { startEmulator } from "@docspace-tools/upload/testing";
 * import { assertEquals } from "@std/assert";
 *
 * await using portal = await startEmulator({ chunkUploadSize: 1024 });
 * const bytes = crypto.getRandomValues(new Uint8Array(3000));
 * const file = await uploadFile(new Blob([bytes]), {
 *   url: portal.url,
 *   token: portal.token,
 *   folderId: 1,
 *   fileName: "a.bin",
 * });
 * assertEquals(portal.emulator.file(file.id)?.bytes, bytes);
 * ```
 *
 * @module
 */
export { uploadFile } from "./src/client/upload_file.ts";
export {
  type BatchFileOptions,
  type BatchSource,
  UploadBatch,
  type UploadBatchOptions,
  type UploadBatchStats,
} from "./src/client/upload_batch.ts";
export {
  type BatchProgress,
  type UploadEntry,
  type UploadFileResult,
  uploadFiles,
  type UploadFilesOptions,
} from "./src/client/upload_files.ts";
export {
  RequestBudget,
  type RequestBudgetOptions,
  type RequestBudgetStats,
} from "./src/client/request_budget.ts";
export {
  type FolderContent,
  type FolderEntry,
  FolderTree,
  type FolderTreeOptions,
} from "./src/client/folder_tree.ts";
export {
  storedTitle,
  type StoredTitleOptions,
  titleKey,
} from "./src/client/stored_title.ts";
export type {
  RetryNotice,
  RetryOptions,
  UploadOptions,
  UploadProgress,
  UploadState,
} from "./src/client/upload_types.ts";
export {
  type PooledChunk,
  type PooledChunks,
  type PooledChunksOptions,
  RechunkStream,
  type RechunkStreamOptions,
} from "./src/client/rechunk_stream.ts";
export {
  type ChunkBody,
  type ChunkBodyOptions,
  createChunkBody,
} from "./src/client/chunk_body.ts";
export {
  SessionClient,
  type SessionClientOptions,
} from "./src/client/session_client.ts";
export type {
  ChunkResult,
  CreateSessionOptions,
  DocSpaceFile,
  InsertOptions,
  SessionRoutes,
  SessionTarget,
  UploadChunkOptions,
  UploadedFile,
  UploadSession,
  UploadSettings,
} from "./src/client/session_types.ts";
export {
  DocSpaceError,
  type DocSpaceErrorOptions,
  type RateLimitHeaders,
  StreamLengthError,
  type StreamLengthErrorOptions,
} from "./src/client/errors.ts";
export {
  createUploadTicket,
  type UploadTicket,
  UploadTicketError,
  type UploadTicketFailure,
  type UploadTicketOptions,
  verifyUploadTicket,
  type VerifyUploadTicketOptions,
} from "./src/ticket/upload_ticket.ts";
