// Run inside tmux by cli_tmux_test.ts: starts an emulator whose numbered chunks are slow, writes some
// files, and runs the CLI on them with this process's terminal, so the test can look at the screen.
// Usage: deno run -A tests/cli/_tmux_portal.ts <dir> <size in KiB> <file count> [latency ms] [prompt]
// With "prompt", DOCSPACE_TOKEN is left out and the CLI gets the terminal's stdin, so it asks for it.
import { startEmulator } from "../../testing.ts";

const [dir, sizeKiB = "2048", count = "1", latency = "120", prompt] = Deno.args;
if (dir === undefined) {
  throw new Error("usage: _cli_tmux_portal.ts <dir> [KiB] [files] [ms]");
}
await using portal = await startEmulator({ chunkUploadSize: 256 * 1024 });
portal.emulator.injectFault({
  kind: "latency",
  ms: Number(latency),
  times: 10_000,
  match: { mode: "numbered" },
});
const paths: string[] = [];
for (let i = 1; i <= Number(count); i++) {
  const path = `file-${i}.bin`;
  const bytes = new Uint8Array(Number(sizeKiB) * 1024);
  for (let at = 0; at < bytes.length; at += 65536) {
    crypto.getRandomValues(bytes.subarray(at, at + 65536));
  }
  await Deno.writeFile(`${dir}/${path}`, bytes);
  paths.push(path);
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
    ...(prompt === "prompt" ? {} : { DOCSPACE_TOKEN: portal.token }),
    DOCSPACE_STATE_DIR: `${dir}/state`,
  },
  cwd: dir,
  stdin: prompt === "prompt" ? "inherit" : "null",
  stdout: "inherit",
  stderr: "inherit",
}).spawn().status;
console.log(`CLI EXITED ${code}`);
await Deno.writeTextFile(`${dir}/exit-code`, String(code));
