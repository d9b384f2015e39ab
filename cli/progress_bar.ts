/**
 * A terminal progress display for uploads: one line per file with its name, a bar, the bytes the server
 * has confirmed out of the total, the percentage, the rate and the time left, redrawn in place.
 *
 * Output and time are injected (a `WritableStream<Uint8Array>` and a clock), so the exact text it writes
 * can be tested. It uses web standards only.
 *
 * @module
 */
import { format as formatBytes } from "@std/fmt/bytes";
import { format as formatDuration } from "@std/fmt/duration";

/** What one line of the display shows. */
export interface ProgressLineOptions {
  /** The file's name. */
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
  /**
   * The width the line may take, in columns; the bar shrinks to fit, then goes.
   *
   * @default {80}
   */
  width?: number;
  /**
   * The width of the name column; longer names lose their start to `…` (a path keeps its file name), shorter ones are padded.
   *
   * @default {the name's length, at most a quarter of the width (12 at least)}
   */
  nameWidth?: number;
}

const ESC = "\x1b[";
const encoder = new TextEncoder();

/** Cuts a string to `width` code points, ending with `…` when cut. */
function fit(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  return width <= 0 ? "" : chars.slice(0, width - 1).join("") + "…";
}

/** Cuts a name to `width` code points from the start, so a path keeps its file name: `…/a.bin`. */
function fitName(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  return width <= 0 ? "" : "…" + chars.slice(chars.length - width + 1).join("");
}

function pad(text: string, width: number): string {
  return text + " ".repeat(Math.max(0, width - [...text].length));
}

/**
 * A byte count for people, in binary units: `"0 B"`, `"2 KiB"`, `"12.5 MiB"`.
 *
 * @param n The number of bytes.
 * @returns The count with its unit.
 *
 * @example Format a few sizes
 * ```ts
 * import { humanBytes } from "./progress_bar.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(humanBytes(0), "0 B");
 * assertEquals(humanBytes(2048), "2 KiB");
 * assertEquals(humanBytes(13_107_200), "12.5 MiB");
 * ```
 */
export function humanBytes(n: number): string {
  // std keeps 3 significant digits (1023 B would read "1020 B") and writes the binary kilo "kiB".
  if (n < 1024) return `${Math.round(n)} B`;
  return formatBytes(n, { binary: true }).replace(/ kiB$/, " KiB");
}

/**
 * A duration for people, rounded to what matters: whole seconds from a minute up, tenths of a second
 * from a second up, hundredths below.
 *
 * @param ms The duration in milliseconds.
 * @returns Like `"1m 5s"`, `"4s 500ms"`, `"30ms"` or `"0ms"`.
 *
 * @example Round a few durations
 * ```ts
 * import { humanDuration } from "./progress_bar.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(humanDuration(65_400), "1m 5s");
 * assertEquals(humanDuration(4_530), "4s 500ms");
 * assertEquals(humanDuration(34), "30ms");
 * assertEquals(humanDuration(0), "0ms");
 * ```
 */
export function humanDuration(ms: number): string {
  const step = ms >= 60_000 ? 1000 : ms >= 1000 ? 100 : 10;
  const rounded = Math.round(ms / step) * step;
  return rounded <= 0
    ? "0ms"
    : formatDuration(rounded, { style: "narrow", ignoreZero: true });
}

/** Time left, in whole seconds rounded up: `"15s"`, `"1m 5s"`. */
function eta(ms: number): string {
  return formatDuration(Math.max(1, Math.ceil(ms / 1000)) * 1000, {
    style: "narrow",
    ignoreZero: true,
  });
}

/** Room kept for the ETA at the end of a line, so the bar keeps its width as the ETA changes. */
const ETA_WIDTH = 10;

/**
 * Renders one progress line: name, bar, percent, `confirmed / total`, rate and ETA. The rate is the
 * average since the file started (bytes resumed from an earlier run left out); rate and ETA show `--`
 * until there is one. The bar takes what room is left, up to 30 columns, and goes when there is too
 * little.
 *
 * @param options The file's name, bytes, total, elapsed time and the space the line may take.
 * @returns The line, at most `width` code points, without a newline.
 *
 * @example A line a quarter done
 * ```ts
 * import { progressLine } from "./progress_bar.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const line = progressLine({
 *   name: "video.mp4",
 *   bytes: 25 * 1024 * 1024,
 *   total: 100 * 1024 * 1024,
 *   elapsed: 5000,
 *   width: 80,
 * });
 * assertEquals(
 *   line,
 *   "video.mp4  [████░░░░░░░░░░░░░]  25%    25 MiB / 100 MiB      5 MiB/s  ETA 15s",
 * );
 * ```
 */
