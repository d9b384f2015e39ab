/**
 * Saved progress from earlier runs: each file's session (resume state) and the batch's journal of
 * finished files. With `--resume` it is picked up; without, it is dropped and its server sessions are
 * aborted, so their chunks do not sit on the server for 12 hours.
 *
 * @module
 */
import { DocSpaceError } from "../src/client/errors.ts";
import { nodeFetch } from "../node_fetch.ts";
import { SessionClient } from "../src/client/session_client.ts";
import type { SessionTarget } from "../src/client/session_types.ts";
import type { UploadState } from "../src/client/upload_types.ts";
import type { CliArgs } from "./args.ts";
import { BatchJournal, type FinishedFile } from "./batch_journal.ts";
import type { Reporter } from "./reporter.ts";
import type { SavedUpload, StateStore } from "./state_file.ts";
import type { UploadItem } from "./item.ts";

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
    states.set(item, saved ? { path, saved } : { path });
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
  /** The items. */
  items: UploadItem[];
  /** The command line: the folder, the paths, `--resume`, `--dry-run`. */
  args: Pick<CliArgs, "folderId" | "paths" | "resume" | "dryRun">;
  /** For the one line about it. */
  reporter: Reporter;
}

/** The saved progress of a batch. */
export interface SavedProgress {
  /** Each file item's state file and saved session (none when dropped). */
  saves: Map<UploadItem, ItemSave>;
  /** The batch's journal. */
  journal: BatchJournal;
  /** The files an earlier run finished (with `--resume`). */
  finished: FinishedFile[];
}

/**
 * Reads what earlier runs of this batch saved. With `--resume` it is kept for the plan; without, one
 * line says it was found, and (unless a dry run) its sessions are aborted and it is removed.
 *
 * @param options The portal, the store, the items, the flags and the output.
 * @returns The saved sessions and the journal.
 */
export async function savedProgress(
  options: SavedProgressOptions,
): Promise<SavedProgress> {
  const { store, items, args, reporter } = options;
  const saves = await savedStates(store, items, {
    url: options.url,
    folderId: args.folderId,
  });
  const journal = await BatchJournal.of(store.directory, {
    url: options.url,
    folderId: args.folderId,
    paths: args.paths,
  });
  const finished = await journal.load();
  const saved = [...saves.values()].filter((s) => s.saved !== undefined);
  if (args.resume) {
    if (finished.length === 0 && saved.length === 0 && items[0]?.file) {
      await reporter.note(
        items.length === 1
          ? `${
            items[0].display
          }: no interrupted upload is saved for it; uploading it from the start`
          : "no interrupted upload is saved for these files; uploading them from the start",
      );
    }
    return { saves, journal, finished };
  }
  if (finished.length > 0 || saved.length > 0) {
    await reporter.note(
      `Saved progress of an earlier run of ${
        items.length === 1 ? "this file" : "these files"
      } was found (${finished.length} finished, ${saved.length} partly uploaded); without --resume it starts over${
        args.dryRun ? "" : ", and the earlier server sessions are aborted"
      }`,
    );
    if (!args.dryRun) {
      const failed = await dropSaved(options, store, saved);
      if (failed.length > 0) {
        await reporter.warn(
          `${failed.length} earlier server session${
            failed.length === 1 ? "" : "s"
          } could not be aborted (${
            failed[0]
          }); their chunks stay on the server until the session expires, 12 hours after its last chunk`,
        );
      }
      await journal.remove();
      for (const save of saved) delete save.saved;
    }
  }
  return { saves, journal, finished: [] };
}
