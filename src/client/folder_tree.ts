/**
 * `FolderTree`: a folder in DocSpace and its subfolders, as far as they have been listed
 * (`GET /api/2.0/files/{folderId}`, 100 entries a page), and its missing subfolders created
 * (`POST /api/2.0/files/folder/{folderId}`), each once.
 *
 * @module
 */
import { folderRequest } from "./_docspace/folder_request.ts";
import { isNativeFolder } from "./_upload_plan.ts";
import { DocSpaceError } from "./errors.ts";
import type { DocSpaceFile, UploadedFile } from "./session_types.ts";
import { storedTitle, titleKey } from "./stored_title.ts";
import type { RetryNotice } from "./upload_types.ts";

/** A file or folder in a listing. */
export interface FolderEntry {
  /** Its id. */
  id: number | string;
  /** Its title. */
  title: string;
  /** A file's size in bytes (`pureContentLength`). */
  size?: number;
  /** A file's version. */
  version?: number;
  /** A file's object as the listing gives it. */
  file?: DocSpaceFile;
}

/** What a folder holds. */
export interface FolderContent {
  /** Its files. */
  files: FolderEntry[];
  /** Its subfolders. */
  folders: FolderEntry[];
}

/** Options for {@linkcode FolderTree}. */
export interface FolderTreeOptions {
  /** The portal's URL. */
  url: string;
  /** The token. */
  token: string;
  /** The folder the tree starts at. */
  folderId: number | string;
  /** The `fetch` to use. @default {globalThis.fetch} */
  fetch?: typeof fetch;
  /** Stops every request. */
  signal?: AbortSignal;
  /** Told before a failed request is tried again. */
  onRetry?: (notice: RetryNotice) => void;
}

/** ApiContext.MaxCount: the most entries a listing page holds. */
const PAGE = 100;
/** The most pages one listing reads (a million entries): a listing of full pages that never ends is refused. */
const MAX_PAGES = 10_000;

/**
 * A folder's tree in DocSpace, read lazily: each folder is listed once (all pages) and kept, and a
 * missing subfolder is created once however many callers ask for it at the same time. Titles are
 * compared as DocSpace compares them (see {@linkcode storedTitle} and {@linkcode titleKey}). Listing
 * changes nothing on the server: no sort order is passed, which the server would keep as the user's
 * default.
 *
 * @example Create a path, then find it
 * ```ts
 * import { FolderTree } from "@docspace-tools/upload";
 * import { startEmulator } from "@docspace-tools/upload/testing";
 * import { assertEquals } from "@std/assert";
 *
 * await using portal = await startEmulator();
 * const tree = new FolderTree({ url: portal.url, token: portal.token, folderId: 1 });
 * const id = await tree.ensure("photos/2024");
 * const again = new FolderTree({ url: portal.url, token: portal.token, folderId: 1 });
 * assertEquals(await again.find("photos/2024"), id);
 * assertEquals(tree.created, 2);
 * ```
 */
export class FolderTree {
  #options: FolderTreeOptions;
  #contents = new Map<string, Promise<FolderContent>>();
  #creating = new Map<string, Promise<number | string>>();
  #created = 0;

  /**
   * Reads nothing yet.
   *
   * @param options The portal, the token, the folder, `fetch`, the signal and the retry report.
   */
  constructor(options: FolderTreeOptions) {
    this.#options = options;
  }

  /** How many folders this tree has created. */
  get created(): number {
    return this.#created;
  }

