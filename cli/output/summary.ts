/**
 * What the CLI says when files finish and when the batch ends: a line per uploaded file on stdout, the
 * JSON of `--json`, and the closing count on stderr.
 *
 * @module
 */
import { humanBytes, humanDuration, plural } from "./human.ts";
import { printable } from "../names.ts";
import { columnsOf, cutStart } from "./text_width.ts";
import type { Reporter } from "./reporter.ts";
import type { ItemResult, UploadItem } from "../item.ts";

/** How a batch ended, besides its results. */
export interface BatchEnd {
  /** The items, in command-line order. */
  items: UploadItem[];
  /** Their results; undefined for an item not started. */
  results: (ItemResult | undefined)[];
  /** Entries left out before the upload (links, special files): skipped with a warning. */
  leftOut: number;
  /** Failures outside the items: entries that could not be read, folders that could not be created. */
  otherFailures: number;
  /** Folders created. */
  foldersCreated: number;
  /** Files and directories left out by `--exclude`. */
  excluded: number;
  /** Milliseconds since the uploads started. */
  elapsed: number;
  /** `--json`. */
  json: boolean;
  /** The user interrupted. */
  interrupted: boolean;
  /** The batch stopped at a failure every file would meet. */
  stopped: boolean;
}

/**
 * The line for an uploaded file.
 *
 * @param item The item.
 * @param result Its result.
 * @param columns The terminal's width when stdout is a terminal: the line then fits in it, its path cut
 * from the start (`…/a.bin`) and, where even that is not enough, without the time and rate.
 * @returns Like `a.bin: 2 MiB uploaded to folder 1 (file 3, version 1) in 1s, 2 MiB/s`.
 */
export function uploadedLine(
  item: UploadItem,
  result: Extract<ItemResult, { status: "uploaded" }>,
  columns?: number,
): string {
  const { file, elapsed, sent } = result;
  const renamed = file.title !== item.fileName
    ? ` as "${printable(file.title)}"`
    : "";
  const rate = elapsed > 0 ? `, ${humanBytes(sent / (elapsed / 1000))}/s` : "";
  const where = `: ${
    humanBytes(item.size)
  } uploaded to folder ${file.folderId}${renamed} (file ${file.id}, version ${file.version})`;
  const rest = `${where} in ${humanDuration(elapsed)}${rate}`;
  const line = item.display + rest;
  // The last column is left free: a line that fills it wraps on some terminals.
  if (columns === undefined || columnsOf(line) < columns) return line;
  // The path cut from its start, then without the time and rate, then the least.
  for (const tail of [rest, where]) {
    const room = columns - 1 - columnsOf(tail);
    if (room >= 24) return cutStart(item.display, room) + tail;
  }
  const short = `: ${humanBytes(item.size)} uploaded (file ${file.id})`;
  return cutStart(
    cutStart(item.display, Math.max(1, columns - 1 - columnsOf(short))) +
      short,
    columns - 1,
  );
}

/**
 * Writes the JSON (`--json`) and the closing line, and says with the exit code how it went.
 *
 * @param end The results and how the batch ended.
 * @param reporter The output.
 * @returns 0 all uploaded or skipped, 1 a failure or a stop, 130 interrupted.
 */
export async function finish(
  end: BatchEnd,
  reporter: Reporter,
): Promise<number> {
  const { items, results } = end;
  const uploaded = results.filter((r) => r?.status === "uploaded");
  if (end.json) {
    const files = uploaded.map((r) => r.file);
    const single = items.length === 1 && items[0]!.file?.inDirectory !== true &&
      end.leftOut + end.otherFailures === 0;
    // One file not uploaded is `null`, so a script always reads JSON.
    await reporter.json(single ? files[0] ?? null : files);
  }
  const count = (status: ItemResult["status"]) =>
    results.filter((r) => r?.status === status).length;
  const failed = count("failed") + end.otherFailures;
  const skipped = count("skipped") + end.leftOut;
  const interrupted = results.filter((r) => r?.status === "interrupted");
  const notStarted = results.filter((r) => r === undefined).length;
  const resumable = interrupted.some((r) => r.resumable) || uploaded.length > 0;
  const parts = [
    ...(interrupted.length > 0 ? [`${interrupted.length} stopped`] : []),
    ...(notStarted > 0 ? [`${notStarted} not started`] : []),
    ...(skipped > 0 ? [`${skipped} skipped`] : []),
    ...(failed > 0 ? [`${failed} failed`] : []),
    ...(end.excluded > 0 ? [`${end.excluded} excluded`] : []),
    ...(end.foldersCreated > 0
      ? [plural(end.foldersCreated, "folder created", "folders created")]
      : []),
  ];
  if (end.interrupted || end.stopped) {
    const resume = resumable
      ? "; the same command again continues where this run stopped (--restart starts over)"
      : "";
    await reporter.error(
      `${end.interrupted ? "Interrupted" : "Stopped"}: ${
        [`${uploaded.length} uploaded`, ...parts].join(", ")
      }${resume}`,
    );
    return end.interrupted ? 130 : 1;
  }
  if (
    items.length > 1 || failed > 0 || skipped > 0 ||
    end.foldersCreated > 0 || end.excluded > 0
  ) {
    const bytes = uploaded.reduce((sum, r) => sum + r.sent, 0);
    await reporter.note(
      `${failed > 0 ? "Finished with failures" : "Done"}: ${
        [
          `${uploaded.length} uploaded (${humanBytes(bytes)} in ${
            humanDuration(end.elapsed)
          })`,
          ...parts,
        ].join(", ")
      }`,
    );
  }
  return failed > 0 ? 1 : 0;
}
