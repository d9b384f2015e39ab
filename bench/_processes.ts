// Helpers shared by the benchmarks: the emulator in its own process, and a file of random bytes.
const MiB = 1024 * 1024;
const here = (path: string) => new URL(path, import.meta.url).pathname;

/**
 * An emulator served by `deno run -A testing.ts --port 0` in its own process, or by another script that
 * prints the same banner (bench/_emulator_with_stats.ts).
 */
export async function emulatorProcess(
  script: string = here("../testing.ts"),
): Promise<
  { url: string; token: string; process: Deno.ChildProcess } & AsyncDisposable
> {
  const process = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      script,
      "--port",
      "0",
      // the emulator as it was measured: every byte in memory (the served default keeps digests)
      "--storage",
      "memory",
    ],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = process.stdout.pipeThrough(new TextDecoderStream())
    .getReader();
  let banner = "";
  while (!/Token: (\S+)/.test(banner)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`The emulator did not start: ${banner}`);
    banner += value;
  }
  reader.releaseLock();
  process.stdout.cancel().catch(() => {});
  return {
    url: /listening on (\S+)/.exec(banner)![1]!,
    token: /Token: (\S+)/.exec(banner)![1]!,
    process,
    async [Symbol.asyncDispose]() {
      process.kill("SIGTERM");
      await process.status;
    },
  };
}

/** Writes a file of random bytes, 1 MiB at a time. */
export async function randomFile(path: string, mib: number): Promise<void> {
  using file = await Deno.open(path, { write: true, create: true });
  const block = new Uint8Array(MiB);
  for (let i = 0; i < mib; i++) {
    for (let at = 0; at < MiB; at += 65536) {
      crypto.getRandomValues(block.subarray(at, at + 65536));
    }
    await file.write(block);
  }
}
