/**
 * What the CLI touches outside itself, gathered in one object so tests can run it in-process: the
 * standard streams, the environment, whether streams are terminals, the terminal's width, the
 * interrupt signal and the token prompt.
 *
 * @module
 */
import { promptSecret } from "@std/cli/prompt-secret";

/** The CLI's connections to the outside world. */
export interface CliIo {
  /** Standard output: summaries, or JSON with `--json`. */
  stdout: WritableStream<Uint8Array>;
  /** Standard error: progress, notes and errors. */
  stderr: WritableStream<Uint8Array>;
  /** Standard input, for `-`. */
  stdin: () => ReadableStream<Uint8Array>;
  /** Reads an environment variable. */
  env: (name: string) => string | undefined;
  /** Whether stdin is a terminal. */
  stdinIsTerminal: boolean;
  /** Whether stdout is a terminal. */
  stdoutIsTerminal: boolean;
  /** Whether stderr is a terminal: then progress bars are drawn. */
  stderrIsTerminal: boolean;
  /** The terminal's width in columns. */
  columns: () => number;
  /** Aborted when the user interrupts (Ctrl-C). */
  signal: AbortSignal;
  /** Asks for a secret without echoing it; null when it cannot ask. */
  promptSecret: (message: string) => string | null;
}

/** How progress is shown: redrawn bars, plain lines, or nothing. */
export type ProgressMode = "bar" | "plain" | "quiet";

/**
 * Bars only on a terminal that can move its cursor (TTY detection): stderr is a terminal and `TERM` is not `dumb`.
 *
 * @param quiet `--quiet`.
 * @param stderrIsTerminal Whether stderr is a terminal.
 * @param term The `TERM` variable.
 * @returns The mode.
 */
export function progressMode(
  quiet: boolean,
  stderrIsTerminal: boolean,
  term: string | undefined,
): ProgressMode {
  if (quiet) return "quiet";
  return stderrIsTerminal && term !== "dumb" ? "bar" : "plain";
}

/**
 * The real process's streams, environment and terminal.
 *
 * @param signal The interrupt signal (cli.ts aborts it on SIGINT).
 * @returns The CLI's I/O for this process.
 */
export function denoIo(
  signal: AbortSignal = new AbortController().signal,
): CliIo {
  return {
    stdout: Deno.stdout.writable,
    stderr: Deno.stderr.writable,
    stdin: () => Deno.stdin.readable,
    env: (name) => Deno.env.get(name),
    stdinIsTerminal: Deno.stdin.isTerminal(),
    stdoutIsTerminal: Deno.stdout.isTerminal(),
    stderrIsTerminal: Deno.stderr.isTerminal(),
    columns: () => {
      try {
        return Deno.consoleSize().columns;
      } catch {
        return 80;
      }
    },
    signal,
    promptSecret: (message) => promptSecret(message, { mask: "" }),
  };
}
