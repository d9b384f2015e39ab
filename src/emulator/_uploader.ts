// What the server does with a chunk, a finalize and an abort, whichever route carried it: FileUploader,
// FileDao / ThirdPartyFileDao and the chunk holder. The routes turn a ServerException into their own replies.
import type { EmulatorCore } from "./_context.ts";
import { maxSizeMessage } from "./_dto.ts";
import { UNKNOWN_SESSION } from "./_messages.ts";
import {
  SESSION_LIFETIME,
  type StoredChunk,
  type StoredFile,
  type UploadSession,
  withContent,
} from "./state.ts";
import { EMPTY_CONTENT } from "./_store.ts";

/** The .NET exception classes the emulated code throws; the REST routes map them to statuses. */
export type ExceptionKind =
  | "argument" // ArgumentException → 400
  | "quota" // TenantQuotaException → 402
  | "null-reference" // NullReferenceException → 500
  | "io"; // IOException, InvalidDataException → 500

/** An exception as the server throws it; the legacy route answers its message with `success:false`. */
export class ServerException extends Error {
  /** The exception's class. */
  readonly kind: ExceptionKind;
  constructor(kind: ExceptionKind, message: string) {
    super(message);
    this.kind = kind;
  }
}

/** The NullReferenceException of a missing session (ChunkedUploadSessionHolder.GetSessionAsync). */
export const sessionGone = (): ServerException =>
  new ServerException("null-reference", UNKNOWN_SESSION);

/** One chunk as a route read it: the stored bytes and the length the server counts. */
export interface IncomingChunk {
  bytes: Uint8Array;
  length: number;
  /** Absent: the server numbers it by arrival (FileDao's "ChunksUploaded" counter). */
  number?: number;
}

/** FileUploader.UploadChunkAsync, then the folder's FileDao.UploadChunkAsync. */
export function uploadChunk(
  core: EmulatorCore,
  session: UploadSession,
  chunk: IncomingChunk,
): void {
  const { options, state } = core;
  const now = options.now();
  session.expired = now + SESSION_LIFETIME; // FileUploader.cs: a sliding expiry
  if (chunk.length > options.chunkUploadSize) {
    // FileUploader.cs: the message names SetupInfo.MaxUploadSize, min(available-file-size, the plan's cap)
    throw new ServerException(
      "quota",
      maxSizeMessage(Math.min(options.availableFileSize, options.maxFileSize)),
    );
  }
  if (session.thirdParty && chunk.number !== undefined) {
    // ProviderDao/ProviderFileDao.cs, before anything else of the DAO
    throw new ServerException(
      "argument",
      "Can not async upload in provider folder.",
    );
  }
  if (session.small) {
    // TeamlabDao/FileDao.cs and ThirdPartyFileDao.cs (UseChunks == false): a 0-byte session takes the
    // chunk's length; the chunk is saved as the file (a new version each time) unless it is longer than
    // the session announced (FileDao only; third-party folders save whatever came).
    if (session.bytesTotal === 0) session.bytesTotal = chunk.length;
    if (session.thirdParty || session.bytesTotal >= chunk.length) {
      const file = state.save(
        session,
        (key) => state.store.whole(chunk.bytes, key),
        now,
      );
      session.fileId = file.id;
      session.saved = true;
      if (session.thirdParty) session.bytesTransferred = chunk.length;
    }
    return;
  }
  if (session.thirdParty) {
    // ThirdPartyFileDao.cs: appended to a temporary file, BytesTransferred += chunkLength
    state.store.append(session, chunk.bytes);
    session.bytesTransferred += chunk.length;
    return;
  }
  const number = chunk.number ?? ++session.chunksUploaded;
  // The storage keeps the bytes of the chunks a finalize can count (1..ceil(total / chunkUploadSize)).
  const last = Math.ceil(session.bytesTotal / options.chunkUploadSize);
  session.chunks.set(number, {
    bytes: state.store.chunk(session, number, chunk.bytes, last),
    length: chunk.length,
    storedAt: now,
  });
}

