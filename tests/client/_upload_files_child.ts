// A client process for upload_files_test.ts: uploads 100 tiny files and a 1 GiB patterned stream with
// uploadFiles to the emulator at argv[0], and prints the results, the stream's SHA-256 and its own peak RSS,
// so that the test measures the client's memory alone.
import { createHash } from "node:crypto";
import { nodeFetch } from "../../node_fetch.ts";
import { uploadFiles } from "../../src/client/upload_files.ts";

const MiB = 1024 * 1024;
const [url, token, size] = Deno.args as [string, string, string];
const total = Number(size);
const pattern = crypto.getRandomValues(new Uint8Array(65536));
const hash = createHash("sha256");
let sent = 0;
const big = new ReadableStream<Uint8Array>({
  pull(controller) {
    if (sent >= total) return controller.close();
    const piece = new Uint8Array(Math.min(MiB, total - sent));
    for (let i = 0; i < piece.length; i += pattern.length) {
      piece.set(
        pattern.subarray(0, Math.min(pattern.length, piece.length - i)),
        i,
      );
    }
    hash.update(piece);
    sent += piece.length;
    controller.enqueue(piece);
  },
}, { highWaterMark: 0 });
const tiny = Array.from(
  { length: 100 },
  (_, i) => new Uint8Array(i * 13).fill(i),
);
async function* entries() {
  for (const [i, bytes] of tiny.entries()) {
    if (i === 10) yield { source: big, fileName: "big.bin", fileSize: total };
    yield { source: new Blob([bytes]), fileName: `${i}.bin` };
  }
}
const before = Deno.memoryUsage().rss;
let peak = before;
const sampler = setInterval(() => {
  peak = Math.max(peak, Deno.memoryUsage().rss);
}, 10);
const { results, stats } = await uploadFiles(entries(), {
  url,
  token,
  folderId: 1,
  fetch: nodeFetch,
});
clearInterval(sampler);
console.log(JSON.stringify({
  files: results.map((r) =>
    r.file ? { id: r.file.id, title: r.file.title } : null
  ),
  bigSha256: hash.digest("hex"),
  inserted: stats.inserted,
  grownMiB: (peak - before) / MiB,
}));
