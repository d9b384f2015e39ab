/**
 * What to do with each item before anything is sent: skip it (finished by an interrupted run, or
 * already in its folder), resume it from its saved session, refuse it (its saved state is not valid, or
 * with `--resume` it changed), or upload it.
 *
 * @module
 */
import type { UploadState } from "../../src/client/upload_types.ts";
import type { OnConflict } from "../args/args.ts";
import type { FinishedFile } from "../resume/batch_journal.ts";
import { changeOf } from "../files/file_source.ts";
import { humanBytes } from "../output/human.ts";
import { printable, serverTitle, storedFileTitle } from "../names.ts";
import type { FolderEntry, FolderTree } from "../../src/client/folder_tree.ts";
import type { ItemSave } from "../resume/saved_sessions.ts";
import type { UploadItem } from "../item.ts";

/** What to do with an item. */
export type Decision =
  | {
    action: "upload";
    /** The saved session to continue. */
    resume?: UploadState;
    /** The file of that title already in the folder (a new version or a copy is made). */
    existing?: FolderEntry;
    /** The title DocSpace will store, when it is not the name (`README.` for `README`). */
    stored?: string;
    /** Why a file of that title and size is uploaded again (`--skip-existing`). */
    reason?: string;
  }
  | { action: "skip"; reason: string }
  | { action: "fail"; message: string };

/** What the decisions depend on. */
export interface PlanContext {
  /** The target folder. */
  folderId: number | string;
  /** `--resume`: a file that changed since its interrupted upload fails. */
  resume: boolean;
  /** `--restart`: saved progress is not used. */
  restart: boolean;
  /** `--skip-existing`. */
  skipExisting: boolean;
  /** `--on-conflict`. */
  onConflict: OnConflict;
  /** Files an interrupted run finished (none with `--restart`). */
  finished: FinishedFile[];
  /** Each file item's saved session. */
  saves: Map<UploadItem, ItemSave>;
  /** The target's folders, when existing files are to be looked at. */
  remote?: FolderTree;
}

function where(item: UploadItem, folderId: number | string): string {
  return item.relativePath === undefined
    ? `folder ${folderId}`
    : `folder ${folderId}/${printable(item.relativePath)}`;
}

/**
 * Decides what to do with one item.
 *
 * @param item The item.
 * @param context The flags, the saved progress and the target's folders.
 * @returns The decision.
 * @throws {DocSpaceError} If a folder cannot be listed.
 */
export async function decide(
  item: UploadItem,
  context: PlanContext,
): Promise<Decision> {
  return savedDecision(item, context) ?? await targetDecision(item, context);
}

/** What saved progress decides: a state file that is not valid, a file finished, a session resumed. */
function savedDecision(
  item: UploadItem,
  context: PlanContext,
): Decision | undefined {
  const file = item.file;
  const save = file === undefined ? undefined : context.saves.get(item);
  if (save?.invalid !== undefined) {
    return {
      action: "fail",
      message:
        `its saved resume state (${save.path}) is not valid: ${save.invalid}; run with --restart to upload it from the start`,
    };
  }
  if (context.restart || file === undefined) return undefined;
  const done = context.finished.find((f) =>
    f.path === file.path && f.fileName === item.fileName &&
    f.relativePath === item.relativePath
  );
  if (done && changeOf(done, file) === undefined) {
    return {
      action: "skip",
      reason:
        `uploaded by an earlier run that did not finish (file ${done.id}, version ${done.version})`,
    };
  }
  const saved = save?.saved;
  if (saved === undefined || done !== undefined) return undefined;
  const why = changeOf(saved, file);
  if (why === undefined) return { action: "upload", resume: saved.state };
  // By default the session was dropped (saved_sessions.ts) and the file uploads from the start.
  if (!context.resume) return undefined;
  return {
    action: "fail",
    message:
      `cannot resume: the file changed since its upload was interrupted (${why}); run without --resume to upload it again`,
  };
}

/** What the target folder decides: a file of that title there is skipped, or gets a new version or a copy. */
async function targetDecision(
  item: UploadItem,
  context: PlanContext,
): Promise<Decision> {
  const stored = storedFileTitle(
    item.fileName,
    typeof context.folderId === "number",
  );
  const renamed = stored === item.fileName ? {} : { stored };
  const remote = context.remote;
  if (remote === undefined) return { action: "upload", ...renamed };
  const existing = await remote.file(item.relativePath, item.fileName);
  if (existing === undefined) return { action: "upload", ...renamed };
  const title = `"${printable(existing.title)}"`;
  if (context.onConflict === "skip") {
    return {
      action: "skip",
      reason: `${title} already exists in ${where(item, context.folderId)}`,
    };
  }
  if (context.skipExisting && existing.size === item.size) {
    const rule = upToDate(item, existing);
    if (rule.upToDate) {
      return {
        action: "skip",
        reason: `${title} is already in ${
          where(item, context.folderId)
        } with the same size (${humanBytes(item.size)})${rule.why}`,
      };
    }
    return { action: "upload", existing, ...renamed, reason: rule.why };
  }
  return { action: "upload", existing, ...renamed };
}

/** A time for a person, to the second, in UTC. */
function shown(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/**
 * Whether a file in DocSpace of the same title and size is the local file: its copy there must not be
 * older than the local file's modification time (to the second), as rclone's `--update` has it. The
 * listing's `updated` is when DocSpace stored that version, so a file edited after its upload (even to
 * the same size) is newer than its copy and goes again, while one uploaded after its last edit is not.
 * Where either time is missing, the size alone decides, and the reason says so.
 */
function upToDate(
  item: UploadItem,
  existing: FolderEntry,
): { upToDate: boolean; why: string } {
  const local = item.file?.mtime ?? null;
  const text = existing.file?.updated ?? existing.file?.created;
  const remote = typeof text === "string" ? Date.parse(text) : NaN;
  if (local === null || !Number.isFinite(remote)) {
    return {
      upToDate: true,
      why: local === null
        ? "; the local file has no modification time, so the size decided"
        : "; DocSpace gave no time for it, so the size decided",
    };
  }
  const localSecond = Math.floor(local / 1000) * 1000;
  if (remote >= localSecond) {
    return {
      upToDate: true,
      why: `, updated there ${shown(remote)}, not before the local file's ${
        shown(localSecond)
      }`,
    };
  }
  return {
    upToDate: false,
    why: `same size, but the local file (modified ${
      shown(localSecond)
    }) is newer than the copy in DocSpace (updated ${shown(remote)})`,
  };
}

/** A name DocSpace would store under another title. */
export interface Renamed {
  /** The name, printable. */
  name: string;
  /** What the server would store, printable. */
  stored: string;
}

/**
 * The file and folder names of a batch that DocSpace would change.
 *
 * @param items The items.
 * @param folders The empty directories to create.
 * @returns Each such name once, in order.
 */
export function renamedNames(
  items: UploadItem[],
  folders: string[],
): Renamed[] {
  const seen = new Map<string, string>();
  const check = (name: string) => {
    const stored = serverTitle(name);
    if (stored !== name && !seen.has(name)) seen.set(name, stored);
  };
  const paths = [
    ...items.map((i) => i.relativePath),
    ...folders,
  ];
  for (const path of paths) {
    for (const segment of (path ?? "").split("/")) {
      if (segment !== "") check(segment);
    }
  }
  for (const item of items) check(item.fileName);
  return [...seen].map(([name, stored]) => ({
    name: printable(name),
    stored: printable(stored),
  }));
}
