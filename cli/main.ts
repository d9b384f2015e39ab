/**
 * The CLI's main function: parse, find the files, upload them two at a time, report, and say with
 * the exit code how it went.
 *
 * @module
 */
import denoJson from "../deno.json" with { type: "json" };
import { nodeFetch } from "../node_fetch.ts";
import { DocSpaceError } from "../src/client/errors.ts";
import { humanBytes, humanDuration } from "./progress_bar.ts";
import { SessionClient } from "../src/client/session_client.ts";
import { type CliArgs, HELP, parseCliArgs } from "./args.ts";
import { resolveCredentials } from "./credentials.ts";
import { collectFiles } from "./files.ts";
import { type CliIo, denoIo } from "./io.ts";
import { type ProgressMode, Reporter } from "./reporter.ts";
import { stateDirectory, StateStore } from "./state_file.ts";
import { type ItemResult, type UploadItem, uploadItem } from "./upload_item.ts";
import { UsageError } from "./usage_error.ts";

export type { CliIo } from "./io.ts";

/** How many files upload at once. */
export const FILES_AT_ONCE = 2;

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

function summaryLine(
  item: UploadItem,
  result: Extract<ItemResult, { status: "uploaded" }>,
): string {
  const { file, elapsed, sent } = result;
  const renamed = file.title !== item.fileName
    ? ` as ${JSON.stringify(file.title)}`
    : "";
  const rate = elapsed > 0 ? `, ${humanBytes(sent / (elapsed / 1000))}/s` : "";
  return `${item.display}: ${
    humanBytes(item.size)
  } uploaded to folder ${file.folderId}${renamed} (file ${file.id}, version ${file.version}) in ${
    humanDuration(elapsed)
  }${rate}`;
}

async function itemsOf(args: CliArgs): Promise<UploadItem[]> {
  if (args.paths[0] === "-") {
    return [{ display: "stdin", fileName: args.name!, size: args.size! }];
  }
  const files = await collectFiles(args.paths, args.name);
  if (files.length === 0) {
    throw new UsageError(
      `nothing to upload: no files in ${
        args.paths.map((p) => JSON.stringify(p)).join(", ")
      }`,
    );
  }
  return files.map((file) => ({
    display: file.display,
    fileName: file.fileName,
    size: file.size,
    ...(file.relativePath !== undefined
      ? { relativePath: file.relativePath }
      : {}),
    file,
  }));
}

/**
 * Runs the CLI: `<path>... --folder <id> [options]`, or `- --size <bytes> --name <title> --folder <id>`
 * for stdin. See `--help`.
 *
 * @param argv The arguments after the program's name.
 * @param io The streams, environment, terminal and interrupt signal; the process's own by default.
 * @returns The exit code: 0 all uploaded, 1 an upload failed, 2 usage error, 130 interrupted.
 */
export async function main(
  argv: string[],
  io: CliIo = denoIo(),
): Promise<number> {
  let args: CliArgs;
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
    args = parsed.args;
  } catch (error) {
    return await usage(io, error);
  }

  let url: string, token: string, items: UploadItem[];
  try {
    items = await itemsOf(args);
    ({ url, token } = resolveCredentials(args, io, args.paths[0] === "-"));
    if (args.onConflict === "skip") {
      const nested = items.find((item) => item.relativePath !== undefined);
      if (nested) {
        throw new UsageError(
          `--on-conflict skip cannot check ${
            JSON.stringify(nested.display)
          }: the server checks names in one folder, and the ids of subfolders are not known before upload; use version or copy for directories`,
        );
      }
    }
  } catch (error) {
    return await usage(io, error);
  }

  const mode: ProgressMode = args.quiet
    ? "quiet"
    : io.stderrIsTerminal
    ? "bar"
    : "plain";
  const reporter = new Reporter({
    stdout: io.stdout,
    stderr: io.stderr,
    mode,
    columns: io.columns,
    now: () => performance.now(),
  });
  try {
    return await run(args, items, url, token, io, reporter);
  } finally {
    await reporter.close();
  }
}

async function usage(io: CliIo, error: unknown): Promise<number> {
  if (!(error instanceof UsageError)) throw error;
  await write(
    io.stderr,
    `error: ${error.message}\nRun with --help for usage.\n`,
  );
  return EXIT.usage;
}

