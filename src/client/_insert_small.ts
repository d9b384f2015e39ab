// A file smaller than one chunk in one request (`insert`). Every repeat of that request stores the file
// again (a new version, or a copy beside it), so a request whose reply was lost is not sent again until
// the folder's listing shows that the file is not there: the listing taken before the first attempt says
// what the folder held, and the one taken after says whether the file arrived.
import { retryContextOf, withRetry } from "./_retry.ts";
import { plan } from "./_upload_plan.ts";
import { DocSpaceError, streamLengthError } from "./errors.ts";
import type { FolderContent, FolderEntry, FolderTree } from "./folder_tree.ts";
import type { SessionClient } from "./session_client.ts";
import type { UploadedFile, UploadSettings } from "./session_types.ts";
import { storedTitle, titleKey } from "./stored_title.ts";
import type { UploadOptions, UploadProgress } from "./upload_types.ts";

/** What {@linkcode insertSmall} needs. */
export interface InsertSmall {
  client: SessionClient;
  folders: FolderTree;
  source: Blob | ReadableStream<Uint8Array>;
  options: UploadOptions;
  settings: UploadSettings;
}

/** Why a session takes the file after all, and the source to send (the same bytes). */
export interface InsteadOfInsert {
  /**
   * `"no route"`: the server has no insert route (404 on the first attempt); `"another result"`: an insert
   * would store another result than a session (a new version of a file whose title differs from this name
   * only in letter case: an insert renames it to the name sent, a session keeps its title); `"no listing"`:
   * the folder cannot be listed, so a lost reply could not be told.
   */
  session: "no route" | "no listing" | "another result";
  source: Blob | ReadableStream<Uint8Array>;
}

/**
 * Stores a small file with one `insert` request, or says why a session must take it (before anything was
 * stored).
 */
export async function insertSmall(
  { client, folders, source, options }: InsertSmall,
): Promise<UploadedFile | InsteadOfInsert> {
  const { fileName, fileSize } = plan(source, options);
  const listed = await listing(folders, options.folderId);
  if (listed === undefined) return { session: "no listing", source };
  const before = snapshot(listed, fileName);
  if (
    !(options.createNewIfExist ?? false) && before.existing !== undefined &&
    before.existing.title !== storedTitle(fileName)
  ) return { session: "another result", source };
  const body = source instanceof Blob
    ? source
    : await readWhole(source, fileSize, fileName);
  const progress = progressOf(options, fileSize);
  progress(0, 0);
  const stored = await insertOnce(client, folders, options, {
    fileName,
    body,
    before,
  });
  // The bytes read so far go to the session instead.
  if (stored === NO_ROUTE) {
    return { session: "no route", source: new Blob([body]) };
  }
  progress(fileSize, fileSize);
  return stored;
}

/**
 * The folder's listing, or undefined when it cannot be listed (DocSpace answers an unknown token as an
 * anonymous visitor there: 403). Then there is no way to tell a lost reply: a session takes the file, and
 * gives the precise refusal if any.
 */
async function listing(
  folders: FolderTree,
  folderId: number | string,
): Promise<FolderContent | undefined> {
  try {
    return await folders.contents(folderId);
  } catch (error) {
    if (
      error instanceof DocSpaceError && !error.transient &&
      error.status !== undefined && error.status >= 400 && error.status < 500
    ) return undefined;
    throw error;
  }
}

/** Reports an insert's progress: bytes sent and confirmed, all in its one chunk. */
function progressOf(
  options: UploadOptions,
  fileSize: number,
): (sent: number, confirmed: number) => void {
  return (sent, confirmed) =>
    options.onProgress?.(
      {
        bytesSent: sent,
        bytesConfirmed: confirmed,
        totalBytes: fileSize,
        chunksConfirmed: confirmed === fileSize && sent === fileSize ? 1 : 0,
        totalChunks: 1,
      } satisfies UploadProgress,
    );
}

/** What {@linkcode insertOnce} answers when the server has no insert route. */
const NO_ROUTE = Symbol("no insert route");

/**
 * Sends the insert, retried; an attempt after a lost reply first asks the folder whether the file
 * arrived. {@linkcode NO_ROUTE} when the first attempt finds no insert route (404).
 */
