/**
 * Everything the CLI tells the user while it works: a progress bar per file on a terminal, plain lines
 * otherwise, nothing with `--quiet`; summaries on stdout; notes, warnings and errors on stderr. Writes
 * are queued, so lines never interleave with a bar being redrawn, and every line is made printable: no
 * control character from a file name or a server reaches the terminal raw.
 *
 * @module
 */
import type { DocSpaceError } from "../../src/client/errors.ts";
import { printable, printableLines } from "../names.ts";
import { PlainProgress, type RetryReport } from "./plain_progress.ts";
import type { ProgressMode } from "../io.ts";
import { ProgressBar } from "./progress_bar.ts";

export type { RetryReport } from "./plain_progress.ts";
export type { ProgressMode } from "../io.ts";

/** Options for {@linkcode Reporter}. */
export interface ReporterOptions {
  /** Standard output. */
  stdout: WritableStream<Uint8Array>;
  /** Standard error. */
  stderr: WritableStream<Uint8Array>;
  /** How progress is shown. */
  mode: ProgressMode;
  /** The terminal's width, for bars. */
  columns: () => number;
  /** The clock, in milliseconds. */
  now: () => number;
}

const encoder = new TextEncoder();

/** The short reason a bar shows for a retry: `HTTP 503`, or `no answer` when none came. */
function shortReason(error: DocSpaceError): string {
  return error.status === undefined ? "no answer" : `HTTP ${error.status}`;
}

/** The CLI's output, in order. */
export class Reporter {
  #mode: ProgressMode;
  #stdout: WritableStreamDefaultWriter<Uint8Array>;
  #stderr: WritableStreamDefaultWriter<Uint8Array> | undefined;
  #bar: ProgressBar | undefined;
  #plain: PlainProgress | undefined;
  #queue: Promise<void> = Promise.resolve();

  /**
   * Takes hold of stdout and stderr until {@linkcode Reporter.close}.
   *
   * @param options The streams, the mode, the width and the clock.
   */
  constructor(options: ReporterOptions) {
    this.#mode = options.mode;
    this.#stdout = options.stdout.getWriter();
    if (options.mode === "bar") {
      this.#bar = new ProgressBar({
        writable: options.stderr,
        now: options.now,
        columns: options.columns,
      });
    } else {
      this.#stderr = options.stderr.getWriter();
    }
    if (options.mode === "plain") {
      this.#plain = new PlainProgress(options.now, (line) => this.#err(line));
    }
  }

  /** Whether progress and summaries are shown (not `--quiet`). */
  get verbose(): boolean {
    return this.#mode !== "quiet";
  }

  /**
   * A file starts: a bar, or a plain line.
   *
   * @param label The file as the user knows it (made printable here).
   * @param size Its size in bytes.
   * @param resumed Bytes confirmed by an earlier run.
   * @returns An id for `progress`, `retry` and `end`.
   */
  start(label: string, size: number, resumed = 0): number {
    const shown = printable(label);
    return this.#bar?.add(shown, size, resumed) ??
      this.#plain?.start(shown, size, resumed) ?? 0;
  }

  /**
   * A file's confirmed bytes changed: the bar moves; a plain line is written at each new tenth of the
   * file, at most once a second.
   *
   * @param id The id from `start`.
   * @param bytes Bytes confirmed.
   */
  progress(id: number, bytes: number): void {
    this.#bar?.update(id, bytes);
    this.#plain?.progress(id, bytes);
  }

  /**
   * A request failed and will be tried again: the bar says why and counts down; a plain line says what
   * failed and when the next try is.
   *
   * @param id The id from `start`.
   * @param label The file as the user knows it.
   * @param report The step, the attempt, the delay and the error.
   */
  retry(id: number, label: string, report: RetryReport): void {
    this.#bar?.retry(id, shortReason(report.error), report.delay);
    this.#plain?.retry(label, report);
  }

  /**
   * A file is done (or failed, or was interrupted): its bar goes.
   *
   * @param id The id from `start`.
   */
  end(id: number): void {
    this.#bar?.remove(id);
    this.#plain?.end(id);
  }

  /**
   * Writes a line to stdout (a summary), above the bars.
   *
   * @param text The text, without the final newline.
   * @returns A promise that resolves once it is written.
   */
  out(text: string): Promise<void> {
    return this.#enqueue(async () => {
      await this.#bar?.pause();
      await this.#stdout.write(encoder.encode(printableLines(text) + "\n"));
      this.#bar?.resume();
    });
  }

  /**
   * Writes a value as JSON to stdout. DEL, the C1 controls, the line separators and the bidirectional
   * overrides, which JSON allows raw, are escaped too (`\u202e`), as in the plain output.
   *
   * @param value The value.
   * @returns A promise that resolves once it is written.
   */
  json(value: unknown): Promise<void> {
    const text = JSON.stringify(value, null, 2).replace(
      /[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
    );
    return this.#enqueue(async () => {
      await this.#bar?.pause();
      await this.#stdout.write(encoder.encode(text + "\n"));
      this.#bar?.resume();
    });
  }

  /**
   * Writes a note to stderr, unless quiet.
   *
   * @param text The note, without the final newline.
   * @returns A promise that resolves once it is written.
   */
  note(text: string): Promise<void> {
    return this.#mode === "quiet" ? this.#queue : this.#err(text);
  }

  /**
   * Writes a warning to stderr (`warning: …`), unless quiet.
   *
   * @param text The warning, without the final newline.
   * @returns A promise that resolves once it is written.
   */
  warn(text: string): Promise<void> {
    return this.note(`warning: ${text}`);
  }

  /**
   * Writes an error to stderr, even when quiet.
   *
   * @param text The message, without the final newline.
   * @returns A promise that resolves once it is written.
   */
  error(text: string): Promise<void> {
    return this.#err(text);
  }

  /**
   * Finishes the bars and lets go of stdout and stderr.
   *
   * @returns A promise that resolves once everything is written.
   */
  async close(): Promise<void> {
    await this.#queue;
    await this.#bar?.stop();
    this.#stdout.releaseLock();
    this.#stderr?.releaseLock();
  }

  #err(text: string): Promise<void> {
    return this.#enqueue(async () => {
      if (this.#bar) this.#bar.log(printableLines(text));
      else {await this.#stderr!.write(
          encoder.encode(printableLines(text) + "\n"),
        );}
    });
  }

  #enqueue(write: () => Promise<void>): Promise<void> {
    this.#queue = this.#queue.then(write).catch(() => {});
    return this.#queue;
  }
}
