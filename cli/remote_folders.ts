/**
 * The target folder's tree as DocSpace lists it (`GET /api/2.0/files/{folderId}`, 100 entries a page,
 * folders first), read lazily and cached, and its missing subfolders created
 * (`POST /api/2.0/files/folder/{folderId}`). Listing changes nothing on the server: no sort order is
 * passed, because the server would keep it as the user's default.
 *
 * @module
 */
import { DocSpaceError } from "../src/client/errors.ts";
import {
  folderRequest,
  type FolderRequestOptions,
} from "../src/client/_folder_requests.ts";
import { serverTitle, storedFileTitle, titleKey } from "./names.ts";

/** A file or folder in a listing. */
export interface RemoteEntry {
  /** Its id. */
  id: number | string;
  /** Its title. */
  title: string;
  /** A file's size in bytes (`pureContentLength`). */
  size?: number;
}

/** What a folder holds. */
export interface FolderContent {
  /** Its files. */
  files: RemoteEntry[];
  /** Its subfolders. */
  folders: RemoteEntry[];
}

/** Options for {@linkcode RemoteFolders}. */
export interface RemoteFoldersOptions extends FolderRequestOptions {
  /** The target folder. */
  folderId: number | string;
}

/** ApiContext.MaxCount: the most entries a listing page holds. */
const PAGE = 100;

/** The target folder's tree, as far as it has been read. */
export class RemoteFolders {
  #options: RemoteFoldersOptions;
  #contents = new Map<string, Promise<FolderContent>>();
  #created = new Map<string, Promise<number | string>>();

  /**
   * Reads nothing yet.
   *
   * @param options The portal, the token, the target folder, `fetch` and the signal.
   */
  constructor(options: RemoteFoldersOptions) {
    this.#options = options;
  }

  /**
   * Everything in a folder, all pages, read once.
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
      this.#contents.set(key, content);
    }
    return content;
  }

  /**
   * The folder at a path of subfolder titles under the target folder.
   *
   * @param relativePath Like `"photos/2024"`; the target folder itself when absent.
   * @returns Its id, or undefined when a folder on the way does not exist.
   */
  async find(relativePath?: string): Promise<number | string | undefined> {
    let id: number | string = this.#options.folderId;
    for (const segment of segmentsOf(relativePath)) {
      const key = this.#key(serverTitle(segment));
      const next = (await this.contents(id)).folders.find((f) =>
        this.#key(f.title) === key
      );
      if (next === undefined) return undefined;
      id = next.id;
    }
    return id;
  }

  /**
   * The file of a title in the folder at a path, if there is one.
   *
   * @param relativePath The folder's path under the target folder.
   * @param name The file's name, compared as the server stores it (`README` as `README.` in DocSpace's
   * own folders) and looks it up (ignoring case).
   * @returns The file, or undefined.
   */
  async file(
    relativePath: string | undefined,
    name: string,
  ): Promise<RemoteEntry | undefined> {
    const folder = await this.find(relativePath);
    if (folder === undefined) return undefined;
    const key = this.#key(storedFileTitle(name, this.#native));
    return (await this.contents(folder)).files.find((f) =>
      this.#key(f.title) === key
    );
  }

  /** DocSpace's own folders have numeric ids; a third-party folder's subfolders are third-party too. */
  get #native(): boolean {
    return typeof this.#options.folderId === "number";
  }

  #key(title: string): string {
    return titleKey(title, this.#native);
  }

  /**
   * Makes sure the folder at a path exists, creating the missing folders on the way.
   *
   * @param relativePath Like `"photos/empty"`.
   * @returns Whether anything was created.
   * @throws {DocSpaceError} If a listing or a creation fails.
   */
  async ensure(relativePath: string): Promise<boolean> {
    let id: number | string = this.#options.folderId;
    let created = false;
    for (const segment of segmentsOf(relativePath)) {
      const title = serverTitle(segment);
      const existing = (await this.contents(id)).folders.find((f) =>
        this.#key(f.title) === this.#key(title)
      );
      if (existing !== undefined) {
        id = existing.id;
        continue;
      }
      const key = `${id}\n${this.#key(title)}`;
      let made = this.#created.get(key);
      if (made === undefined) {
        made = this.#create(id, title);
        this.#created.set(key, made);
        created = true;
      }
      id = await made;
    }
    return created;
  }

  async #create(
    parent: number | string,
    title: string,
  ): Promise<number | string> {
    const folder = await folderRequest(
      this.#options,
      "folder creation",
      `folder/${encodeURIComponent(String(parent))}`,
      { method: "POST", body: JSON.stringify({ title }) },
    ) as { id?: number | string };
    if (folder?.id === undefined) {
      throw new DocSpaceError(`folder ${parent}: the reply has no folder id`, {
        step: "folder creation",
        status: 200,
      });
    }
    this.#contents.set(
      String(folder.id),
      Promise.resolve({ files: [], folders: [] }),
    );
    return folder.id;
  }

  async #list(folderId: number | string): Promise<FolderContent> {
    const content: FolderContent = { files: [], folders: [] };
    for (let start = 0;;) {
      const page = await folderRequest(
        this.#options,
        "folder listing",
        `${
          encodeURIComponent(String(folderId))
        }?startIndex=${start}&count=${PAGE}`,
        { method: "GET" },
      ) as Page;
      const files = page?.files ?? [];
      const folders = page?.folders ?? [];
      for (const f of files) {
        content.files.push({
          id: f.id,
          title: f.title,
          ...(typeof f.pureContentLength === "number"
            ? { size: f.pureContentLength }
            : {}),
        });
      }
      for (const f of folders) {
        content.folders.push({ id: f.id, title: f.title });
      }
      const count = files.length + folders.length;
      start += count;
      if (count === 0 || start >= (page?.total ?? 0)) return content;
    }
  }
}

interface Page {
  files?: { id: number | string; title: string; pureContentLength?: number }[];
  folders?: { id: number | string; title: string }[];
  total?: number;
}

function segmentsOf(relativePath: string | undefined): string[] {
  return (relativePath ?? "").split("/").filter((s) => s !== "");
}
