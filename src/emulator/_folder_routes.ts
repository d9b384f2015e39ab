// Folders: a folder's content, paged and sorted, and a new folder (FoldersController.cs). Mounted at
// /api/2.0/files.
import { type Context, Hono } from "hono";
import { contextOf, type EmulatorCore } from "./_context.ts";
import { fileObject, folderObject, type Json } from "./_dto.ts";
import {
  envelope,
  envelopeError,
  unauthorized,
  validationProblem,
} from "./_envelope.ts";
import { cleanTitle } from "./_title.ts";
import type { EmulatorFolder, EmulatorUser } from "./options.ts";
import type { EmulatorState, StoredFile } from "./state.ts";

/** ApiContext.MaxCount and DefaultCount (common/ASC.Api.Core/Core/ApiContext.cs). */
const MAX_COUNT = 100;

/** SortedByType (products/ASC.Files/Core/Core/Entries/OrderBy.cs) names the emulator sorts by. */
type SortedBy = "DateAndTime" | "AZ" | "Size" | "DateAndTimeCreation";
const SORTS: SortedBy[] = ["DateAndTime", "AZ", "Size", "DateAndTimeCreation"];
interface Order {
  by: SortedBy;
  asc: boolean;
}

/** ASP.NET's binding of an `int` query parameter: a Response when it does not parse or is out of range. */
function intQuery(
  c: Context,
  name: string,
  fallback: number,
  range?: [number, number],
): number | Response {
  const text = c.req.query(name);
  if (text === undefined || text === "") return fallback;
  const field = name[0]!.toUpperCase() + name.slice(1);
  const value = /^\s*[-+]?\d+\s*$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || Math.abs(value) > 2 ** 31 - 1) {
    return validationProblem(
      c,
      name,
      `The value '${text}' is not valid for ${field}.`,
    );
  }
  if (range && (value < range[0] || value > range[1])) {
    return validationProblem(
      c,
      name,
      `The field ${field} must be between ${range[0]} and ${range[1]}.`,
    );
  }
  return value;
}

/** The sort order, as ToFolderContentWrapperAsync parses it (FolderContentDto.cs). */
function orderOf(c: Context): Order | undefined | Response {
  const by = SORTS.find((s) =>
    s.toLowerCase() === (c.req.query("sortBy") ?? "").toLowerCase()
  );
  const text = (c.req.query("sortOrder") ?? "").toLowerCase();
  // SortOrder (common/ASC.Api.Core/Core/SortOrder.cs): Ascending = 0, Descending = 1.
  const asc = text === "" || text === "ascending" || text === "0"
    ? true
    : text === "descending" || text === "1"
    ? false
    : undefined;
  if (asc === undefined) {
    return validationProblem(
      c,
      "sortOrder",
      `The value '${c.req.query("sortOrder")}' is not valid for SortOrder.`,
    );
  }
  return by === undefined ? undefined : { by, asc };
}

function sorted<T>(
  items: T[],
  key: (item: T) => string | number,
  asc: boolean,
): T[] {
  // Ties keep creation order, newest first when descending.
  const indexed = items.map((item, i) => ({ item, i, k: key(item) }));
  indexed.sort((a, b) =>
    (a.k < b.k ? -1 : a.k > b.k ? 1 : a.i - b.i) * (asc ? 1 : -1)
  );
  return indexed.map(({ item }) => item);
}

/** A listing's window and order, as the query asks. */
interface Listing {
  count: number;
  from: number;
  /** The order named by the query; undefined when it names none. */
  asked: Order | undefined;
}

/** The query's `count`, `startIndex`, `sortBy` and `sortOrder`, or the 400 that refuses them. */
function listingOf(c: Context): Listing | Response {
  const count = intQuery(c, "count", MAX_COUNT, [1, MAX_COUNT]);
  if (count instanceof Response) return count;
  const from = intQuery(c, "startIndex", 0);
  if (from instanceof Response) return from;
  const asked = orderOf(c);
  if (asked instanceof Response) return asked;
  // ArgumentOutOfRangeException.ThrowIfLessThan(from, 0), before the folder is read: 400.
  if (from < 0) {
    return envelopeError(
      c,
      400,
      `from ('${from}') must be greater than or equal to '0'. (Parameter 'from')\nActual value was ${from}.`,
      "argumentOutOfRange",
    );
  }
  return { count, from, asked };
}

