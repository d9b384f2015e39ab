// The emulator's folders: ids, parents, who may write, and when each was created.
import type { EmulatorFolder } from "./options.ts";
import { titleKey } from "./_title.ts";

/** The folders by id (as a string); internal to the emulator. */
export class FolderTree extends Map<string, EmulatorFolder> {
  #nextId: number;
  #created = new Map<string, number>();

  constructor(folders: EmulatorFolder[], now: number) {
    super();
    for (const folder of folders) {
      this.set(String(folder.id), folder);
      this.#created.set(String(folder.id), now);
    }
    const numeric = folders.map((f) => f.id).filter((id) =>
      typeof id === "number"
    );
    this.#nextId = Math.max(0, ...numeric) + 1;
  }

  /** The folder's ancestors and itself, root first (the server's breadcrumbs). */
  path(folder: EmulatorFolder): (number | string)[] {
    return this.ancestry(folder).map((f) => f.id);
  }

  /** The folder's ancestors and itself, root first. */
  ancestry(folder: EmulatorFolder): EmulatorFolder[] {
    const chain = [folder];
    for (let f = this.parent(folder); f; f = this.parent(f)) chain.unshift(f);
    return chain;
  }

  /** Whether the user may upload to the folder: the nearest `writers` list up the tree decides. */
  canWrite(folder: EmulatorFolder, user: string): boolean {
    for (let f: EmulatorFolder | undefined = folder; f; f = this.parent(f)) {
      if (f.writers) return f.writers.includes(user);
    }
    return true;
  }

  /** The folder's direct subfolders. */
  children(folder: EmulatorFolder): EmulatorFolder[] {
    return [...this.values()].filter((f) => f.parentId === folder.id);
  }

  /** When the folder was created, in milliseconds. */
  created(folder: EmulatorFolder): number {
    return this.#created.get(String(folder.id)) ?? 0;
  }

  /**
   * A new subfolder, even when one of that title exists: FolderDao.SaveFolderAsync
   * (products/ASC.Files/Core/Core/Dao/TeamlabDao/FolderDao.cs) does not look for one.
   */
  create(parent: EmulatorFolder, title: string, now: number): EmulatorFolder {
    const id = typeof parent.id === "string"
      ? this.#freeThirdPartyId(`${parent.id}|${title}`)
      : this.#nextId++;
    const created: EmulatorFolder = { id, title, parentId: parent.id };
    this.set(String(id), created);
    this.#created.set(String(id), now);
    return created;
  }

  /**
   * The folder at these subfolder titles under `folder`, creating missing ones. FolderDao.GetFolderAsync(title,
   * parentId) compares in the database's `utf8_general_ci`; a third-party provider ignoring case.
   */
  subfolder(
    folder: EmulatorFolder,
    titles: string[],
    now: number,
  ): EmulatorFolder {
    let current = folder;
    for (const title of titles) {
      const key = typeof current.id === "number"
        ? titleKey(title)
        : title.toUpperCase();
      current = this.children(current).find((f) =>
        (typeof current.id === "number"
          ? titleKey(f.title ?? "")
          : (f.title ?? "").toUpperCase()) === key
      ) ?? this.create(current, title, now);
    }
    return current;
  }

  /** The folder's parent, if it has one the emulator knows. */
  parent(folder: EmulatorFolder): EmulatorFolder | undefined {
    return folder.parentId === undefined
      ? undefined
      : this.get(String(folder.parentId));
  }

  #freeThirdPartyId(id: string): string {
    let candidate = id;
    for (let n = 2; this.has(candidate); n++) candidate = `${id}|${n}`;
    return candidate;
  }
}
