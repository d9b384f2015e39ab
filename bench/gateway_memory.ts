// The Deno entry's peak resident memory (VmHWM of the worker/deno.ts process) while it streams direct uploads
// (`POST /upload/:folderId`) into the emulator (its own process): idle, one 200 MiB upload, and three at once,
// each in a fresh worker process, all in the same run; then the same with Deno's own fetch for comparison.
// Bound: idle + 3 × (chunks in flight: the direct route's 2 chunk requests, each one pooled 10 MiB buffer)
// + a margin of 20 MiB per upload for Deno's own HTTP buffers: its server queues part of a request body that
// arrives faster than the gateway reads it (at DocSpace's pace), and node:http's send side holds a few MiB.
// Neither grows with the file's size.
// Run: deno run -A bench/gateway_memory.ts [MiB]   (default 200)
import { nodeFetch } from "../node_fetch.ts";
import { emulatorProcess } from "./_processes.ts";

const MiB = 1024 * 1024;
const mib = Number(Deno.args[0] ?? 200);
const CHUNKS_IN_FLIGHT = 2 * 10 * MiB;
const MARGIN = 3 * 20 * MiB;
const SECRET = "bench-upload-secret-7Hq2xVb9Lm4Rt8Zk1Wp6QzN3";
const here = (path: string) => new URL(path, import.meta.url).pathname;

function peakRss(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

/** Serves `entry` on loopback and resolves with its URL once it listens. */
async function serve(entry: string, env: Record<string, string>) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net", "--allow-env", here(entry)],
    env: { ...env, PORT: "0", LISTEN_HOST: "127.0.0.1", NO_COLOR: "1" },
    stdout: "piped", // where the entry says "Listening on"
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let banner = "";
  while (!/Listening on (http:\/\/\S+?)\/?\s/.test(banner)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`${entry} did not start: ${banner}`);
    banner += value;
  }
  // Keep reading what it says (a full pipe would stall it), and show it.
  (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      await Deno.stderr.write(new TextEncoder().encode(value));
    }
  })();
  const url = /Listening on (http:\/\/\S+?)\/?\s/.exec(banner)![1]!;
  return {
    url,
    pid: child.pid,
    async [Symbol.asyncDispose]() {
      child.kill("SIGTERM");
      await child.status;
    },
  };
}

/** Peak RSS of a fresh `entry` process after `uploads` concurrent direct uploads of `file`. */
async function measure(
  entry: string,
  env: Record<string, string>,
  uploads: number,
  file: Blob,
): Promise<{ peak: number; seconds: number }> {
  await using worker = await serve(entry, env);
  await (await fetch(`${worker.url}/health`)).body?.cancel();
  const start = performance.now();
  const replies = await Promise.all(
    Array.from({ length: uploads }, async (_, i) => {
      const response = await nodeFetch(
        `${worker.url}/upload/1?name=bench-${i}.bin`,
        {
          method: "POST",
          headers: { authorization: `Bearer ${SECRET}` },
          body: file,
        },
      );
      const text = await response.text();
      if (response.status !== 201) {
        throw new Error(`upload ${i}: HTTP ${response.status}: ${text}`);
      }
      return JSON.parse(text).file.pureContentLength as number;
    }),
  );
  if (replies.some((size) => size !== file.size)) {
    throw new Error(`a file arrived with the wrong size: ${replies}`);
  }
  return {
    peak: peakRss(worker.pid),
    seconds: (performance.now() - start) / 1000,
  };
}

await using portal = await emulatorProcess();
const env = {
  DOCSPACE_URL: portal.url,
  DOCSPACE_TOKEN: portal.token,
  UPLOAD_SECRET: SECRET,
  MAX_BODY_SIZE: String(1024 * MiB),
  PUBLIC_URL: "http://127.0.0.1",
};
const bytes = new Uint8Array(mib * MiB);
for (let at = 0; at < bytes.length; at += 65536) {
  crypto.getRandomValues(bytes.subarray(at, at + 65536));
}
const file = new Blob([bytes]);
const show = (n: number) => `${(n / MiB).toFixed(1)} MiB`;

for (
  const [label, entry] of [
    ["worker/deno.ts", "../worker/deno.ts"],
    ["with Deno's own fetch (before)", "./_deno_fetch_worker.ts"],
  ]
) {
  const idle = await measure(entry!, env, 0, file);
  const one = await measure(entry!, env, 1, file);
  const three = await measure(entry!, env, 3, file);
  const bound = idle.peak + 3 * CHUNKS_IN_FLIGHT + MARGIN;
  console.log(`${label}: peak RSS (VmHWM) of the gateway process`);
  console.log(`  idle:                          ${show(idle.peak)}`);
  console.log(
    `  1 × ${mib} MiB direct upload:      ${show(one.peak)} (+${
      show(one.peak - idle.peak)
    }, ${(mib / one.seconds).toFixed(0)} MiB/s)`,
  );
  console.log(
    `  3 × ${mib} MiB at once:            ${show(three.peak)} (+${
      show(three.peak - idle.peak)
    }, ${(3 * mib / three.seconds).toFixed(0)} MiB/s)`,
  );
  console.log(
    `  bound idle + 3 × ${show(CHUNKS_IN_FLIGHT)} in flight + ${
      show(MARGIN)
    } margin = ${show(bound)}: ${three.peak <= bound ? "met" : "NOT met"}`,
  );
}