/** The folder to list, or the 403 or 404 that refuses it. */
function readableFolder(
  core: EmulatorCore,
  c: Context,
  user: EmulatorUser | undefined,
): { folder: EmulatorFolder; user: EmulatorUser } | Response {
  const folder = core.state.folders.get(c.req.param("folderId") ?? "");
  if (folder === undefined) {
    // GenerateException (FileStorageService.cs): a missing folder is a SecurityException for anonymous
    // callers, which CustomExceptionHandler reports as "Access denied"; an ItemNotFoundException otherwise.
    return user === undefined
      ? envelopeError(c, 403, "Access denied")
      : envelopeError(c, 404, "The required folder was not found");
  }
  if (user === undefined) {
    // `!CanReadAsync(parent)`: InvalidOperationException
    return envelopeError(
      c,
      403,
      "You don't have enough permission to view the folder content",
      "invalidOperation",
    );
  }
  return { folder, user };
}

/** The folder's subfolders and files, each sorted in the order. */
function sortedEntries(
  state: EmulatorState,
  folder: EmulatorFolder,
  order: Order,
): { folders: EmulatorFolder[]; files: StoredFile[] } {
  const folderKey = (f: EmulatorFolder) =>
    order.by === "DateAndTime" || order.by === "DateAndTimeCreation"
      ? state.folders.created(f)
      : f.title ?? "";
  const fileKey = (f: StoredFile) =>
    order.by === "AZ"
      ? f.title
      : order.by === "Size"
      ? f.contentLength
      : Date.parse(f.created);
  return {
    folders: sorted(state.folders.children(folder), folderKey, order.asc),
    files: sorted(
      state.files.filter((f) => String(f.folderId) === String(folder.id)),
      fileKey,
      order.asc,
    ),
  };
}

/** FolderDto of a listed folder, with its counts. */
function listedFolderObject(
  state: EmulatorState,
  folder: EmulatorFolder,
  user: EmulatorUser,
): Json {
  return folderObject(folder, {
    path: state.path(folder),
    filesCount: state.files.filter((file) =>
      String(file.folderId) === String(folder.id)
    ).length,
    foldersCount: state.folders.children(folder).length,
    created: state.folders.created(folder),
    user,
  });
}

/**
 * FolderContentDtoHelper.GetAsync (products/ASC.Files/Core/ApiModels/ResponseDto/FolderContentDto.cs): one
 * `startIndex`/`count` window over the folders, then the files.
 */
function folderContent(
  core: EmulatorCore,
  c: Context,
  { folder, user }: { folder: EmulatorFolder; user: EmulatorUser },
  { from, count }: Listing,
  order: Order,
): Json {
  const { state } = core;
  const { folders, files } = sortedEntries(state, folder, order);
  const pageFolders = folders.slice(from, from + count);
  const filesOffset = Math.max(
    pageFolders.length > 0 ? 0 : from - folders.length,
    0,
  );
  const pageFiles = files.slice(
    filesOffset,
    filesOffset + count - pageFolders.length,
  );
  const { origin } = contextOf(core, c.req.raw);
  return {
    files: pageFiles.map((f) =>
      fileObject(f, origin, state.path(folder), user)
    ),
    folders: pageFolders.map((f) => listedFolderObject(state, f, user)),
    current: listedFolderObject(state, folder, user),
    pathParts: state.folders.ancestry(folder).map((f) => ({
      id: f.id,
      title: f.title ?? "",
    })),
    startIndex: from,
    count: pageFolders.length + pageFiles.length,
    total: folders.length + files.length,
    new: 0,
  };
}