  /**
   * Everything in a folder, all pages, read once and kept.
   *
   * @param folderId The folder.
   * @returns Its files and subfolders.
   * @throws {DocSpaceError} If the listing fails.
   */
  contents(folderId: number | string): Promise<FolderContent> {
    const key = String(folderId);
    let content = this.#contents.get(key);
    if (content === undefined) {
      content = this.#list(folderId);
      content.catch(() => this.#contents.delete(key));
      this.#contents.set(key, content);
    }
    return content;
  }

  /**
   * Lists a folder again, and keeps the new listing.
   *
   * @param folderId The folder.
   * @returns Its files and subfolders now.
   * @throws {DocSpaceError} If the listing fails.
   */
  reread(folderId: number | string): Promise<FolderContent> {
    this.#contents.delete(String(folderId));
    return this.contents(folderId);
  }

  /**
   * The folder at a path of subfolder titles.
   *
   * @param relativePath Like `"photos/2024"`; the tree's folder itself when absent or empty.
   * @returns Its id, or undefined when a folder on the way does not exist.
   * @throws {DocSpaceError} If a listing fails.
   */
  async find(relativePath?: string): Promise<number | string | undefined> {
    let id: number | string = this.#options.folderId;
    for (const segment of segmentsOf(relativePath)) {
      const next = this.#find(
        (await this.contents(id)).folders,
        storedTitle(segment, { folder: true }),
      );
      if (next === undefined) return undefined;
      id = next.id;
    }
    return id;
  }

