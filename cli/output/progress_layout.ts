/**
 * The layout of progress lines, pure: which columns fit in the terminal's width, how wide each is, and
 * the text of each line. Lines drawn together share one layout, so their bars and numbers line up.
 *
 * A line is `name  [bar] percent  done / total  rate  ETA`. The percent and the ETA always stay; as the
 * width shrinks the rate goes first, then the sizes, then the bar, and the name is cut from its start.
 *
 * @module
 */
import { humanBytes, humanTimeLeft } from "./human.ts";
import { columnsOf, cutStart, padTo } from "./text_width.ts";

export { columnsOf } from "./text_width.ts";

/** One file's line. */
export interface ProgressRow {
  /** The file's name, already printable (no control characters). */
  name: string;
  /** Bytes the server has confirmed. */
  bytes: number;
  /** The file's size in bytes. */
  total: number;
  /** Milliseconds since this file's upload started. */
  elapsed: number;
  /**
   * Bytes that were already confirmed when the upload started (a resumed upload); they do not count
   * towards the rate.
   *
   * @default {0}
   */
  startBytes?: number;
  /** A request is waiting to be retried: why the last try failed (short) and the milliseconds until the next. */
  retry?: { reason: string; in: number };
}

/** Options for {@linkcode progressLine}: one row, and the room it has. */
export interface ProgressLineOptions extends ProgressRow {
  /**
   * The columns the line may take.
   *
   * @default {80}
   */
  width?: number;
}

/** The columns every line of one drawing shares. */
interface Layout {
  width: number;
  name: number;
  bar: number;
  sizes: boolean;
  rate: boolean;
  total: number;
}

const PERCENT = 4;
const DONE = 8;
const RATE = 11;
/** "ETA 59m 59s", "retry in 10m". */
const LAST = 12;
const BAR_MIN = 5;
/** The bar gets this wide before the name grows past NAME_FIRST. */
const BAR_FIRST = 10;
const NAME_MIN = 8;
/** The name gets this wide before the bar grows past BAR_MIN. */
const NAME_FIRST = 12;
const BAR_MAX = 30;

/** Which columns fit, and how wide they are, for these rows in `width` columns. */
function plan(rows: ProgressRow[], width: number): Layout {
  const longest = Math.max(1, ...rows.map((row) => columnsOf(row.name)));
  const total = Math.max(...rows.map((row) => humanBytes(row.total).length));
  const nameCap = Math.min(longest, Math.max(12, Math.floor(width / 4)));
  const layout = {
    width,
    name: Math.min(nameCap, NAME_MIN),
    bar: 0,
    sizes: false,
    rate: false,
    total,
  };
  // name + "  " + percent + "  " + last
  let left = width - (layout.name + 2 + PERCENT + 2 + LAST);
  if (left < 0) {
    layout.name = Math.max(1, layout.name + left);
    return layout;
  }
  // The bar adds "[", "] " and itself to the "  " after the name.
  if (left >= BAR_MIN + 3) {
    layout.bar = BAR_MIN;
    left -= BAR_MIN + 3;
  }
  const sizes = 2 + DONE + 3 + total;
  if (layout.bar > 0 && left >= sizes) {
    layout.sizes = true;
    left -= sizes;
    if (left >= 2 + RATE) {
      layout.rate = true;
      left -= 2 + RATE;
    }
  }
  const widen = (by: number) => {
    layout.bar += by;
    left -= by;
  };
  const grow = (to: number) => {
    const by = Math.max(0, Math.min(left, to - layout.name));
    layout.name += by;
    left -= by;
  };
  grow(Math.min(nameCap, NAME_FIRST));
  if (layout.bar > 0) {
    widen(Math.max(0, Math.min(left, BAR_FIRST - layout.bar)));
  }
  grow(nameCap);
  if (layout.bar > 0) widen(Math.min(left, BAR_MAX - layout.bar));
  return layout;
}

