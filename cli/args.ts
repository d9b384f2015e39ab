/**
 * The CLI's flags: parsing, validation and the help text.
 *
 * @module
 */
import { parseArgs } from "@std/cli/parse-args";
import { validateChunkSize } from "../src/client/rechunk_stream.ts";
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
  /** `--resume`. */
  resume: boolean;
}

/** `--help` or `--version` asked for, or the arguments of an upload. */
export type ParsedArgs =
  | { command: "help" }
  | { command: "version" }
  | { command: "upload"; args: CliArgs };

/** The usage text printed by `--help`. */
export const HELP =
  `Upload big files into ONLYOFFICE DocSpace through chunked upload sessions.

Usage:
  deno run -A cli.ts <path>... --folder <id> [options]
  deno run -A cli.ts - --size <bytes> --name <title> --folder <id>      (reads stdin)

Directories are uploaded recursively and keep their structure: photos/2024/a.jpg goes
into the subfolder photos/2024 of the folder. Two files upload at a time; a file that
fails does not stop the others.

Options:
  --folder <id>         The target folder's id (required). A non-numeric id is a
                        third-party storage folder; its files upload sequentially.
  --url <portal>        The portal, like https://example.onlyoffice.com
                        (default: $DOCSPACE_URL)
  --token <token>       An API key or authentication token (default: $DOCSPACE_TOKEN).
                        Prefer the variable: a --token value shows in the process list.
                        When neither is set and the terminal is interactive, it is asked for.
  --name <title>        The title in DocSpace, for a single file or stdin
  --size <bytes>        The size of the data on stdin (required with -), like 1048576 or 10MiB
  --concurrency <n>     Chunk requests at once per file (default: 3)
  --chunk-size <bytes>  A multiple of 512, at most 10MiB (default: the server's chunkUploadSize;
                        folders with numeric ids need exactly that, so this is for third-party ones)
  --on-conflict <mode>  When a file of that name exists in the folder:
                          version  store a new version of it (default)
                          copy     upload beside it; the server picks a free name
                          skip     leave it and upload nothing (files going into subfolders
                                   cannot be checked, so skip refuses directories)
  --resume              Continue interrupted uploads of these files: only the chunks the
                        server has not confirmed are sent
  --json                Print only JSON on stdout: the server's file object, or an array of
                        them for several files (null for one file that was skipped)
  -q, --quiet           No progress and no summary; errors still go to stderr
  -h, --help            Show this help
  -V, --version         Show the version

Resuming: while a file uploads, its session is saved in $DOCSPACE_STATE_DIR (default:
$XDG_STATE_HOME/docspace-upload, or ~/.local/state/docspace-upload). After Ctrl-C or a
crash, run the same command with --resume within 12 hours. A file whose size or
modification time changed since is not resumed: that file fails (exit 1); run without
--resume to upload it again. Stdin cannot be resumed.

Exit codes: 0 every file uploaded (or skipped), 1 an upload failed, 2 usage error,
130 interrupted.
`;

const UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  k: 1024,
  kib: 1024,
  kb: 1000,
  m: 1024 ** 2,
  mib: 1024 ** 2,
  mb: 1000 ** 2,
  g: 1024 ** 3,
  gib: 1024 ** 3,
  gb: 1000 ** 3,
  t: 1024 ** 4,
  tib: 1024 ** 4,
  tb: 1000 ** 4,
};

/**
 * Parses a byte count like `1048576`, `10MiB`, `1.5GB` or `64k` (k, m, g, t and KiB… are binary;
 * KB, MB… decimal).
 *
 * @param flag The flag's name, for the error message.
 * @param text The value.
 * @returns The count in bytes.
 * @throws {UsageError} If it is not a whole, non-negative number of bytes.
 */
export function parseByteCount(flag: string, text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = match && UNITS[match[2]!.toLowerCase()];
  const value = match && unit ? Number(match[1]) * unit : NaN;
  if (!Number.isSafeInteger(value)) {
    throw new UsageError(
      `--${flag} must be a whole number of bytes like 1048576 or 10MiB, received ${
        JSON.stringify(text)
      }`,
    );
  }
  return value;
}

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
  if (!/^\d+$/.test(trimmed)) return trimmed;
  const id = Number(trimmed);
  if (!Number.isSafeInteger(id) || id < 1) {
    throw new UsageError(
      `--folder must be a positive integer or a third-party folder id, received ${
        JSON.stringify(text)
      }`,
    );
  }
  return id;
}

