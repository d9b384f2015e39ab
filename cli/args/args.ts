/**
 * The CLI's flags: parsing and validation.
 *
 * @module
 */
import { parseArgs } from "@std/cli/parse-args";
import { parseByteCount } from "./byte_count.ts";
import { UsageError } from "./usage_error.ts";

/** What to do when a file of the same name exists in the folder. */
export type OnConflict = "version" | "copy" | "skip";

/** The parsed command line. */
export interface CliArgs {
  /** Files and directories to upload; `["-"]` for stdin. */
  paths: string[];
  /** The target folder: a number, or a string for a third-party storage folder. */
  folderId: number | string;
  /** `--url`, when given. */
  url?: string;
  /** `--token`, when given. */
  token?: string;
  /** `--name`: the title of the one file or of stdin. */
  name?: string;
  /** `--size`: the size of stdin, in bytes. */
  size?: number;
  /** `--concurrency`: chunk requests at once per file. */
  concurrency?: number;
  /** `--chunk-size`, in bytes. */
  chunkSize?: number;
  /** `--on-conflict`. */
  onConflict: OnConflict;
  /** `--json`. */
  json: boolean;
  /** `--quiet`. */
  quiet: boolean;
  /** `--resume`: continue saved progress, and fail a file that changed since. */
  resume: boolean;
  /** `--restart`: drop saved progress and start over. */
  restart: boolean;
  /** `--timeout`: milliseconds without progress before a request is given up; 0 for never. */
  timeout: number;
  /** `--exclude`: glob patterns of names or paths left out of directories. */
  exclude: string[];
  /** `--allow-http`: send the token over plain HTTP to a host other than this machine. */
  allowHttp: boolean;
  /** `--skip-existing`: skip files whose folder holds one of the same title and size. */
  skipExisting: boolean;
  /** `--dry-run`: say what would happen, send nothing that writes. */
  dryRun: boolean;
  /** `--follow-symlinks`: follow links out of the directories being uploaded. */
  followSymlinks: boolean;
  /** `--allow-renames`: upload names DocSpace would change, under its names. */
  allowRenames: boolean;
}

/** `--help` or `--version` asked for, or the arguments of an upload. */
export type ParsedArgs =
  | { command: "help" }
  | { command: "version" }
  | { command: "upload"; args: CliArgs };

function positiveInteger(flag: string, text: string): number {
  const value = /^\s*\d+\s*$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new UsageError(
      `--${flag} must be a positive integer, received ${JSON.stringify(text)}`,
    );
  }
  return value;
}

function folderIdOf(text: string | undefined): number | string {
  if (text === undefined) {
    throw new UsageError("--folder is required: the id of the target folder");
  }
  const trimmed = text.trim();
  if (trimmed === "") {
    throw new UsageError("--folder needs a value: the id of the target folder");
  }
  // A signed number is no third-party id: it is a mistyped folder id.
  if (!/^[-+]?\d+$/.test(trimmed)) return trimmed;
  const id = Number(trimmed);
  if (!/^\d+$/.test(trimmed) || !Number.isSafeInteger(id) || id < 1) {
    throw new UsageError(
      `--folder must be a positive integer or a third-party folder id, received ${
        JSON.stringify(text)
      }`,
    );
  }
  return id;
}

// deno-fmt-ignore
/** The flags that take a value. */
export const STRINGS = [
  "folder", "url", "token", "name", "size", "concurrency", "chunk-size", "on-conflict", "timeout", "exclude",
] as const;
// deno-fmt-ignore
/** The flags that take none. */
export const BOOLEANS = [
  "json", "quiet", "resume", "restart", "skip-existing", "dry-run", "follow-symlinks", "allow-renames",
  "allow-http", "help", "version",
] as const;

/** `--timeout`'s default, in seconds. */
export const DEFAULT_TIMEOUT_SECONDS = 60;

function timeoutOf(text: string | undefined): number {
  if (text === undefined) return DEFAULT_TIMEOUT_SECONDS * 1000;
  const value = /^\s*\d+(\.\d+)?\s*$/.test(text) ? Number(text) : NaN;
  if (!(value >= 0) || value > 86_400) {
    throw new UsageError(
      `--timeout must be a number of seconds from 0 (never) to 86400, received ${
        JSON.stringify(text)
      }`,
    );
  }
  return Math.round(value * 1000);
}

/**
 * Joins `--folder -5` into `--folder=-5`, so a value that starts with `-` is read as the value it is
 * (and checked as one) rather than as a flag. A value that starts with `--` stays a flag.
 */
