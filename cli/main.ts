/**
 * The CLI's main function: parse, find the files, check their names and the credentials, run the
 * batch, and say with the exit code how it went.
 *
 * @module
 */
import { humanBytes, plural } from "./output/human.ts";
import denoJson from "../deno.json" with { type: "json" };
import { type CliArgs, parseCliArgs } from "./args/args.ts";
import { runBatch } from "./batch/batch.ts";
import { resolveCredentials } from "./args/credentials.ts";
import { type Collected, collectFiles } from "./files/files.ts";
import { HELP } from "./args/help.ts";
import { type CliIo, denoIo, progressMode } from "./io.ts";
import { printable, printableLines, serverTitle } from "./names.ts";
import { renamedNames } from "./batch/plan.ts";
import { Reporter } from "./output/reporter.ts";
import type { UploadItem } from "./item.ts";
import { UsageError } from "./args/usage_error.ts";
import {
  freeBytes,
  sizedStdin,
  type Spooled,
  SpoolError,
  spoolStdin,
} from "./files/stdin.ts";

export type { CliIo } from "./io.ts";

/** The exit codes. */
export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  interrupted: 130,
} as const;

const encoder = new TextEncoder();

async function write(
  stream: WritableStream<Uint8Array>,
  text: string,
): Promise<void> {
  const writer = stream.getWriter();
  try {
    await writer.write(encoder.encode(text));
  } finally {
    writer.releaseLock();
  }
}

/** Names DocSpace would change stop the run before any request, unless `--allow-renames`. */
function checkNames(args: CliArgs, items: UploadItem[], folders: string[]) {
  if (args.allowRenames) return;
  if (args.name !== undefined) {
    const stored = serverTitle(args.name);
    if (stored === args.name) return;
    throw new UsageError(
      `--name "${printable(args.name)}" would be stored as "${
        printable(stored)
      }": DocSpace puts _ for \\t * + : " < > ? | \\ / and emoji, and trims spaces; choose another name, or pass --allow-renames to accept it`,
      { hint: false },
    );
  }
  const renamed = renamedNames(items, folders);
  if (renamed.length === 0) return;
  const shown = renamed.slice(0, 10).map((r) =>
    `  "${r.name}" → "${r.stored}"`
  );
  if (renamed.length > 10) shown.push(`  and ${renamed.length - 10} more`);
  throw new UsageError(
    `DocSpace would store ${
      plural(renamed.length, "name")
    } differently (it puts _ for \\t * + : " < > ? | \\ / and emoji), so nothing was sent:\n${
      shown.join("\n")
    }\nRename them, or pass --allow-renames to upload them under those names.`,
    { hint: false },
  );
}

async function itemsOf(
  args: CliArgs,
): Promise<{ items: UploadItem[]; collected: Omit<Collected, "files"> }> {
  if (args.paths[0] === "-") {
    return {
      // Without --size, the size is known once stdin is saved (see stdin.ts).
      items: [{ display: "stdin", fileName: args.name!, size: args.size ?? 0 }],
      collected: {
        emptyDirectories: [],
        skipped: [],
        unreadable: [],
        excluded: 0,
      },
    };
  }
  const { files, ...collected } = await collectFiles(args.paths, {
    ...(args.name !== undefined ? { name: args.name } : {}),
    followSymlinks: args.followSymlinks,
    exclude: args.exclude,
  });
  const items = files.map((file) => ({
    display: file.display,
    fileName: file.fileName,
    size: file.size,
    ...(file.relativePath !== undefined
      ? { relativePath: file.relativePath }
      : {}),
    file,
  }));
  return { items, collected };
}

/**
 * Runs the CLI: `<path>... --folder <id> [options]`, or `- --size <bytes> --name <title> --folder <id>`
 * for stdin. See `--help`.
 *
 * @param argv The arguments after the program's name.
 * @param io The streams, environment, terminal and interrupt signal; the process's own by default.
 * @returns The exit code: 0 all uploaded, 1 an upload failed or the batch stopped, 2 usage error,
 * 130 interrupted.
 */