/**
 * CommonChunkedUploadSessionHolder.GetChunksAsync: chunks 1..ceil(total / chunkUploadSize), stopping at the
 * first missing one. Each chunk lives 12 h from its upload (the cache entry's lifetime).
 */
function countedChunks(
  core: EmulatorCore,
  session: UploadSession,
): StoredChunk[] {
  const now = core.options.now();
  const last = Math.ceil(session.bytesTotal / core.options.chunkUploadSize);
  const chunks: StoredChunk[] = [];
  for (let n = 1; n <= last; n++) {
    const chunk = session.chunks.get(n);
    if (chunk === undefined || chunk.storedAt + SESSION_LIFETIME <= now) break;
    chunks.push(chunk);
  }
  return chunks;
}

/** FileDao.GetTransferredBytesCountAsync / ThirdPartyFileDao's BytesTransferred. */
export function transferredBytes(
  core: EmulatorCore,
  session: UploadSession,
): number {
  return session.thirdParty
    ? session.bytesTransferred
    : countedChunks(core, session).reduce((n, c) => n + c.length, 0);
}

/**
 * FileUploader.FinalizeUploadSessionAsync (chunked sessions only): CommonChunkedUploadSessionHolder.FinalizeAsync
 * checks the counted lengths, the storage joins the stored bytes, and the session is removed.
 */
export function finalizeSession(
  core: EmulatorCore,
  session: UploadSession,
): StoredFile {
  const { state, options } = core;
  let chunks: StoredChunk[] | undefined;
  if (!session.thirdParty) {
    chunks = countedChunks(core, session);
    const counted = chunks.reduce((n, c) => n + c.length, 0);
    if (counted !== session.bytesTotal) {
      throw new ServerException("argument", "uploadSize != bytesTotal");
    }
  }
  const file = state.save(
    session,
    (key) =>
      chunks === undefined
        ? state.store.joinAppended(session, key)
        : state.store.joinChunks(session, chunks, key),
    options.now(),
  );
  state.sessions.delete(session.id);
  return file;
}

/**
 * The file a completed request answers with. A small session's file is whatever its chunk requests saved;
 * with none saved, the handlers still answer 201 with the session's unsaved file (FileDao never saved it):
 * id 0 (or the file a new version was meant for), version 1 (the File constructor's default, File.cs), the
 * announced size.
 */
export function completedFile(
  core: EmulatorCore,
  session: UploadSession,
): StoredFile {
  const saved = session.fileId === undefined
    ? undefined
    : core.state.file(session.fileId);
  if (session.saved && saved) return saved;
  return withContent({
    id: session.fileId ?? 0,
    folderId: session.folderId,
    title: session.title,
    version: 1,
    bytes: new Uint8Array(0),
    contentLength: session.bytesTotal,
    created: new Date(session.created).toISOString(),
    sha256: "",
  }, EMPTY_CONTENT);
}

/**
 * FileUploader.AbortUploadAsync: the DAO aborts, then the session is removed. For a chunked native session
 * CommonChunkedUploadSessionHolder.AbortAsync asks the data store: DiscDataStore.AbortChunkedUploadAsync
 * (common/ASC.Data.Storage/DiscStorage/DiscDataStore.cs) deletes the `chunks` directory without recursion,
 * which throws IOException "Directory not empty" once a chunk is stored there, so the session stays until it
 * expires; with no chunk the directory does not exist and nothing is deleted. S3Storage aborts the
 * multipart upload, which always succeeds. Small sessions and third-party folders store no chunks.
 */
export function abortSession(core: EmulatorCore, session: UploadSession): void {
  if (
    core.options.dataStore === "disk" && !session.thirdParty &&
    !session.small && session.chunks.size > 0
  ) {
    // .NET on Linux: the errno text, then the path (Interop.GetExceptionForIoErrno).
    throw new ServerException(
      "io",
      `Directory not empty : '/app/onlyoffice/data/Products/Files/uploads/${session.id}chunks'`,
    );
  }
  core.state.sessions.delete(session.id);
  core.state.store.drop(session);
}