async function run(
  args: CliArgs,
  items: UploadItem[],
  url: string,
  token: string,
  io: CliIo,
  reporter: Reporter,
): Promise<number> {
  const signal = io.signal;
  const results: (ItemResult | undefined)[] = items.map(() => undefined);
  const client = new SessionClient({ url, token, fetch: nodeFetch });
  try {
    if (args.chunkSize !== undefined && typeof args.folderId === "number") {
      const { chunkUploadSize } = await client.settings(signal);
      if (chunkUploadSize !== args.chunkSize) {
        await reporter.error(
          `error: --chunk-size ${args.chunkSize} differs from the server's chunkUploadSize ${chunkUploadSize}; uploads into folders with numeric ids need the server's size, so leave --chunk-size out\nRun with --help for usage.`,
        );
        return EXIT.usage;
      }
    }
    if (args.onConflict === "skip") {
      const existing = new Set(
        await client.existingTitles(
          args.folderId,
          items.map((i) => i.fileName),
          signal,
        ),
      );
      for (const [i, item] of items.entries()) {
        if (!existing.has(item.fileName)) continue;
        results[i] = { status: "skipped" };
        await reporter.note(
          `${item.display}: skipped, ${
            JSON.stringify(item.fileName)
          } already exists in folder ${args.folderId}`,
        );
      }
    }
  } catch (error) {
    if (signal.aborted) {
      await reporter.error("Interrupted before any upload started");
      return EXIT.interrupted;
    }
    if (!(error instanceof DocSpaceError)) throw error;
    await reporter.error(`error: ${error.message}`);
    return EXIT.failed;
  }

  const store = new StateStore(stateDirectory(io.env));
  const context = {
    url,
    token,
    folderId: args.folderId,
    createNewIfExist: args.onConflict === "copy",
    ...(args.concurrency !== undefined
      ? { concurrency: args.concurrency }
      : {}),
    ...(args.chunkSize !== undefined ? { chunkSize: args.chunkSize } : {}),
    resume: args.resume,
    store,
    reporter,
    signal,
    stdin: io.stdin,
    now: () => performance.now(),
  };
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (!signal.aborted) {
      const i = next++;
      const item = items[i];
      if (item === undefined) return;
      if (results[i] !== undefined) continue;
      const result = await uploadItem(item, context);
      results[i] = result;
      if (result.status === "uploaded" && !args.json && reporter.verbose) {
        await reporter.out(summaryLine(item, result));
      } else if (result.status === "failed") {
        await reporter.error(`error: ${item.display}: ${result.message}`);
      }
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(FILES_AT_ONCE, items.length) }, worker),
  );
  const elapsed = performance.now() - started;

  const uploaded = results.filter((r) => r?.status === "uploaded");
  if (args.json) {
    const files = uploaded.map((r) => r.file);
    const single = items.length === 1 && items[0]!.file?.inDirectory !== true;
    if (!single) {
      await reporter.out(JSON.stringify(files, null, 2));
    } else if (files.length === 1) {
      await reporter.out(JSON.stringify(files[0], null, 2));
    } else if (results[0]?.status === "skipped") {
      // Nothing was uploaded, and that is no failure: `null`, so a script always reads JSON.
      await reporter.out("null");
    }
  }
  const count = (status: ItemResult["status"]) =>
    results.filter((r) => r?.status === status).length;
  const failed = count("failed");
  const skipped = count("skipped");
  if (signal.aborted) {
    const stopped = results.filter((r) => r?.status === "interrupted");
    const resumable = stopped.some((r) => r.resumable);
    const notStarted = results.filter((r) => r === undefined).length;
    await reporter.error(
      `Interrupted: ${uploaded.length} uploaded, ${stopped.length} stopped${
        notStarted > 0 ? `, ${notStarted} not started` : ""
      }${failed > 0 ? `, ${failed} failed` : ""}${
        resumable ? "; run the same command with --resume to continue" : ""
      }`,
    );
    return EXIT.interrupted;
  }
  if (items.length > 1 || failed > 0 || skipped > 0) {
    const bytes = uploaded.reduce((sum, r) => sum + r.sent, 0);
    await reporter.note(
      `${
        failed > 0 ? "Finished with failures" : "Done"
      }: ${uploaded.length} uploaded (${humanBytes(bytes)} in ${
        humanDuration(elapsed)
      })${skipped > 0 ? `, ${skipped} skipped` : ""}${
        failed > 0 ? `, ${failed} failed` : ""
      }`,
    );
  }
  return failed > 0 ? EXIT.failed : EXIT.ok;
}
