// Run inside tmux by tmux_test.ts: starts an emulator whose numbered chunks are slow, writes some
// files, and runs the CLI on them with this process's terminal, so the test can look at the screen.
// Usage: deno run -A tests/cli/_tmux_portal.ts <dir> '<json>', the JSON a PaneSetup (below).
// With `prompt`, DOCSPACE_TOKEN is left out and the CLI gets the terminal's stdin, so it asks for it.
import { type Fault, startEmulator } from "../../testing.ts";

/** What the pane runs. */
export interface PaneSetup {
  /** The files to write and upload, in KiB. @default {[{ name: "file-1.bin", kib: 2048 }]} */
  files?: { name: string; kib: number }[];
  /** Milliseconds each numbered chunk waits. @default {120} */
  latency?: number;
  /** Leave the token out, so the CLI asks for it. */
  prompt?: boolean;
  /** A fault to inject besides the latency. */
  fault?: Fault;
}

const [dir, json = "{}"] = Deno.args;
if (dir === undefined) throw new Error("usage: _tmux_portal.ts <dir> [json]");
const setup: PaneSetup = JSON.parse(json);
await using portal = await startEmulator({ chunkUploadSize: 256 * 1024 });
if (setup.fault) portal.emulator.injectFault(setup.fault);
portal.emulator.injectFault({
  kind: "latency",
  ms: setup.latency ?? 120,
  times: 10_000,
  match: { mode: "numbered" },
});
const paths: string[] = [];
for (
  const { name, kib } of setup.files ?? [{ name: "file-1.bin", kib: 2048 }]
) {
  const bytes = new Uint8Array(kib * 1024);
  for (let at = 0; at < bytes.length; at += 65536) {
    crypto.getRandomValues(bytes.subarray(at, at + 65536));
  }
  await Deno.writeFile(`${dir}/${name}`, bytes);
  paths.push(name);
}
const cli = new URL("../../cli.ts", import.meta.url).pathname;
// Ctrl-C in the pane goes to the whole process group: this script stays to report the CLI's exit code.
Deno.addSignalListener("SIGINT", () => {});
const inherited: Record<string, string> = {};
for (const name of ["PATH", "HOME", "DENO_DIR", "XDG_CACHE_HOME", "TERM"]) {
  const value = Deno.env.get(name);
  if (value !== undefined) inherited[name] = value;
}
const { code } = await new Deno.Command(Deno.execPath(), {
  args: ["run", "-A", cli, ...paths, "--folder", "1", "--concurrency", "1"],
  clearEnv: true,
  env: {
    ...inherited,
    DOCSPACE_URL: portal.url,
    ...(setup.prompt ? {} : { DOCSPACE_TOKEN: portal.token }),
    DOCSPACE_STATE_DIR: `${dir}/state`,
  },
  cwd: dir,
  stdin: setup.prompt ? "inherit" : "null",
  stdout: "inherit",
  stderr: "inherit",
}).spawn().status;
console.log(`CLI EXITED ${code}`);
await Deno.writeTextFile(`${dir}/exit-code`, String(code));