export async function main(
  argv: string[],
  io: CliIo = denoIo(),
): Promise<number> {
  const command = await commandOf(argv, io);
  if (typeof command === "number") return command;
  const reporter = new Reporter({
    stdout: io.stdout,
    stderr: io.stderr,
    mode: progressMode(command.args.quiet, io.stderrIsTerminal, io.env("TERM")),
    columns: io.columns,
    now: () => performance.now(),
  });
  let spooled: Spooled | undefined;
  try {
    const input = await batchInput(command, io, reporter);
    if (typeof input === "number") return input;
    spooled = input.spooled;
    return await runBatch({
      ...command,
      items: input.items,
      io: input.io,
      reporter,
    });
  } catch (error) {
    // A failure nothing else expected is still one line and exit 1, not a stack trace.
    await reporter.error(
      `error: ${
        printable(error instanceof Error ? error.message : String(error))
      } (an unexpected failure: please report it)`,
    );
    return EXIT.failed;
  } finally {
    await spooled?.[Symbol.asyncDispose]();
    await reporter.close();
  }
}

/** An upload the command line asks for, checked: its items, and the portal with its credentials. */
interface Command {
  args: CliArgs;
  items: UploadItem[];
  collected: Omit<Collected, "files">;
  url: string;
  token: string;
}

/** The upload the command line asks for, or the exit code of `--help`, `--version` or a usage error. */
async function commandOf(
  argv: string[],
  io: CliIo,
): Promise<Command | number> {
  try {
    const parsed = parseCliArgs(argv);
    if (parsed.command === "help") {
      await write(io.stdout, HELP);
      return EXIT.ok;
    }
    if (parsed.command === "version") {
      await write(io.stdout, `docspace-upload ${denoJson.version}\n`);
      return EXIT.ok;
    }
    const args = parsed.args;
    const { items, collected } = await itemsOf(args);
    checkNames(args, items, collected.emptyDirectories);
    const { url, token } = resolveCredentials(
      args,
      io,
      args.paths[0] === "-",
    );
    return { args, items, collected, url, token };
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    await write(
      io.stderr,
      `error: ${printableLines(error.message)}\n${
        error.hint ? "Run with --help for usage.\n" : ""
      }`,
    );
    return EXIT.usage;
  }
}

/** What the batch reads: the items, and stdin cut at `--size` or saved to a temporary file first. */
interface BatchInput {
  items: UploadItem[];
  io: CliIo;
  /** Stdin's temporary file, removed after the batch. */
  spooled?: Spooled;
}

/** The batch's input; for stdin without `--size`, the exit code when it could not be saved. */
async function batchInput(
  { args, items }: Command,
  io: CliIo,
  reporter: Reporter,
): Promise<BatchInput | number> {
  if (args.paths[0] !== "-") return { items, io };
  if (args.size !== undefined) {
    const size = args.size;
    return { items, io: { ...io, stdin: () => sizedStdin(io.stdin(), size) } };
  }
  const spoolDir = io.env("TMPDIR") || "/tmp";
  const free = await freeBytes(spoolDir);
  await reporter.note(
    `stdin: without --size it is saved to a temporary file first, to learn its size (in ${spoolDir}${
      free === undefined ? "" : `, ${humanBytes(free)} free`
    }; removed after the upload; --size streams it instead)`,
  );
  let spooled: Spooled;
  try {
    spooled = await spoolStdin(io.stdin(), io.env("TMPDIR"), io.signal);
  } catch (error) {
    if (io.signal.aborted) return EXIT.interrupted;
    if (!(error instanceof SpoolError)) throw error;
    await reporter.error(`error: ${error.message}`);
    return EXIT.failed;
  }
  const path = spooled.path;
  return {
    items: [{ ...items[0]!, size: spooled.size }],
    io: { ...io, stdin: () => Deno.openSync(path).readable },
    spooled,
  };
}
