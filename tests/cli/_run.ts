// Helpers for the CLI tests: run cli.ts as a subprocess against an emulator, in a clean environment,
// with a temporary directory for files and resume state.
import { assertEquals } from "@std/assert";
import { type RunningEmulator, startEmulator } from "../../testing.ts";
import { randomBytes } from "../_helpers.ts";

export const CLI = new URL("../../cli.ts", import.meta.url).pathname;
export const ROOT = new URL("../..", import.meta.url).pathname;

/** What a finished CLI run printed and returned. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** The environment, on top of PATH, HOME and DENO_DIR (nothing else leaks in). */
  env?: Record<string, string>;
  /** Bytes for stdin; stdin is empty (null) otherwise. */
  stdin?: Uint8Array;
}

function environment(env: Record<string, string> = {}): Record<string, string> {
  const base: Record<string, string> = { NO_COLOR: "1" };
  for (const name of ["PATH", "HOME", "DENO_DIR", "XDG_CACHE_HOME"]) {
    const value = Deno.env.get(name);
    if (value !== undefined) base[name] = value;
  }
  return { ...base, ...env };
}

/** How long one CLI run may take before it is killed. */
const CLI_TIMEOUT = 60_000;

/** Starts `deno run -A cli.ts ...args` with piped stdout and stderr. */
export function spawnCli(
  args: string[],
  options: CliOptions = {},
): Deno.ChildProcess {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, ...args],
    cwd: ROOT,
    clearEnv: true,
    env: environment(options.env),
    stdin: options.stdin ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // A CLI that hangs fails its test (killed, with its output) instead of stalling the whole run.
  const timer = setTimeout(() => child.kill("SIGKILL"), CLI_TIMEOUT);
  child.status.finally(() => clearTimeout(timer));
  return child;
}

/** Runs the CLI to the end. */
export async function runCli(
  args: string[],
  options: CliOptions = {},
): Promise<CliRun> {
  const child = spawnCli(args, options);
  if (options.stdin) {
    const writer = child.stdin.getWriter();
    await writer.write(options.stdin);
    await writer.close();
  }
  const output = await child.output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

export { randomBytes, sha256 } from "../_helpers.ts";

/** A temporary directory removed on dispose, with `state` (for DOCSPACE_STATE_DIR) inside it. */
export async function tempDir(): Promise<
  { path: string; state: string } & AsyncDisposable
> {
  const path = await Deno.makeTempDir({ prefix: "docspace-cli-test-" });
  return {
    path,
    state: `${path}/state`,
    [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }),
  };
}

/** Writes random bytes to a file (creating its directory) and returns them. */
export async function writeRandom(
  path: string,
  size: number,
): Promise<Uint8Array<ArrayBuffer>> {
  await Deno.mkdir(path.replace(/\/[^/]*$/, ""), { recursive: true });
  const bytes = randomBytes(size);
  await Deno.writeFile(path, bytes);
  return bytes;
}

/** The resume state files in a state directory (none when it does not exist). */
export async function stateFiles(dir: string): Promise<string[]> {
  try {
    return (await Array.fromAsync(Deno.readDir(dir)))
      .filter((e) => e.isFile && e.name.endsWith(".json"))
      .map((e) => `${dir}/${e.name}`);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
}

/** Polls until `check` returns a value other than undefined, or fails after `timeout` ms. */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  timeout = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The lines of a run's stderr that say `error:`. */
export function errorLines(stderr: string): string[] {
  return stderr.split("\n").filter((line) => line.startsWith("error:"));
}

/** An emulator and a directory whose folder the CLI uploaded once, with the environment to run it again. */
export interface UploadedOnce extends AsyncDisposable {
  portal: RunningEmulator;
  dir: { path: string; state: string };
  env: Record<string, string>;
}

/**
 * Writes `files` (random bytes of the given sizes, by path under `${dir}/${folder}`) and uploads the folder
 * once into folder 1 of a new emulator (64 KiB chunks), checking that the run succeeded.
 */
export async function uploadedOnce(
  folder: string,
  files: Record<string, number>,
): Promise<UploadedOnce> {
  const portal = await startEmulator({ chunkUploadSize: 64 * 1024 });
  const dir = await tempDir();
  for (const [path, size] of Object.entries(files)) {
    await writeRandom(`${dir.path}/${folder}/${path}`, size);
  }
  const env = {
    DOCSPACE_URL: portal.url,
    DOCSPACE_TOKEN: portal.token,
    DOCSPACE_STATE_DIR: dir.state,
  };
  const first = await runCli([`${dir.path}/${folder}`, "--folder", "1"], {
    env,
  });
  assertEquals(first.code, 0, first.stderr);
  return {
    portal,
    dir,
    env,
    async [Symbol.asyncDispose]() {
      await portal.close();
      await dir[Symbol.asyncDispose]();
    },
  };
}

/** A CLI upload started in the background, slowed so a test can catch it part-way. */
export interface SlowUpload {
  /** The file being uploaded, and its bytes. */
  path: string;
  bytes: Uint8Array<ArrayBuffer>;
  /** The environment it runs with (the portal, its token, the test's state folder): for a second run. */
  env: Record<string, string>;
  child: Deno.ChildProcess;
}

/**
 * Writes `size` random bytes to `big.bin` in `dir` and starts the CLI uploading it with `concurrency`
 * chunks at once, every numbered chunk held back 40 ms by the emulator.
 */
export async function startSlowUpload(
  portal: RunningEmulator,
  dir: { path: string; state: string },
  size: number,
  concurrency: number,
): Promise<SlowUpload> {
  const path = `${dir.path}/big.bin`;
  const bytes = await writeRandom(path, size);
  const env = {
    DOCSPACE_URL: portal.url,
    DOCSPACE_TOKEN: portal.token,
    DOCSPACE_STATE_DIR: dir.state,
  };
  portal.emulator.injectFault({
    kind: "latency",
    ms: 40,
    times: 10_000,
    match: { mode: "numbered" },
  });
  const child = spawnCli(
    [path, "--folder", "1", "--concurrency", String(concurrency)],
    { env },
  );
  return { path, bytes, env, child };
}
