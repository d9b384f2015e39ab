// The CLI's peak resident memory on a big upload: VmHWM from /proc/<pid>/status of the CLI process,
// sampled until it exits, against the emulator on loopback (its own process).
// Run: deno run -A bench/cli_memory.ts [MiB] [concurrency]   (default 1024 MiB, the CLI's default 3)
import { emulatorProcess, randomFile } from "./_processes.ts";

const MiB = 1024 * 1024;
const TARGET = 120 * MiB;
const mib = Number(Deno.args[0] ?? 1024);
const concurrency = Deno.args[1];

function peakRss(pid: number): number | undefined {
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    const kib = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
    // A process that has exited but not been reaped has no VmHWM line.
    return kib === undefined ? undefined : Number(kib) * 1024;
  } catch {
    return undefined; // Gone.
  }
}

const work = await Deno.makeTempDir({ prefix: "docspace-bench-" });
try {
  await using portal = await emulatorProcess();
  const file = `${work}/big.bin`;
  await randomFile(file, mib);
  const start = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("../cli.ts", import.meta.url).pathname,
      file,
      "--folder",
      "1",
      "--quiet",
      ...(concurrency ? ["--concurrency", concurrency] : []),
    ],
    env: {
      DOCSPACE_URL: portal.url,
      DOCSPACE_TOKEN: portal.token,
      DOCSPACE_STATE_DIR: `${work}/state`,
    },
    stdout: "null",
  }).spawn();
  let peak = 0;
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });
  while (!exited) {
    peak = Math.max(peak, peakRss(child.pid) ?? 0);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const { code } = await status;
  const seconds = (performance.now() - start) / 1000;
  if (code !== 0) throw new Error(`The CLI exited with code ${code}`);
  console.log(
    `CLI uploading ${mib} MiB (concurrency ${
      concurrency ?? "3, the default"
    }, the emulator's 10 MiB chunks) in ${seconds.toFixed(1)} s (${
      (mib / seconds).toFixed(0)
    } MiB/s)`,
  );
  console.log(
    `Peak RSS (VmHWM, sampled every 10 ms until exit): ${
      (peak / MiB).toFixed(1)
    } MiB; target < ${TARGET / MiB} MiB: ${peak < TARGET ? "met" : "NOT met"}`,
  );
} finally {
  await Deno.remove(work, { recursive: true });
}
