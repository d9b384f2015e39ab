// Run inside tmux by cli_tmux_test.ts: starts an emulator whose numbered chunks are slow, writes some
// files, and runs the CLI on them with this process's terminal, so the test can look at the screen.
// Usage: deno run -A tests/_cli_tmux_portal.ts <dir> <size in KiB> <file count> [latency ms]
import { startEmulator } from "../testing.ts";

const [dir, sizeKiB = "2048", count = "1", latency = "120"] = Deno.args;
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
const cli = new URL("../cli.ts", import.meta.url).pathname;
const { code } = await new Deno.Command(Deno.execPath(), {
  args: ["run", "-A", cli, ...paths, "--folder", "1", "--concurrency", "1"],
  env: {
    DOCSPACE_URL: portal.url,
    DOCSPACE_TOKEN: portal.token,
    DOCSPACE_STATE_DIR: `${dir}/state`,
  },
  cwd: dir,
  stdin: "null",
  stdout: "inherit",
  stderr: "inherit",
}).spawn().status;
console.log(`CLI EXITED ${code}`);
await Deno.writeTextFile(`${dir}/exit-code`, String(code));
