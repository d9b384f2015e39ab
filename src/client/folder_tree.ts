/**
 * `FolderTree`: a folder in DocSpace and its subfolders, as far as they have been listed
 * (`GET /api/2.0/files/{folderId}`, 100 entries a page), and its missing subfolders created
 * (`POST /api/2.0/files/folder/{folderId}`), each once.
 *
 * @module
 */
import { createFolder } from "./_docspace/folder_creation.ts";
import { entryOf, listFolder } from "./_docspace/folder_listing.ts";
import type { FolderRequestContext } from "./_docspace/folder_request.ts";
import { portalAt } from "./_docspace/portal.ts";
import { isNativeFolder } from "./_upload_plan.ts";
import type { FolderContent, FolderEntry } from "./folder_types.ts";
import type { UploadedFile } from "./session_types.ts";
import { storedTitle, titleKey } from "./stored_title.ts";
import type { RetryNotice } from "./upload_types.ts";

export type { FolderContent, FolderEntry } from "./folder_types.ts";

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
    const id = await createFolder(this.#requestContext(), parent, title);
    this.#created++;
    this.#contents.set(String(id), Promise.resolve({ files: [], folders: [] }));
    const parentContent = this.#contents.get(String(parent));
    parentContent?.then((c) => c.folders.push({ id, title }), () => {});
    return id;
  }

  /** The portal, the signal and the retry report of the folder requests, read when one is sent. */
  #requestContext(): FolderRequestContext {
    const { url, token, signal, onRetry } = this.#options;
    return {
      portal: portalAt(
        url,
        token,
        this.#options.fetch ?? globalThis.fetch.bind(globalThis),
      ),
      signal: signal ?? new AbortController().signal,
      ...(onRetry ? { onRetry } : {}),
    };
  }

  async #list(folderId: number | string): Promise<FolderContent> {
    return await listFolder(this.#requestContext(), folderId);
  }
}

function segmentsOf(relativePath: string | undefined): string[] {
  return (relativePath ?? "").split("/").filter((s) => s !== "");
}
