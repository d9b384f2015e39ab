// Helpers for the install tests: scratch projects in temporary folders outside the repository, the tools they
// need, and a copy of the checkout as a fresh clone has it.
import { assertEquals } from "@std/assert";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository's root folder. */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");

/** Why `command --version` cannot run, or undefined when it can. */
export function missingTool(command: string): string | undefined {
  try {
    const { success } = new Deno.Command(command, {
      args: ["--version"],
      stdout: "null",
      stderr: "null",
    }).outputSync();
    return success ? undefined : `${command} --version failed`;
  } catch {
    return `no ${command} on PATH (install Node.js 20+ with npm)`;
  }
}

/** What a finished command printed. */
export interface Ran {
  stdout: string;
  stderr: string;
}

/** Runs a command to its end and asserts it succeeded, with its output in the message when not. */
export async function run(
  command: string,
  args: string[],
  options: { cwd: string; env?: Record<string, string> },
): Promise<Ran> {
  const { code, stdout, stderr } = await new Deno.Command(command, {
    args,
    cwd: options.cwd,
    ...(options.env ? { env: options.env } : {}),
    stdin: "null",
  }).output();
  const out = {
    stdout: new TextDecoder().decode(stdout),
    stderr: new TextDecoder().decode(stderr),
  };
  assertEquals(
    code,
    0,
    `${command} ${
      args.join(" ")
    } exited ${code}:\n${out.stdout}\n${out.stderr}`,
  );
  return out;
}

/**
 * Copies the files a clone of this repository has (tracked ones and new ones git does not ignore, as they
 * are in the work tree) into `dest`, so a test installs from what a user's fresh clone holds, and nothing
 * left over from local runs (node_modules, dist, caches).
 */
export async function copyCheckout(dest: string): Promise<void> {
  const { stdout } = await run("git", [
    "ls-files",
    "-z",
    "--cached",
    "--others",
    "--exclude-standard",
  ], { cwd: ROOT });
  for (const path of stdout.split("\0").filter((p) => p !== "")) {
    const from = join(ROOT, path);
    try {
      if (!(await Deno.lstat(from)).isFile) continue;
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) continue; // deleted in the work tree
      throw error;
    }
    await Deno.mkdir(dirname(join(dest, path)), { recursive: true });
    await Deno.copyFile(from, join(dest, path));
  }
}

/** A temporary folder (outside the repository), removed when disposed. */
export async function scratchDir(
  prefix: string,
): Promise<{ path: string } & AsyncDisposable> {
  const path = await Deno.makeTempDir({ prefix });
  return {
    path,
    [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }),
  };
}