function insertOnce(
  client: SessionClient,
  folders: FolderTree,
  options: UploadOptions,
  { fileName, body, before }: {
    fileName: string;
    /** The file's bytes. */
    body: Blob | Uint8Array<ArrayBuffer>;
    /** What the folder held before the first attempt. */
    before: Snapshot;
  },
): Promise<UploadedFile | typeof NO_ROUTE> {
  const folderId = options.folderId;
  const fileSize = body instanceof Blob ? body.size : body.length;
  const createNewIfExist = options.createNewIfExist ?? false;
  const signal = options.signal ?? new AbortController().signal;
  const progress = progressOf(options, fileSize);
  return withRetry(
    retryContextOf(options, signal),
    async (attempt, previous) => {
      // A reply lost after the request may have reached the server: the folder says whether it did. (A
      // 429 is refused before any handler runs, so nothing was stored.)
      if (previous !== undefined && !previous.rateLimited) {
        const found = await arrived(
          folders,
          folderId,
          fileName,
          fileSize,
          createNewIfExist,
          before,
        );
        if (found !== undefined) return found;
      }
      progress(fileSize, 0);
      try {
        return await client.insertFile(folderId, body, {
          title: fileName,
          createNewIfExist,
        }, signal);
      } catch (error) {
        if (
          error instanceof DocSpaceError && error.status === 404 &&
          attempt === 1
        ) return NO_ROUTE;
        throw error;
      }
    },
  );
}

/** What the folder held of a title before the upload: that file, and every file's id. */
interface Snapshot {
  existing: FolderEntry | undefined;
  ids: Set<string>;
}

function snapshot(
  content: { files: FolderEntry[] },
  fileName: string,
): Snapshot {
  const key = titleKey(storedTitle(fileName));
  const existing = content.files.find((f) => titleKey(f.title) === key);
  return {
    existing: existing && { ...existing },
    ids: new Set(content.files.map((f) => String(f.id))),
  };
}

/**
 * The file the lost request stored, if the folder shows one: a new version of the title (or the title,
 * new), or, with createNewIfExist, a new file of the size under the title or a free name of it
 * (`name (2).ext`).
 */
async function arrived(
  folders: FolderTree,
  folderId: number | string,
  fileName: string,
  fileSize: number,
  createNewIfExist: boolean,
  before: Snapshot,
): Promise<UploadedFile | undefined> {
  const now = await folders.reread(folderId);
  const title = storedTitle(fileName);
  let found: FolderEntry | undefined;
  if (!createNewIfExist) {
    const key = titleKey(title);
    const entry = now.files.find((f) => titleKey(f.title) === key);
    const old = before.existing;
    if (
      entry !== undefined &&
      (old === undefined || String(entry.id) !== String(old.id) ||
        (entry.version ?? 0) > (old.version ?? 0))
    ) found = entry;
  } else {
    const dot = title.lastIndexOf(".");
    const base = titleKey(dot >= 0 ? title.slice(0, dot) : title);
    const extension = titleKey(dot >= 0 ? title.slice(dot) : "");
    found = now.files.find((f) => {
      if (before.ids.has(String(f.id)) || f.size !== fileSize) return false;
      const t = titleKey(f.title);
      if (!t.startsWith(base) || !t.endsWith(extension)) return false;
      const middle = t.slice(base.length, t.length - extension.length);
      return middle === "" || /^ \(\d+\)$/.test(middle);
    });
  }
  if (found === undefined) return undefined;
  return {
    id: found.id,
    folderId,
    version: found.version ?? 1,
    title: found.title,
    uploaded: true,
    file: found.file ??
      {
        id: found.id,
        title: found.title,
        folderId,
        version: found.version ?? 1,
      },
  };
}

/** A small stream, read whole; one byte more than declared is enough to know it is too long. */
async function readWhole(
  stream: ReadableStream<Uint8Array>,
  fileSize: number,
  fileName: string,
): Promise<Uint8Array<ArrayBuffer>> {
  const bytes = new Uint8Array(fileSize);
  let received = 0;
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (received + value.byteLength > fileSize) {
        received += value.byteLength;
        await reader.cancel();
        break;
      }
      bytes.set(value, received);
      received += value.byteLength;
    }
  } finally {
    reader.releaseLock();
  }
  if (received !== fileSize) {
    throw streamLengthError(fileSize, received, fileName);
  }
  return bytes;
}
