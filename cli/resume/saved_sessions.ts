/**
 * Saved progress from earlier runs: each file's session (resume state) and the batch's journal of
 * finished files. It is picked up by default where the files are unchanged; with `--restart` it is
 * dropped and its server sessions are aborted, so their chunks do not sit on the server for 12 hours.
 *
 * @module
 */
import { DocSpaceError } from "../../src/client/errors.ts";
import { nodeFetch } from "../../node_fetch.ts";
import { SessionClient } from "../../src/client/session_client.ts";
import type { SessionTarget } from "../../src/client/session_types.ts";
import type { UploadState } from "../../src/client/upload_types.ts";
import type { CliArgs } from "../args/args.ts";
import type { BatchJournal, FinishedFile } from "./batch_journal.ts";
import type { Reporter } from "../output/reporter.ts";
import type { SavedUpload, StateStore } from "./state_file.ts";
import type { UploadItem } from "../item.ts";
import { changeOf } from "../files/file_source.ts";
import { plural } from "../output/human.ts";

/** How long aborting one old session may take. */
const ABORT_TIMEOUT = 10_000;

/**
 * The bytes of a saved session's confirmed chunks.
 *
 * @param state The session's state.
 * @returns The bytes the server holds.
 */
export function confirmedBytes(state: UploadState): number {
  return state.confirmedChunks.reduce(
    (sum, n) =>
      sum +
      Math.max(
        0,
        Math.min(state.chunkSize, state.fileSize - (n - 1) * state.chunkSize),
      ),
    0,
  );
}

/**
 * Aborts a saved session on the server, once (on DocSpace's disk storage an abort fails once a chunk is
 * stored, and the session then stays until it expires).
 *
 * @param portal The portal's URL and the token.
 * @param state The session's saved state.
 * @returns Why the abort failed, or undefined when it worked.
 */
export async function abortSession(
  portal: { url: string; token: string },
  state: UploadState,
): Promise<string | undefined> {
  const client = new SessionClient({
    url: portal.url,
    token: portal.token,
    fetch: nodeFetch,
  });
  const target: SessionTarget = state.routes === "rest" && state.sessionId
    ? {
      id: state.sessionId,
      location: state.location,
      folderId: state.sessionFolderId ?? state.folderId,
      routes: "rest",
    }
    : state.location;
  try {
    await client.abort(target, AbortSignal.timeout(ABORT_TIMEOUT));
    return undefined;
  } catch (error) {
    return error instanceof DocSpaceError
      ? error.detail
      : error instanceof Error
      ? error.message
      : String(error);
  }
}

/** An item's state file, and what is saved in it. */
export interface ItemSave {
  /** The state file. */
  path: string;
  /** The saved session, if there is one. */
  saved?: SavedUpload;
  /** Why the state file is not a saved session (torn, tampered), if it is not. */
  invalid?: string;
}

/**
 * Each file item's state file and saved session (stdin has none).
 *
 * @param store The state directory.
 * @param items The items.
 * @param target The portal and the folder.
 * @returns The state of each file item, by item.
 */
export async function savedStates(
  store: StateStore,
  items: UploadItem[],
  target: { url: string; folderId: number | string },
): Promise<Map<UploadItem, ItemSave>> {
  const states = new Map<UploadItem, ItemSave>();
  for (const item of items) {
    if (item.file === undefined) continue;
    const path = await store.pathFor({
      url: target.url,
      folderId: target.folderId,
      path: item.file.path,
      fileName: item.fileName,
      ...(item.relativePath !== undefined
        ? { relativePath: item.relativePath }
        : {}),
    });
    const saved = await store.load(path);
    states.set(
      item,
      saved === undefined
        ? { path }
        : "invalid" in saved
        ? { path, invalid: saved.invalid }
        : { path, saved },
    );
  }
  return states;
}

/**
 * Drops saved sessions: aborts each on the server (a few at a time) and removes its state file.
 *
 * @param portal The portal's URL and the token.
 * @param store The state directory.
 * @param saves The saved sessions.
 * @returns Why each abort that failed did.
 */