function joinDashValues(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = argv[i + 1];
    if (arg === "--") return [...out, ...argv.slice(i)];
    if (
      (STRINGS as readonly string[]).includes(arg.replace(/^--/, "")) &&
      arg.startsWith("--") && next !== undefined && /^-[^-]/.test(next)
    ) {
      out.push(`${arg}=${next}`);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}

/**
 * Parses and checks the command line. `--help` and `--version` win over everything else.
 *
 * @param argv The arguments after the program's name.
 * @returns What to do.
 * @throws {UsageError} For an unknown flag, a missing or malformed value, or flags that do not go
 * together.
 */
export function parseCliArgs(argv: string[]): ParsedArgs {
  const { flags, unknown } = readFlags(argv);
  if (flags.help) return { command: "help" };
  if (flags.version) return { command: "version" };
  if (unknown.length > 0) {
    throw new UsageError(
      `unknown option${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")}`,
    );
  }
  const paths = pathsOf(flags);
  const folderId = folderIdOf(flags.folder);
  const stdin = paths.includes("-");
  const size = stdinSizeOf(flags, paths);
  const name = nameOf(flags, paths);
  checkSavedProgressFlags(flags, stdin);
  const exclude = excludeOf(flags, stdin);
  const chunkSize = chunkSizeOf(flags["chunk-size"]);
  const onConflict = onConflictOf(flags["on-conflict"]);
  return {
    command: "upload",
    args: {
      paths,
      folderId,
      ...(flags.url !== undefined ? { url: flags.url } : {}),
      ...(flags.token !== undefined ? { token: flags.token } : {}),
      ...(name !== undefined ? { name } : {}),
      ...(size !== undefined ? { size } : {}),
      ...(flags.concurrency !== undefined
        ? { concurrency: positiveInteger("concurrency", flags.concurrency) }
        : {}),
      ...(chunkSize !== undefined ? { chunkSize } : {}),
      onConflict,
      json: flags.json,
      quiet: flags.quiet,
      resume: flags.resume,
      restart: flags.restart,
      timeout: timeoutOf(flags.timeout),
      exclude,
      allowHttp: flags["allow-http"],
      skipExisting: flags["skip-existing"],
      dryRun: flags["dry-run"],
      followSymlinks: flags["follow-symlinks"],
      allowRenames: flags["allow-renames"],
    },
  };
}

/** The flags as `parseArgs` reads them, and the unknown ones. */
function readFlags(argv: string[]) {
  const unknown: string[] = [];
  const flags = parseArgs(joinDashValues(argv), {
    string: STRINGS,
    boolean: BOOLEANS,
    collect: ["exclude"],
    alias: { h: "help", q: "quiet", V: "version" },
    "--": true,
    unknown(arg: string, key?: string) {
      if (key !== undefined) unknown.push(arg.replace(/=.*$/, ""));
      return key === undefined;
    },
  });
  return { flags, unknown };
}

type Flags = ReturnType<typeof readFlags>["flags"];

function pathsOf(flags: Flags): string[] {
  const paths = [...flags._.map(String), ...(flags["--"] ?? [])];
  if (paths.length === 0) {
    throw new UsageError(
      "nothing to upload: name one or more files or directories, or - for stdin",
    );
  }
  return paths;
}

/** `--size`, which only stdin takes, alone on the command line. */
function stdinSizeOf(flags: Flags, paths: string[]): number | undefined {
  const stdin = paths.includes("-");
  if (stdin && paths.length > 1) {
    throw new UsageError("- (stdin) cannot be combined with other paths");
  }
  const size = flags.size === undefined
    ? undefined
    : parseByteCount("size", flags.size);
  if (!stdin && size !== undefined) {
    throw new UsageError(
      "--size is only for - (stdin); a file's size is read from disk",
    );
  }
  return size;
}

/** `--name`: one title, for one file or for stdin (which needs it). */
function nameOf(flags: Flags, paths: string[]): string | undefined {
  const stdin = paths.includes("-");
  const name = flags.name?.trim();
  if (flags.name !== undefined && name === "") {
    throw new UsageError("--name needs a value: the file's title in DocSpace");
  }
  if (stdin && name === undefined) {
    throw new UsageError(
      "--name is required with - (stdin): the file's title in DocSpace",
    );
  }
  if (name?.includes("/")) {
    throw new UsageError(
      `--name cannot contain "/": a DocSpace title is one name, not a path (received ${
        JSON.stringify(name)
      })`,
    );
  }
  if (name !== undefined && paths.length > 1) {
    throw new UsageError(
      "--name applies to a single file; it cannot name several",
    );
  }
  return name;
}

/** `--resume` and `--restart`: not both, and no resume for stdin. */
function checkSavedProgressFlags(flags: Flags, stdin: boolean): void {
  if (stdin && flags.resume) {
    throw new UsageError(
      "--resume cannot be used with - (stdin): stdin cannot be read again",
    );
  }
  if (flags.resume && flags.restart) {
    throw new UsageError(
      "--resume and --restart contradict each other: choose one",
    );
  }
}

function excludeOf(flags: Flags, stdin: boolean): string[] {
  const exclude = (flags.exclude as string[] | undefined ?? []).map(String);
  if (exclude.some((p) => p.trim() === "")) {
    throw new UsageError("--exclude needs a pattern, like .git or '*.tmp'");
  }
  if (stdin && exclude.length > 0) {
    throw new UsageError("--exclude is for directories, not - (stdin)");
  }
  return exclude;
}

function chunkSizeOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const bytes = parseByteCount("chunk-size", text);
  // A multiple of 512, at most 10 MiB, as uploadFile checks it (rechunk_stream.ts).
  if (bytes <= 0 || bytes % 512 !== 0 || bytes > 10 * 1024 * 1024) {
    throw new UsageError(
      `--chunk-size must be a positive multiple of 512 no greater than 10MiB (10485760), received ${
        JSON.stringify(text)
      }`,
    );
  }
  return bytes;
}

function onConflictOf(text: string | undefined): OnConflict {
  const onConflict = text ?? "version";
  if (
    onConflict !== "version" && onConflict !== "copy" && onConflict !== "skip"
  ) {
    throw new UsageError(
      `--on-conflict must be version, copy or skip, received ${
        JSON.stringify(onConflict)
      }`,
    );
  }
  return onConflict;
}