/** The body's `title` (any case), or the validation problem of a missing, long or blank one. */
function folderTitleOf(c: Context, body: Uint8Array): string | Response {
  let title: unknown;
  try {
    const json = JSON.parse(new TextDecoder().decode(body));
    title = Object.entries(json ?? {}).find(([k]) =>
      k.toLowerCase() === "title"
    )?.[1];
  } catch { /* no title */ }
  if (typeof title !== "string") {
    return validationProblem(c, "Title", "The Title field is required.");
  }
  // CreateFolder.Title: [StringLength(165)] (products/ASC.Files/Server/ApiModels/RequestDto/CreateFolderRequestDto.cs)
  if (title.length > 165) {
    return validationProblem(
      c,
      "Title",
      "The field Title must be a string with a maximum length of 165.",
    );
  }
  if (title.trim() === "") {
    // ArgumentException.ThrowIfNullOrEmpty(title) after the trim
    return envelopeError(
      c,
      400,
      "The value cannot be an empty string. (Parameter 'title')",
    );
  }
  return title;
}

/** The parent a new folder goes in, or the 403 (InvalidOperationException) that refuses it. */
function parentFolder(
  core: EmulatorCore,
  c: Context,
  user: EmulatorUser,
): EmulatorFolder | Response {
  const parent = core.state.folders.get(c.req.param("folderId") ?? "");
  // InvalidOperationException answers 403 (common/ASC.Api.Core/Middleware/ResponseWrapper.cs).
  if (parent === undefined) {
    return envelopeError(
      c,
      403,
      "The required folder was not found",
      "invalidOperation",
    );
  }
  if (!core.state.canWrite(parent, user.id)) {
    return envelopeError(
      c,
      403,
      "You don't have enough permission to create",
      "invalidOperation",
    );
  }
  return parent;
}

/** `GET /{folderId}` (the folder's content, paged) and `POST /folder/{folderId}`, mounted at /api/2.0/files. */
export function folderRoutes(core: EmulatorCore): Hono {
  const { options, state } = core;
  // FilesSettingsHelper.GetDefaultOrder (products/ASC.Files/Core/Configuration/FilesSettings.cs): modified,
  // newest first, until a request names another order, which becomes the user's default (SetDefaultOrder).
  const defaultOrders = new Map<string, Order>();
  return new Hono()
    // FoldersController.GetFolderByFolderId (products/ASC.Files/Server/Api/FoldersController.cs), [AllowAnonymous];
    // FileStorageService.GetFolderItemsAsync and EntryManager.GetEntriesAsync: folders first, then files, one
    // `startIndex`/`count` window over both; `total` counts both. Without a filter, withSubFolders changes
    // nothing (FolderDao/FileDao GetFoldersQueryWithFilters); the emulator has no filters.
    .get("/:folderId", (c) => {
      const listing = listingOf(c);
      if (listing instanceof Response) return listing;
      const listed = readableFolder(core, c, contextOf(core, c.req.raw).user);
      if (listed instanceof Response) return listed;
      const { asked } = listing;
      if (asked) defaultOrders.set(listed.user.id, asked);
      const order = asked ?? defaultOrders.get(listed.user.id) ??
        { by: "DateAndTime", asc: false };
      return envelope(c, folderContent(core, c, listed, listing, order));
    })
    // FoldersController.CreateFolder → FileStorageService.CreateFolderAsync / InternalCreateFolderAsync
    // (products/ASC.Files/Core/Core/FileStorageService.cs); the title is cleaned by FolderDao.SaveFolderAsync.
    .post("/folder/:folderId", (c) => {
      const { user, body } = contextOf(core, c.req.raw);
      if (user === undefined) return unauthorized(c);
      const title = folderTitleOf(c, body);
      if (title instanceof Response) return title;
      const parent = parentFolder(core, c, user);
      if (parent instanceof Response) return parent;
      const created = state.folders.create(
        parent,
        cleanTitle(title.trim()),
        options.now(),
      );
      return envelope(
        c,
        folderObject(created, {
          path: state.path(created),
          filesCount: 0,
          foldersCount: 0,
          created: state.folders.created(created),
          user,
        }),
      );
    });
}