export async function dropSaved(
  portal: { url: string; token: string },
  store: StateStore,
  saves: ItemSave[],
): Promise<string[]> {
  const queue = [...saves];
  const failed: string[] = [];
  const worker = async () => {
    for (let save = queue.shift(); save; save = queue.shift()) {
      const why = save.saved
        ? await abortSession(portal, save.saved.state)
        : undefined;
      if (why !== undefined) failed.push(why);
      await store.remove(save.path);
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  return failed;
}

/** What {@linkcode savedProgress} needs. */
export interface SavedProgressOptions {
  /** The portal's URL. */
  url: string;
  /** The token. */
  token: string;
  /** The state directory. */
  store: StateStore;
  /** The batch's journal. */
  journal: BatchJournal;
  /** The items. */
  items: UploadItem[];
  /** The command line: the folder, `--resume`, `--restart`, `--dry-run`. */
  args: Pick<CliArgs, "folderId" | "resume" | "restart" | "dryRun">;
  /** For the one line about it. */
  reporter: Reporter;
}

/** The saved progress of a batch. */
export interface SavedProgress {
  /** Each file item's state file and saved session (none when dropped). */
  saves: Map<UploadItem, ItemSave>;
  /** The batch's journal. */
  journal: BatchJournal;
  /** The files an earlier run finished (none with `--restart`). */
  finished: FinishedFile[];
}

/** Aborts saved sessions and says so when some could not be. */
async function drop(
  options: SavedProgressOptions,
  saves: ItemSave[],
): Promise<void> {
  const failed = await dropSaved(options, options.store, saves);
  if (failed.length > 0) {
    await options.reporter.warn(
      `${
        plural(failed.length, "earlier server session")
      } could not be aborted (${
        failed[0]
      }); their chunks stay on the server until the session expires, 12 hours after its last chunk`,
    );
  }
  for (const save of saves) delete save.saved;
}

/**
 * Reads what earlier runs of this batch saved. By default (and with `--resume`) it is kept for the
 * plan: files an earlier run finished are skipped and partly uploaded ones resumed, when unchanged; a
 * file that changed since has its old session aborted (unless a dry run) and uploads from the start
 * (with `--resume` it fails instead). One line says what was found and what the run does with it. With
 * `--restart`, everything saved is dropped: the sessions aborted, the journal removed.
 *
 * @param options The portal, the store, the journal, the items, the flags and the output.
 * @returns The saved sessions, the journal and the files finished.
 */
export async function savedProgress(
  options: SavedProgressOptions,
): Promise<SavedProgress> {
  const { store, items, args, journal } = options;
  const saves = await savedStates(store, items, {
    url: options.url,
    folderId: args.folderId,
  });
  const finished = await journal.load();
  const found = { saves, finished };
  if (args.restart) return await restart(options, found);
  if (finished.length === 0 && savedOf(saves).length === 0) {
    await noneSaved(options);
    return { saves, journal, finished };
  }
  await keep(options, found);
  return { saves, journal, finished };
}

/** What earlier runs of the batch saved: the items' state files and the files finished. */
interface Found {
  saves: Map<UploadItem, ItemSave>;
  finished: FinishedFile[];
}

function savedOf(saves: Map<UploadItem, ItemSave>): ItemSave[] {
  return [...saves.values()].filter((s) => s.saved !== undefined);
}

function theseFiles(items: UploadItem[]): string {
  return items.length === 1 ? "this file" : "these files";
}

/** `--restart`: says what was found, and (unless a dry run) drops it all. */
async function restart(
  options: SavedProgressOptions,
  { saves, finished }: Found,
): Promise<SavedProgress> {
  const { store, items, args, reporter, journal } = options;
  const saved = savedOf(saves);
  if (finished.length > 0 || saved.length > 0) {
    await reporter.note(
      `Saved progress of an earlier run of ${
        theseFiles(items)
      } was found (${finished.length} finished, ${saved.length} partly uploaded); --restart starts over${
        args.dryRun ? "" : ", and the earlier server sessions are aborted"
      }`,
    );
  }
  if (!args.dryRun) {
    await drop(options, saved);
    // Torn or tampered state files go too.
    for (const save of saves.values()) {
      if (save.invalid !== undefined) {
        await store.remove(save.path);
        delete save.invalid;
      }
    }
    await journal.remove();
  }
  return { saves, journal, finished: [] };
}

/** With `--resume` and nothing saved, says the files upload from the start. */
async function noneSaved(
  { items, args, reporter }: SavedProgressOptions,
): Promise<void> {
  if (!args.resume || !items[0]?.file) return;
  await reporter.note(
    items.length === 1
      ? `${
        items[0].display
      }: no interrupted upload is saved for it; uploading it from the start`
      : "no interrupted upload is saved for these files; uploading them from the start",
  );
}

/**
 * Keeps what was saved for the plan: says (by default) what the run continues, and drops the
 * sessions of files that changed since.
 */
async function keep(
  options: SavedProgressOptions,
  found: Found,
): Promise<void> {
  const { items, args, reporter } = options;
  // Sessions of files that changed since cannot be resumed: by default they are dropped here.
  const changed = args.resume ? [] : [...found.saves.entries()].filter((
    [item, save],
  ) =>
    save.saved !== undefined && changeOf(save.saved, item.file!) !== undefined
  )
    .map(([, save]) => save);
  const parts = continuing(options, found, changed.length);
  // With --resume the user knows: only the default says it continues.
  if (parts.length > 0 && !args.resume) {
    await reporter.note(
      `Continuing an earlier run of ${theseFiles(items)}: ${
        parts.join(", ")
      }; --restart starts over`,
    );
  }
  if (!args.dryRun && changed.length > 0) await drop(options, changed);
}

/** What the run continues: files finished and skipped, sessions resumed, changed files started over. */
function continuing(
  { items, args }: SavedProgressOptions,
  { saves, finished }: Found,
  changed: number,
): string[] {
  const saved = savedOf(saves).length;
  const done = items.filter((item) =>
    item.file !== undefined &&
    finished.some((f) =>
      f.path === item.file!.path && f.fileName === item.fileName &&
      f.relativePath === item.relativePath &&
      changeOf(f, item.file!) === undefined
    )
  ).length;
  return [
    ...(done > 0 ? [`${plural(done, "file")} it finished skipped`] : []),
    ...(saved > changed
      ? [`${plural(saved - changed, "partly uploaded file")} resumed`]
      : []),
    ...(changed > 0
      ? [
        `${plural(changed, "file")} changed since ${
          args.dryRun ? "to upload" : "uploaded"
        } from the start`,
      ]
      : []),
  ];
}