const STRINGS = [
  "folder",
  "url",
  "token",
  "name",
  "size",
  "concurrency",
  "chunk-size",
  "on-conflict",
] as const;
const BOOLEANS = ["json", "quiet", "resume", "help", "version"] as const;

/**
 * Parses and checks the command line. `--help` and `--version` win over everything else.
 *
 * @param argv The arguments after the program's name.
 * @returns What to do.
 * @throws {UsageError} For an unknown flag, a missing or malformed value, or flags that do not go
 * together.
 */
export function parseCliArgs(argv: string[]): ParsedArgs {
  const unknown: string[] = [];
  const parsed = parseArgs(argv, {
    string: STRINGS,
    boolean: BOOLEANS,
    alias: { h: "help", q: "quiet", V: "version" },
    "--": true,
    unknown(arg: string, key?: string) {
      if (key !== undefined) unknown.push(arg.replace(/=.*$/, ""));
      return key === undefined;
    },
  });
  if (parsed.help) return { command: "help" };
  if (parsed.version) return { command: "version" };
  if (unknown.length > 0) {
    throw new UsageError(
      `unknown option${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")}`,
    );
  }
  const paths = [...parsed._.map(String), ...(parsed["--"] ?? [])];
  if (paths.length === 0) {
    throw new UsageError(
      "nothing to upload: name one or more files or directories, or - for stdin",
    );
  }
  const folderId = folderIdOf(parsed.folder);
  const stdin = paths.includes("-");
  if (stdin && paths.length > 1) {
    throw new UsageError("- (stdin) cannot be combined with other paths");
  }
  const size = parsed.size === undefined
    ? undefined
    : parseByteCount("size", parsed.size);
  if (stdin && size === undefined) {
    throw new UsageError(
      "--size is required with - (stdin): the exact size in bytes",
    );
  }
  if (!stdin && size !== undefined) {
    throw new UsageError(
      "--size is only for - (stdin); a file's size is read from disk",
    );
  }
  const name = parsed.name?.trim();
  if (parsed.name !== undefined && name === "") {
    throw new UsageError("--name needs a value: the file's title in DocSpace");
  }
  if (stdin && name === undefined) {
    throw new UsageError(
      "--name is required with - (stdin): the file's title in DocSpace",
    );
  }
  if (name !== undefined && paths.length > 1) {
    throw new UsageError(
      "--name applies to a single file; it cannot name several",
    );
  }
  if (stdin && parsed.resume) {
    throw new UsageError(
      "--resume cannot be used with - (stdin): stdin cannot be read again",
    );
  }
  let chunkSize: number | undefined;
  if (parsed["chunk-size"] !== undefined) {
    chunkSize = parseByteCount("chunk-size", parsed["chunk-size"]);
    try {
      validateChunkSize(chunkSize, "--chunk-size");
    } catch {
      throw new UsageError(
        `--chunk-size must be a positive multiple of 512 no greater than 10MiB (10485760), received ${
          JSON.stringify(parsed["chunk-size"])
        }`,
      );
    }
  }
  const onConflict = parsed["on-conflict"] ?? "version";
  if (
    onConflict !== "version" && onConflict !== "copy" && onConflict !== "skip"
  ) {
    throw new UsageError(
      `--on-conflict must be version, copy or skip, received ${
        JSON.stringify(onConflict)
      }`,
    );
  }
  return {
    command: "upload",
    args: {
      paths,
      folderId,
      ...(parsed.url !== undefined ? { url: parsed.url } : {}),
      ...(parsed.token !== undefined ? { token: parsed.token } : {}),
      ...(name !== undefined ? { name } : {}),
      ...(size !== undefined ? { size } : {}),
      ...(parsed.concurrency !== undefined
        ? { concurrency: positiveInteger("concurrency", parsed.concurrency) }
        : {}),
      ...(chunkSize !== undefined ? { chunkSize } : {}),
      onConflict,
      json: parsed.json,
      quiet: parsed.quiet,
      resume: parsed.resume,
    },
  };
}
