// UploadBatch: one budget of requests for many files, within DocSpace's per-user limits, byte-exact.
import { assert, assertEquals, assertRejects } from "@std/assert";
import { DocSpaceError } from "../../src/client/errors.ts";
import { UploadBatch } from "../../src/client/upload_batch.ts";
import { startEmulator } from "../../src/emulator/serve.ts";
import { randomBytes, sha256, streamOf } from "../_helpers.ts";

const CHUNK = 64 * 1024;

/** Files of mixed sizes: most smaller than a chunk, some of several chunks. */
function mixed(
  count: number,
): { name: string; bytes: Uint8Array<ArrayBuffer> }[] {
  return Array.from({ length: count }, (_, i) => ({
    name: `f${i}.bin`,
    bytes: randomBytes(i % 7 === 0 ? 3 * CHUNK + i : 100 + i * 37),
  }));
}

async function assertArrived(
  emulator: { file(id: number | string): { bytes: Uint8Array } | undefined },
  uploaded: { id: number | string }[],
  files: { bytes: Uint8Array }[],
) {
  assertEquals(uploaded.length, files.length);
  for (const [i, file] of uploaded.entries()) {
    assertEquals(
      await sha256(emulator.file(file.id)!.bytes),
      await sha256(files[i]!.bytes),
    );
  }
}

Deno.test("UploadBatch never has more writes in flight than its share of the server's limit, and gets no 429", async () => {
  // The server allows 5 concurrent writes (and says so in maxUploadThreadCount); the batch takes 4.
  await using portal = await startEmulator({
    chunkUploadSize: CHUNK,
    rateLimits: { concurrentWrites: 5 },
  });
  portal.emulator.injectFault({
    kind: "latency",
    ms: 5,
    times: 10_000,
    match: { mode: "numbered" },
  });
  const files = mixed(40);
  const batch = new UploadBatch({
    url: portal.url,
    token: portal.token,
    folderId: 1,
    singleRequest: false,
  });
  const uploaded = await Promise.all(
    files.map((f, i) =>
      batch.upload(i % 2 ? new Blob([f.bytes]) : streamOf(f.bytes), {
        fileName: f.name,
        fileSize: f.bytes.length,
      })
    ),
  );
  await assertArrived(portal.emulator, uploaded, files);
  const stats = portal.emulator.stats();
  assertEquals(stats.refused.total, 0);
  assert((stats.peakConcurrentWrites.admin ?? 0) <= 4, JSON.stringify(stats));
  assertEquals(batch.stats().requests.peakWrites <= 4, true);
  // The settings once for the whole batch.
  assertEquals(
    portal.emulator.log.filter((e) => e.mode === "settings").length,
    1,
  );
});

Deno.test("UploadBatch rides out a storm of 429s: slower, and every file arrives", async () => {
  // The server claims 15 threads but refuses the third concurrent write: the batch learns from the 429s.
  await using portal = await startEmulator({
    chunkUploadSize: CHUNK,
    maxUploadThreadCount: 15,
    rateLimits: { concurrentWrites: 2 },
  });
  portal.emulator.injectFault({
    kind: "latency",
    ms: 3,
    times: 10_000,
    match: { mode: "numbered" },
  });
  const files = mixed(30);
  const retries: string[] = [];
  const batch = new UploadBatch({
    url: portal.url,
    token: portal.token,
    folderId: 1,
    singleRequest: false,
    retry: { minDelay: 1, maxDelay: 20, attempts: 2 },
  });
  const uploaded = await Promise.all(
    files.map((f) =>
      batch.upload(new Blob([f.bytes]), {
        fileName: f.name,
        onRetry: (notice) => retries.push(notice.step),
      })
    ),
  );
  await assertArrived(portal.emulator, uploaded, files);
  const refused = portal.emulator.stats().refused.total;
  assert(refused > 0, "the storm happened");
  assertEquals(batch.stats().requests.refused, refused);
  assert(batch.stats().requests.writeLimit < 12, "the batch slowed down");
  assert(retries.length >= refused);
});

Deno.test("UploadBatch makes each relativePath folder once, however many files go into it at once", async () => {
  await using portal = await startEmulator({ chunkUploadSize: CHUNK });
  const batch = new UploadBatch({
    url: portal.url,
    token: portal.token,
    folderId: 1,
    singleRequest: false,
  });
  const uploaded = await Promise.all(
    Array.from({ length: 24 }, (_, i) =>
      batch.upload(new Blob([`file ${i}`]), {
        fileName: `${i}.txt`,
        relativePath: i % 2 ? "photos/2024" : "photos",
      })),
  );
  const folders = new Set(
    uploaded.map((f) => portal.emulator.folderPath(f.folderId)),
  );
  assertEquals([...folders].sort(), ["photos", "photos/2024"]);
  assertEquals(
    portal.emulator.log.filter((e) => e.mode === "create-folder").length,
    2,
  );
  assertEquals(batch.stats().foldersCreated, 2);
});

Deno.test("UploadBatch fails a file, not the batch, and stops every file when its signal aborts", async () => {
  await using portal = await startEmulator({ chunkUploadSize: CHUNK });
  const batch = new UploadBatch({
    url: portal.url,
    token: portal.token,
    folderId: 1,
    singleRequest: false,
  });
  const bad = batch.upload(new Blob(["x"]), {
    fileName: "x.txt",
    folderId: 999,
  });
  const good = batch.upload(new Blob(["y"]), { fileName: "y.txt" });
  await assertRejects(() => bad, DocSpaceError, "(HTTP 404");
  assertEquals((await good).title, "y.txt");

  const controller = new AbortController();
  const stopping = new UploadBatch({
    url: portal.url,
    token: portal.token,
    folderId: 1,
    signal: controller.signal,
  });
  controller.abort(new Error("stopped"));
  await assertRejects(
    () => stopping.upload(new Blob(["z"]), { fileName: "z.txt" }),
    Error,
    "stopped",
  );
});
