/**
 * Progress on a terminal: one line per file, redrawn in place with ANSI escapes (cursor up, erase
 * down). What each line says is laid out by `progress_layout.ts`; this module moves the cursor. Whether
 * to draw at all is `progressMode` in `../io.ts`. Output and time are injected, so the exact text it
 * writes can be tested.
 *
 * @module
 */
import { progressLines, type ProgressRow } from "./progress_layout.ts";

/** Options for {@linkcode ProgressBar}. */
export interface ProgressBarOptions {
  /** Where the display goes, usually a terminal's stderr. It is locked until {@linkcode ProgressBar.stop}. */
  writable: WritableStream<Uint8Array>;
  /** The clock, in milliseconds. @default {Date.now} */
  now?: () => number;
  /**
   * The terminal's width in columns, asked at every redraw; lines take at most one column less, so they
   * never wrap (a wrapped line would break the redraw).
   *
   * @default {() => 80}
   */
  columns?: () => number;
  /** The least time between two redraws caused by {@linkcode ProgressBar.update}, in ms. @default {100} */
  interval?: number;
}

interface Line {
  name: string;
  total: number;
  bytes: number;
  startBytes: number;
  started: number;
  retry?: { reason: string; at: number };
}

const ESC = "\x1b[";
const encoder = new TextEncoder();

/**
 * Progress lines for several uploads at once, redrawn in place. Lines come and go with
 * {@linkcode ProgressBar.add} and {@linkcode ProgressBar.remove}; text printed with
 * {@linkcode ProgressBar.log} goes above them. Redraws caused by updates are throttled to one per
 * `interval`; everything else redraws at once. While a line waits for a retry, it counts down, redrawn
 * every second.
 *
 * @example Draw one file's progress into a collecting stream
 * ```ts
 * import { ProgressBar } from "./progress_bar.ts";
 * import { assertEquals } from "@std/assert";
 *
 * let text = "";
 * const writable = new WritableStream<Uint8Array>({
 *   write: (chunk) => void (text += new TextDecoder().decode(chunk)),
 * });
 * let now = 0;
 * const bar = new ProgressBar({ writable, now: () => now, columns: () => 40 });
 * const line = bar.add("a.bin", 2048);
 * now = 1000;
 * bar.update(line, 2048);
 * await bar.stop();
 * // Drawn at 0%, then moved up one line, erased and drawn again at 100%.
 * assertEquals(
 *   text,
 *   "\x1b[2Ka.bin  [░░░░░░░░░░░]   0%  ETA --\n" +
 *     "\r\x1b[1A\x1b[J" +
 *     "\x1b[2Ka.bin  [███████████] 100%  done\n",
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
  #ticker: ReturnType<typeof setInterval> | undefined;
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
   * @param name The file's name, printable (no control characters).
   * @param total The file's size in bytes.
   * @param bytes Bytes already confirmed (a resumed upload); they do not count towards the rate.
   * @returns The line's id, for `update`, `retry` and `remove`.
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
   * Shows on a line that a request failed and will be tried again: the reason in place of the rate,
   * and a countdown in place of the ETA, until the retry is due.
   *
   * @param id The line's id.
   * @param reason Why, in at most 11 characters, like `HTTP 503`.
   * @param delay Milliseconds until the retry.
   */
  retry(id: number, reason: string, delay: number): void {
    const line = this.#lines.get(id);
    if (line === undefined) return;
    line.retry = { reason, at: this.#now() + delay };
    this.#ticker ??= setInterval(() => this.#tick(), 1000);
    this.render();
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
    clearInterval(this.#ticker);
    this.#paused = false;
    if (this.#dirty) this.render();
    this.#stopped = true;
    await this.#pending;
    this.#writer.releaseLock();
  }

  #tick(): void {
    const now = this.#now();
    let waiting = false;
    for (const line of this.#lines.values()) {
      if (line.retry && line.retry.at <= now) delete line.retry;
      if (line.retry) waiting = true;
    }
    if (!waiting) {
      clearInterval(this.#ticker);
      this.#ticker = undefined;
    }
    this.render();
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
    const rows: ProgressRow[] = [...this.#lines.values()].map((line) => ({
      name: line.name,
      bytes: line.bytes,
      total: line.total,
      elapsed: now - line.started,
      startBytes: line.startBytes,
      ...(line.retry && line.retry.at > now
        ? { retry: { reason: line.retry.reason, in: line.retry.at - now } }
        : {}),
    }));
    this.#drawn = rows.length;
    const width = Math.max(20, this.#columns() - 1);
    return progressLines(rows, width).map((line) => `${ESC}2K${line}\n`)
      .join("");
  }

  #write(text: string): void {
    if (text === "" || this.#stopped) return;
    const bytes = encoder.encode(text);
    // Writes are queued in order, so awaiting the last one awaits them all.
    this.#pending = this.#writer.write(bytes).catch(() => {});
  }
}