function retryText(ms: number): string {
  const seconds = Math.ceil(ms / 1000);
  if (seconds <= 0) return "retrying";
  return seconds < 60
    ? `retry in ${seconds}s`
    : `retry in ${Math.ceil(seconds / 60)}m`;
}

function render(row: ProgressRow, layout: Layout): string {
  const { bytes: done, total, elapsed, startBytes = 0 } = row;
  const ratio = total === 0 ? 1 : Math.min(1, Math.max(0, done / total));
  const rate = elapsed > 0 && done > startBytes
    ? (done - startBytes) / (elapsed / 1000)
    : undefined;
  let line = padTo(cutStart(row.name, layout.name), layout.name);
  if (layout.bar > 0) {
    const filled = Math.floor(layout.bar * ratio);
    line += `  [${"█".repeat(filled)}${"░".repeat(layout.bar - filled)}] `;
  } else {
    line += "  ";
  }
  line += `${Math.floor(ratio * 100)}%`.padStart(PERCENT);
  if (layout.sizes) {
    line += `  ${humanBytes(done).padStart(DONE)} / ${
      humanBytes(total).padEnd(layout.total)
    }`;
  }
  if (layout.rate) {
    const speed = row.retry
      ? row.retry.reason.slice(0, RATE)
      : rate === undefined
      ? "--"
      : `${humanBytes(rate)}/s`;
    line += `  ${speed.padStart(RATE)}`;
  }
  const last = row.retry
    ? retryText(row.retry.in)
    : ratio === 1
    ? "done"
    : rate === undefined
    ? "ETA --"
    : `ETA ${humanTimeLeft(((total - done) / rate) * 1000)}`;
  return line + `  ${last}`;
}

/**
 * Lays out rows drawn together: one line each, every line at most `width` columns, with the same
 * columns at the same places, so bars and numbers line up.
 *
 * @param rows The files' rows.
 * @param width The columns a line may take.
 * @returns One line per row, without newlines.
 *
 * @example Two files line up
 * ```ts
 * import { progressLines } from "./progress_layout.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const MiB = 1024 * 1024;
 * assertEquals(
 *   progressLines([
 *     { name: "a.bin", bytes: MiB, total: 4 * MiB, elapsed: 1000 },
 *     { name: "video.mp4", bytes: 50 * MiB, total: 100 * MiB, elapsed: 5000 },
 *   ], 79),
 *   [
 *     "a.bin      [███░░░░░░░░░░░]  25%     1 MiB / 4 MiB        1 MiB/s  ETA 3s",
 *     "video.mp4  [███████░░░░░░░]  50%    50 MiB / 100 MiB     10 MiB/s  ETA 5s",
 *   ],
 * );
 * ```
 */
export function progressLines(rows: ProgressRow[], width: number): string[] {
  if (rows.length === 0) return [];
  const layout = plan(rows, width);
  return rows.map((row) => render(row, layout));
}

/**
 * Lays out one file's line: name, bar, percent, `confirmed / total`, rate and ETA. The rate is the
 * average since the file started (bytes resumed from an earlier run left out); rate and ETA show `--`
 * until there is one.
 *
 * @param options The file's row and the width the line may take.
 * @returns The line, at most `width` columns, without a newline.
 *
 * @example A line a quarter done, at 40 columns: the bar is short, the percent and the ETA stay
 * ```ts
 * import { progressLine } from "./progress_layout.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const line = progressLine({
 *   name: "video.mp4",
 *   bytes: 25 * 1024 * 1024,
 *   total: 100 * 1024 * 1024,
 *   elapsed: 5000,
 *   width: 39,
 * });
 * assertEquals(line, "video.mp4  [█░░░░░░]  25%  ETA 15s");
 * ```
 */
export function progressLine(options: ProgressLineOptions): string {
  const { width = 80, ...row } = options;
  return progressLines([row], width)[0]!;
}
