// uploadFile from a file's stream to the emulator on loopback: throughput and the uploading process's
// peak RSS, each run in its own process, against the floor (the same stream read and dropped) measured
// in the same run. Run: deno run -A bench/upload_file.ts [MiB]   (default 1024)
import { emulatorProcess, randomFile } from "./_processes.ts";
const mib = Number(Deno.args[0] ?? 1024);
const MiB = 1024 * 1024;
const here = (path: string) => new URL(path, import.meta.url).pathname;

const path = await Deno.makeTempFile({ suffix: ".bin" });
await randomFile(path, mib);
await using portal = await emulatorProcess();
const { url, token } = portal;

interface Run {
  ms: number;
  peakRss: number;
}

async function run(mode: string, concurrency: number): Promise<Run> {
  const child = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      here("./_upload_child.ts"),
      mode,
      path,
      String(concurrency),
      url,
      token,
    ],
    stderr: "inherit",
  }).output();
  if (!child.success) throw new Error(`bench child ${mode} failed`);
  return JSON.parse(new TextDecoder().decode(child.stdout));
}

try {
  const floor = await run("read", 0);
  const rows: Record<string, Record<string, string>> = {};
  const row = (name: string, r: Run) => {
    rows[name] = {
      "throughput": `${(mib / (r.ms / 1000)).toFixed(0)} MiB/s`,
      "peak RSS": `${(r.peakRss / MiB).toFixed(0)} MiB`,
      "RSS / floor": (r.peakRss / floor.peakRss).toFixed(2),
    };
  };
  row("floor: read the file stream, send nothing", floor);
  const fetch1 = await run("fetch", 1);
  row("uploadFile, Deno fetch, concurrency 1", fetch1);
  const fetch3 = await run("fetch", 3);
  row("uploadFile, Deno fetch, concurrency 3", fetch3);
  const node3 = await run("node", 3);
  row("uploadFile, nodeFetch (CLI), concurrency 3", node3);
  console.log(
    `uploadFile: ${mib} MiB file stream to the emulator on loopback, 10 MiB chunks`,
  );
  console.table(rows);
  console.log(
    `peak RSS at concurrency 3: ${
      (fetch3.peakRss / MiB).toFixed(0)
    } MiB with Deno's fetch, ` +
      `${
        (node3.peakRss / MiB).toFixed(0)
      } MiB with nodeFetch (target < 120 MiB); ` +
      `nodeFetch is ${
        (fetch3.ms / node3.ms).toFixed(2)
      }x the speed of Deno's fetch`,
  );
} finally {
  await Deno.remove(path);
}