export function progressLine(options: ProgressLineOptions): string {
  const { bytes: done, total, elapsed, startBytes = 0, width = 80 } = options;
  const ratio = total === 0 ? 1 : Math.min(1, Math.max(0, done / total));
  const rate = elapsed > 0 && done > startBytes
    ? (done - startBytes) / (elapsed / 1000)
    : undefined;
  const percent = `${Math.floor(ratio * 100)}%`.padStart(4);
  const totalText = humanBytes(total);
  const sizes = `${humanBytes(done).padStart(8)} / ${totalText}`;
  const speed = (rate === undefined ? "--" : `${humanBytes(rate)}/s`)
    .padStart(11);
  const left = ratio === 1
    ? "done"
    : rate === undefined
    ? "ETA --"
    : `ETA ${eta(((total - done) / rate) * 1000)}`;
  const tail = `${percent}  ${sizes}  ${speed}  ${left}`;
  const tailWidth = 4 + 2 + 8 + 3 + totalText.length + 2 + 11 + 2 + ETA_WIDTH;
  const nameWidth = Math.max(
    1,
    options.nameWidth ??
      Math.min([...options.name].length, Math.max(12, Math.floor(width / 4))),
  );
  const name = pad(fitName(options.name, nameWidth), nameWidth);
  const barWidth = Math.min(30, width - nameWidth - tailWidth - 5);
  if (barWidth < 5) return fit(`${name}  ${tail}`, width);
  const filled = Math.floor(barWidth * ratio);
  const bar = "█".repeat(filled) + "░".repeat(barWidth - filled);
  return fit(`${name}  [${bar}] ${tail}`, width);
}

/** Options for {@linkcode ProgressBar}. */
export interface ProgressBarOptions {
  /** Where the display goes, usually a terminal's stderr. It is locked until {@linkcode ProgressBar.stop}. */
  writable: WritableStream<Uint8Array>;
  /**
   * The clock, in milliseconds.
   *
   * @default {Date.now}
   */
  now?: () => number;
  /**
   * The terminal's width in columns, asked at every redraw; lines take at most one column less, so they
   * never wrap (a wrapped line would break the redraw).
   *
   * @default {() => 80}
   */
  columns?: () => number;
  /**
   * The least time between two redraws caused by {@linkcode ProgressBar.update}, in milliseconds.
   *
   * @default {100}
   */
  interval?: number;
}

interface Line {
  name: string;
  total: number;
  bytes: number;
  startBytes: number;
  started: number;
}

/**
 * Progress lines for several uploads at once, redrawn in place with ANSI escapes (cursor up, erase
 * down). Lines come and go with {@linkcode ProgressBar.add} and {@linkcode ProgressBar.remove}; text
 * printed with {@linkcode ProgressBar.log} goes above them. Redraws caused by updates are throttled to
 * one per `interval`; everything else redraws at once.
 *
 * @example Draw one file's progress into a collecting stream
 * ```ts
 * import { ProgressBar } from "./progress_bar.ts";
 * import { assertEquals } from "@std/assert";
 *
 * let text = "";
 * const decoder = new TextDecoder();
 * const writable = new WritableStream<Uint8Array>({
 *   write(chunk) {
 *     text += decoder.decode(chunk);
 *   },
 * });
 * let now = 0;
 * const bar = new ProgressBar({ writable, now: () => now, columns: () => 80 });
 * const line = bar.add("a.bin", 2048);
 * now = 1000;
 * bar.update(line, 2048);
 * await bar.stop();
 * // Drawn at 0%, then moved up one line, erased and drawn again at 100%.
 * assertEquals(
 *   text,
 *   "\x1b[2Ka.bin  [░░░░░░░░░░░░░░░░░░░░░░]   0%       0 B / 2 KiB           --  ETA --\n" +
 *     "\r\x1b[1A\x1b[J" +
 *     "\x1b[2Ka.bin  [██████████████████████] 100%     2 KiB / 2 KiB      2 KiB/s  done\n",
 * );
 * ```
 */
