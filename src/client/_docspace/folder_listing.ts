// `GET /api/2.0/files/{folderId}`: everything in a folder, 100 entries a page, every page read and checked
// (a reply of another shape is an error, not a crash). No sort order is passed: the server would keep it as
// the user's default.
import { DocSpaceError } from "../errors.ts";
import type { FolderContent, FolderEntry } from "../folder_types.ts";
import type { DocSpaceFile } from "../session_types.ts";
import { folderRequest, type FolderRequestContext } from "./folder_request.ts";
import { folderUrl } from "./portal.ts";

/** ApiContext.MaxCount: the most entries a listing page holds. */
const PAGE = 100;
/** The most pages one listing reads (a million entries): a listing of full pages that never ends is refused. */
const MAX_PAGES = 10_000;
const STEP = "folder listing";

/** A listing page: `{url}/api/2.0/files/{folderId}?startIndex=…&count=…`. */
export function folderPageUrl(
  url: string,
  folderId: number | string,
  startIndex: number,
  count: number,
): string {
  return `${folderUrl(url, folderId)}?startIndex=${startIndex}&count=${count}`;
}

/** Everything in a folder, all pages; an entry that a later page repeats is kept once. */
export async function listFolder(
  context: FolderRequestContext,
  folderId: number | string,
): Promise<FolderContent> {
  const content: FolderContent = { files: [], folders: [] };
  const seen = new Set<string>();
  for (let start = 0, pages = 0;; pages++) {
    if (pages >= MAX_PAGES) {
      throw new DocSpaceError(
        `folder ${folderId}: the listing did not end after ${MAX_PAGES} pages`,
        { step: STEP, status: 200 },
      );
    }
    const page = pageOf(
      await folderRequest(
        context,
        `${STEP} (${folderId})`,
        folderPageUrl(context.portal.url, folderId, start, PAGE),
        { method: "GET" },
      ),
      folderId,
    );
    const fresh = keepFresh(content.files, seen, "f", page.files) +
      keepFresh(content.folders, seen, "d", page.folders);
    const entries = page.files.length + page.folders.length;
    start += entries;
    // The server fills every page but the last: a page that is not full, or that brings nothing new,
    // ends the listing, whatever `total` claims (a reply that claims a huge total and gives one entry a
    // page cannot make a request per entry).
    if (fresh === 0 || entries < PAGE || start >= page.total) return content;
  }
}

/** Adds the entries not seen yet (by kind and id) to `kept`; how many were new. */
function keepFresh(
  kept: FolderEntry[],
  seen: Set<string>,
  kind: "f" | "d",
  entries: FolderEntry[],
): number {
  let fresh = 0;
  for (const entry of entries) {
    if (seen.has(`${kind}${entry.id}`)) continue;
    seen.add(`${kind}${entry.id}`);
    kept.push(entry);
    fresh++;
  }
  return fresh;
}

function isId(value: unknown): value is number | string {
  return (typeof value === "number" && Number.isSafeInteger(value)) ||
    (typeof value === "string" && value !== "");
}

/** A listing's file object (or a stored file's) as an entry: its id, title, size and version. */
export function entryOf(value: Record<string, unknown>): FolderEntry {
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
      { step: STEP, status: 200 },
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
