/**
 * Everything the CLI tells the user while it works: a progress bar per file on a terminal, a plain
 * line per file otherwise, nothing with `--quiet`; summaries on stdout; notes and errors on stderr.
 * Writes are queued, so lines never interleave with a bar being redrawn.
 *
 * @module
 */
import { humanBytes, ProgressBar } from "./progress_bar.ts";

/** How progress is shown: redrawn bars, plain lines, or nothing. */
export type ProgressMode = "bar" | "plain" | "quiet";

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

/** The CLI's output, in order. */
export class Reporter {
  #mode: ProgressMode;
  #stdout: WritableStreamDefaultWriter<Uint8Array>;
  #stderr: WritableStreamDefaultWriter<Uint8Array> | undefined;
  #bar: ProgressBar | undefined;
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
  }

  /** Whether progress and summaries are shown (not `--quiet`). */
  get verbose(): boolean {
    return this.#mode !== "quiet";
  }

  /**
   * A file starts: a bar, or a plain line.
   *
   * @param label The file as the user knows it.
   * @param size Its size in bytes.
   * @param resumed Bytes confirmed by an earlier run.
   * @returns An id for `progress` and `end`.
   */
  start(label: string, size: number, resumed = 0): number {
    if (this.#bar) return this.#bar.add(label, size, resumed);
    if (this.#mode === "plain") {
      this.#err(
        `Uploading ${label} (${humanBytes(size)}${
          resumed > 0 ? `, resuming after ${humanBytes(resumed)}` : ""
        })`,
      );
    }
    return 0;
  }

  /**
   * A file's confirmed bytes changed.
   *
   * @param id The id from `start`.
   * @param bytes Bytes confirmed.
   */
  progress(id: number, bytes: number): void {
    this.#bar?.update(id, bytes);
  }

  /**
   * A file is done (or failed, or was interrupted): its bar goes.
   *
   * @param id The id from `start`.
   */
  end(id: number): void {
    this.#bar?.remove(id);
  }

  /**
   * Writes a line to stdout (a summary, or JSON), above the bars.
   *
   * @param text The text, without the final newline.
   * @returns A promise that resolves once it is written.
   */
  out(text: string): Promise<void> {
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
      if (this.#bar) this.#bar.log(text);
      else await this.#stderr!.write(encoder.encode(text + "\n"));
    });
  }

  #enqueue(write: () => Promise<void>): Promise<void> {
    this.#queue = this.#queue.then(write).catch(() => {});
    return this.#queue;
  }
}
