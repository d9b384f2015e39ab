/**
 * Progress without a terminal: a line when a file starts, a line at each new tenth of it at most once
 * a second (so a fast upload prints none, and a slow one at most nine), and a line for each retry
 * saying what failed and when the next try is. For logs and pipes.
 *
 * @module
 */
import type { DocSpaceError } from "../../src/client/errors.ts";
import { humanBytes, humanDuration, humanTimeLeft } from "./human.ts";
import { printable, serverText } from "../names.ts";

/** A request about to be retried, as `uploadFile`'s `onRetry` reports it. */
export interface RetryReport {
  /** The step that failed: `settings`, `create`, `chunk 7`, `finalize`. */
  step: string;
  /** The attempt that failed, from 1. */
  attempt: number;
  /** Milliseconds until the next attempt. */
  delay: number;
  /** What failed. */
  error: DocSpaceError;
}

interface Line {
  label: string;
  size: number;
  resumed: number;
  started: number;
  /** When the last line about it was written, and at what tenth. */
  lastAt: number;
  lastTenth: number;
}

/** Plain progress lines come at most this often. */
const INTERVAL = 1000;

/** Plain progress lines for the files under way. */
export class PlainProgress {
  #now: () => number;
  #write: (line: string) => void;
  #lines = new Map<number, Line>();
  #nextId = 1;

  /**
   * Writes nothing yet.
   *
   * @param now The clock, in milliseconds.
   * @param write Writes one line.
   */
  constructor(now: () => number, write: (line: string) => void) {
    this.#now = now;
    this.#write = write;
  }

  /**
   * A file starts: `Uploading a.bin (2 MiB)`.
   *
   * @param label The file, printable.
   * @param size Its size in bytes.
   * @param resumed Bytes confirmed by an earlier run.
   * @returns An id for `progress` and `end`.
   */
  start(label: string, size: number, resumed: number): number {
    const id = this.#nextId++;
    const now = this.#now();
    this.#lines.set(id, {
      label,
      size,
      resumed,
      started: now,
      lastAt: now,
      lastTenth: size === 0 ? 10 : Math.floor((resumed / size) * 10),
    });
    this.#write(
      `Uploading ${label} (${humanBytes(size)}${
        resumed > 0 ? `, resuming after ${humanBytes(resumed)}` : ""
      })`,
    );
    return id;
  }

  /**
   * A file's confirmed bytes changed: `a.bin: 40% (800 KiB of 2 MiB, 1 MiB/s, ETA 2s)` at a new tenth,
   * at most once a second.
   *
   * @param id The id from `start`.
   * @param bytes Bytes confirmed.
   */
  progress(id: number, bytes: number): void {
    const line = this.#lines.get(id);
    if (line === undefined || bytes >= line.size) return;
    const now = this.#now();
    const tenth = Math.floor((bytes / line.size) * 10);
    if (tenth <= line.lastTenth || now - line.lastAt < INTERVAL) return;
    line.lastAt = now;
    line.lastTenth = tenth;
    const rate = (bytes - line.resumed) / ((now - line.started) / 1000);
    this.#write(
      `${line.label}: ${Math.floor((bytes / line.size) * 100)}% (${
        humanBytes(bytes)
      } of ${humanBytes(line.size)}, ${humanBytes(rate)}/s, ETA ${
        humanTimeLeft(((line.size - bytes) / rate) * 1000)
      })`,
    );
  }

  /**
   * A request failed and will be tried again: `a.bin: chunk 3 failed (…); retrying in 1s (attempt 2)`.
   *
   * @param label The file as the user knows it.
   * @param report The step, the attempt, the delay and the error.
   */
  retry(label: string, report: RetryReport): void {
    this.#write(
      `${printable(label)}: ${report.step} failed (${
        serverText(report.error.detail)
      }); retrying in ${humanDuration(report.delay)} (attempt ${
        report.attempt + 1
      })`,
    );
  }

  /**
   * A file is done (or failed, or was interrupted).
   *
   * @param id The id from `start`.
   */
  end(id: number): void {
    this.#lines.delete(id);
  }
}