export class ProgressBar {
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #now: () => number;
  #columns: () => number;
  #interval: number;
  #lines = new Map<number, Line>();
  #nextId = 1;
  #drawn = 0;
  #lastDraw = -Infinity;
  #paused = false;
  #stopped = false;
  #dirty = false;
  #pending: Promise<void> = Promise.resolve();

  /**
   * Creates a display; nothing is written until a line is added or text logged.
   *
   * @param options Where to write, the clock, the width and the redraw interval.
   */
  constructor(options: ProgressBarOptions) {
    this.#writer = options.writable.getWriter();
    this.#now = options.now ?? Date.now;
    this.#columns = options.columns ?? (() => 80);
    this.#interval = options.interval ?? 100;
  }

  /**
   * Adds a line for a file and redraws.
   *
   * @param name The file's name.
   * @param total The file's size in bytes.
   * @param bytes Bytes already confirmed (a resumed upload); they do not count towards the rate.
   * @returns The line's id, for `update` and `remove`.
   */
  add(name: string, total: number, bytes = 0): number {
    const id = this.#nextId++;
    this.#lines.set(id, {
      name,
      total,
      bytes,
      startBytes: bytes,
      started: this.#now(),
    });
    this.render();
    return id;
  }

  /**
   * Sets a line's confirmed bytes; redraws unless the last redraw was less than `interval` ago, or the
   * file is complete.
   *
   * @param id The line's id.
   * @param bytes The bytes confirmed so far.
   */
  update(id: number, bytes: number): void {
    const line = this.#lines.get(id);
    if (line === undefined) return;
    line.bytes = bytes;
    this.#dirty = true;
    if (
      bytes >= line.total || this.#now() - this.#lastDraw >= this.#interval
    ) {
      this.render();
    }
  }

  /**
   * Takes a line away and redraws.
   *
   * @param id The line's id.
   */
  remove(id: number): void {
    if (this.#lines.delete(id)) this.render();
  }

  /**
   * Prints text above the lines, which are redrawn below it.
   *
   * @param text One or more lines of text, without the final newline.
   */
  log(text: string): void {
    this.#write(this.#erase() + text + "\n" + this.#draw());
  }

  /** Redraws the lines now. */
  render(): void {
    this.#write(this.#erase() + this.#draw());
  }

  /**
   * Erases the lines and draws nothing until {@linkcode ProgressBar.resume}, so that something else
   * can write to the same terminal (such as stdout).
   *
   * @returns A promise that resolves once the lines are erased.
   */
  pause(): Promise<void> {
    this.#write(this.#erase());
    this.#paused = true;
    return this.#pending;
  }

  /** Draws the lines again after {@linkcode ProgressBar.pause}. */
  resume(): void {
    this.#paused = false;
    this.render();
  }

  /**
   * Draws the lines a last time, leaves them on screen, and releases the writable.
   *
   * @returns A promise that resolves once everything is written.
   */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#paused = false;
    if (this.#dirty) this.render();
    this.#stopped = true;
    await this.#pending;
    this.#writer.releaseLock();
  }

  #erase(): string {
    if (this.#drawn === 0) return "";
    const text = `\r${ESC}${this.#drawn}A${ESC}J`;
    this.#drawn = 0;
    return text;
  }

  #draw(): string {
    if (this.#paused) return "";
    const now = this.#now();
    this.#lastDraw = now;
    this.#dirty = false;
    const width = Math.max(20, this.#columns() - 1);
    const lines = [...this.#lines.values()];
    const nameWidth = Math.min(
      Math.max(1, ...lines.map((l) => [...l.name].length)),
      Math.max(12, Math.floor(width / 4)),
    );
    this.#drawn = lines.length;
    return lines.map((line) =>
      `${ESC}2K${
        progressLine({
          name: line.name,
          bytes: line.bytes,
          total: line.total,
          elapsed: now - line.started,
          startBytes: line.startBytes,
          width,
          nameWidth,
        })
      }\n`
    ).join("");
  }

  #write(text: string): void {
    if (text === "" || this.#stopped) return;
    const bytes = encoder.encode(text);
    // Writes are queued in order, so awaiting the last one awaits them all.
    this.#pending = this.#writer.write(bytes).catch(() => {});
  }
}
