// The few DOM types the upload page's script uses, declared here: `/// <reference lib="dom" />` would leak
// the DOM library into every file of a whole-project `deno check .`. Browser-only; bundled into the page.

/** An event, with the fields the page reads. */
export interface PageEvent {
  preventDefault(): void;
  key?: string;
  persisted?: boolean;
  returnValue?: unknown;
  data?: unknown;
  origin?: string;
  source?: unknown;
  dataTransfer?: DataTransferLike | null;
}

/** A dropped item: `webkitGetAsEntry` walks folders where the browser has it. */
export interface DataTransferLike {
  files: ArrayLike<File>;
  items?: ArrayLike<{ kind: string; webkitGetAsEntry?(): FsEntry | null }>;
  dropEffect?: string;
}

/** A dropped file or folder (FileSystemEntry). */
export interface FsEntry {
  isFile: boolean;
  isDirectory: boolean;
  name: string;
  file?(ok: (file: File) => void, fail: (error: unknown) => void): void;
  createReader?(): {
    readEntries(
      ok: (entries: FsEntry[]) => void,
      fail: (error: unknown) => void,
    ): void;
  };
}

/** An element, with the properties and methods the page uses. */
export interface El {
  id: string;
  className: string;
  textContent: string | null;
  hidden: boolean;
  disabled: boolean;
  value: string;
  files: ArrayLike<File> | null;
  classList: {
    add(name: string): void;
    remove(name: string): void;
    toggle(name: string, force?: boolean): void;
  };
  setAttribute(name: string, value: string): void;
  removeAttribute(name: string): void;
  getAttribute(name: string): string | null;
  append(...nodes: (El | string)[]): void;
  replaceChildren(...nodes: (El | string)[]): void;
  remove(): void;
  querySelectorAll(selector: string): ArrayLike<El>;
  focus(): void;
  click(): void;
  addEventListener(type: string, listener: (event: PageEvent) => void): void;
}

/** The window, as a message source and target. */
export interface WindowLike {
  postMessage(message: unknown, targetOrigin: string): void;
}

declare const document: {
  getElementById(id: string): El | null;
  createElement(tag: string): El;
};

/** The element with this id (the page's HTML has them all). */
export function byId(id: string): El {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`The page has no #${id}`);
  return found;
}

/** A new element: attributes (`text` sets its text), and children. */
export function h(
  tag: string,
  attributes: Record<string, string | undefined> = {},
  ...children: (El | string)[]
): El {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined) continue;
    if (name === "text") element.textContent = value;
    else element.setAttribute(name, value);
  }
  element.append(...children);
  return element;
}
