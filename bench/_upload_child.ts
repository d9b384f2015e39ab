// One measured run for bench/upload_file.ts, in its own process so its peak RSS is its own.
// Usage: deno run -A bench/_upload_child.ts <read|fetch|node> <file> <concurrency> [url token]
import { uploadFile } from "../mod.ts";
import { nodeFetch } from "../node_fetch.ts";

const [mode, path, concurrency, url = "", token = ""] = Deno.args;
const { size } = await Deno.stat(path!);
using file = await Deno.open(path!);

const start = performance.now();
if (mode === "read") {
  // The floor: the same file stream, read and dropped.
  for await (const _ of file.readable) { /* dropped */ }
} else {
  await uploadFile(file.readable, {
    url,
    token,
    folderId: 1,
    fileName: "bench.bin",
    fileSize: size,
    concurrency: Number(concurrency),
    ...(mode === "node" ? { fetch: nodeFetch } : {}),
  });
}
const ms = performance.now() - start;
const status = Deno.readTextFileSync("/proc/self/status");
const peakRss = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
console.log(JSON.stringify({ ms, peakRss }));