  /**
   * The file a name would be stored as, in the folder at a path, if there is one.
   *
   * @param relativePath The folder's path; the tree's folder when absent.
   * @param name The file's name (compared as the server stores and looks it up).
   * @returns The file, or undefined.
   * @throws {DocSpaceError} If a listing fails.
   */
  async file(
    relativePath: string | undefined,
    name: string,
  ): Promise<FolderEntry | undefined> {
    const folder = await this.find(relativePath);
    if (folder === undefined) return undefined;
    return this.#find(
      (await this.contents(folder)).files,
      storedTitle(name, { native: this.#native }),
    );
  }

  /**
   * Makes sure the folder at a path exists, creating the missing folders on the way (each once).
   *
   * @param relativePath Like `"photos/2024"`.
   * @returns The folder's id.
   * @throws {DocSpaceError} If a listing or a creation fails.
   */
  async ensure(relativePath: string | undefined): Promise<number | string> {
    let id: number | string = this.#options.folderId;
    for (const segment of segmentsOf(relativePath)) {
      const title = storedTitle(segment, { folder: true });
      const existing = this.#find((await this.contents(id)).folders, title);
      if (existing !== undefined) {
        id = existing.id;
        continue;
      }
      const key = `${id}\n${titleKey(title, this.#native)}`;
      let made = this.#creating.get(key);
      if (made === undefined) {
        made = this.#create(id, title);
        made.catch(() => this.#creating.delete(key));
        this.#creating.set(key, made);
      }
      id = await made;
    }
    return id;
  }

  /**
   * Records a file stored into a folder whose listing is kept, so that later lookups see it.
   *
   * @param file The stored file.
   */
  async remember(file: UploadedFile): Promise<void> {
    const kept = this.#contents.get(String(file.folderId));
    if (kept === undefined) return;
    let content: FolderContent;
    try {
      content = await kept;
    } catch {
      return;
    }
    const entry = entryOf({ ...file.file, id: file.id, title: file.title });
    const at = content.files.findIndex((f) => String(f.id) === String(file.id));
    if (at >= 0) content.files[at] = entry;
    else content.files.push(entry);
  }

  /** DocSpace's own folders have numeric ids; a third-party folder's subfolders are third-party too. */
  get #native(): boolean {
    return isNativeFolder(this.#options.folderId);
  }

  #find(entries: FolderEntry[], title: string): FolderEntry | undefined {
    const key = titleKey(title, this.#native);
    return entries.find((e) => titleKey(e.title, this.#native) === key);
  }

  async #create(
    parent: number | string,
    title: string,
  ): Promise<number | string> {
    const folder = await folderRequest(
      this.#requestOptions(),
      "folder creation",
      `folder/${encodeURIComponent(String(parent))}`,
      { method: "POST", body: JSON.stringify({ title }) },
    ) as { id?: unknown } | null;
    const id = folder?.id;
    if (
      !(typeof id === "number" && Number.isSafeInteger(id) && id > 0) &&
      !(typeof id === "string" && id !== "")
    ) {
      throw new DocSpaceError(
        `folder ${parent}: the reply to the folder's creation has no folder id`,
        { step: "folder creation", status: 200 },
      );
    }
    this.#created++;
    this.#contents.set(String(id), Promise.resolve({ files: [], folders: [] }));
    const parentContent = this.#contents.get(String(parent));
    parentContent?.then((c) => c.folders.push({ id, title }), () => {});
    return id;
  }

  #requestOptions() {
    const { url, token, signal, onRetry } = this.#options;
    return {
      url,
      token,
      fetch: this.#options.fetch ?? globalThis.fetch.bind(globalThis),
      signal: signal ?? new AbortController().signal,
      ...(onRetry ? { onRetry } : {}),
    };
  }

  async #list(folderId: number | string): Promise<FolderContent> {
    const content: FolderContent = { files: [], folders: [] };
    const seen = new Set<string>();
    const step = "folder listing";
    for (let start = 0, pages = 0;; pages++) {
      if (pages >= MAX_PAGES) {
        throw new DocSpaceError(
          `folder ${folderId}: the listing did not end after ${MAX_PAGES} pages`,
          { step, status: 200 },
        );
      }
      const page = await folderRequest(
        this.#requestOptions(),
        step,
        `${
          encodeURIComponent(String(folderId))
        }?startIndex=${start}&count=${PAGE}`,
        { method: "GET" },
      );
      const { files, folders, total } = pageOf(page, folderId);
      let fresh = 0;
      for (const f of files) {
        if (seen.has(`f${f.id}`)) continue;
        seen.add(`f${f.id}`);
        content.files.push(f);
        fresh++;
      }
      for (const f of folders) {
        if (seen.has(`d${f.id}`)) continue;
        seen.add(`d${f.id}`);
        content.folders.push(f);
        fresh++;
      }
      const entries = files.length + folders.length;
      start += entries;
      // The server fills every page but the last: a page that is not full, or that brings nothing new,
      // ends the listing, whatever `total` claims (a reply that claims a huge total and gives one entry a
      // page cannot make a request per entry).
      if (fresh === 0 || entries < PAGE || start >= total) return content;
    }
  }
}

function segmentsOf(relativePath: string | undefined): string[] {
  return (relativePath ?? "").split("/").filter((s) => s !== "");
}

function isId(value: unknown): value is number | string {
  return (typeof value === "number" && Number.isSafeInteger(value)) ||
    (typeof value === "string" && value !== "");
}

function entryOf(value: Record<string, unknown>): FolderEntry {
  const size = value.pureContentLength;
  const version = value.version;
  return {
    id: value.id as number | string,
    title: value.title as string,
    ...(typeof size === "number" ? { size } : {}),
    ...(typeof version === "number" ? { version } : {}),
    file: value as DocSpaceFile,
  };
}

/** One listing page, checked: a reply of another shape is an error, not a crash. */
function pageOf(
  page: unknown,
  folderId: number | string,
): { files: FolderEntry[]; folders: FolderEntry[]; total: number } {
  const bad = (what: string) =>
    new DocSpaceError(
      `folder ${folderId}: the listing's reply ${what}`,
      { step: "folder listing", status: 200 },
    );
  if (typeof page !== "object" || page === null || Array.isArray(page)) {
    throw bad("is not an object");
  }
  const { files = [], folders = [], total = 0 } = page as Record<
    string,
    unknown
  >;
  if (!Array.isArray(files) || !Array.isArray(folders)) {
    throw bad("has no lists of files and folders");
  }
  const entries = (list: unknown[]) =>
    list.map((item) => {
      if (
        typeof item !== "object" || item === null ||
        !isId((item as Record<string, unknown>).id) ||
        typeof (item as Record<string, unknown>).title !== "string"
      ) {
        throw bad("has an entry without an id and a title");
      }
      return entryOf(item as Record<string, unknown>);
    });
  return {
    files: entries(files),
    folders: entries(folders).map(({ id, title }) => ({ id, title })),
    total: typeof total === "number" && Number.isFinite(total) ? total : 0,
  };
}
