// uploadFiles: any iterable of entries through one batch, with per-file and whole-batch progress, in flat
// memory whatever the sizes.
import { assert, assertEquals } from "@std/assert";
import { DocSpaceError } from "../../src/client/errors.ts";
import {
  type BatchProgress,
  uploadFiles,
} from "../../src/client/upload_files.ts";
import { startEmulator } from "../../src/emulator/serve.ts";
import { randomBytes, sha256 } from "../_helpers.ts";

const MiB = 1024 * 1024;

Deno.test("uploadFiles mixes tiny files and a 1 GiB stream: byte-exact, results in order, the client's memory flat", async () => {
  await using portal = await startEmulator({
    chunkUploadSize: 4 * MiB,
    storage: "digest",
  });
  // The client runs in its own process, so that its peak memory is its own.
  const child = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("./_upload_files_child.ts", import.meta.url).pathname,
      portal.url,
      portal.token,
      String(1024 * MiB),
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(child.stderr);
  assertEquals(child.code, 0, stderr);
  const out = JSON.parse(new TextDecoder().decode(child.stdout));
  assertEquals(out.files.length, 101);
  assertEquals(out.files[10].title, "big.bin");
  assertEquals(portal.emulator.file(out.files[10].id)?.sha256, out.bigSha256);
  for (let i = 0; i < 100; i++) {
    const file = out.files[i < 10 ? i : i + 1];
    assertEquals(file.title, `${i}.bin`);
    assertEquals(
      portal.emulator.file(file.id)?.sha256,
      await sha256(new Uint8Array(i * 13).fill(i)),
    );
  }
  assertEquals(out.inserted, 100);
  assertEquals(portal.emulator.stats().refused.total, 0);
  // The stream is held as its chunks in flight (3 of 4 MiB), not whole: far below its 1 GiB.
  assert(out.grownMiB < 128, `the client's RSS grew by ${out.grownMiB} MiB`);
});

Deno.test("uploadFiles reports progress per file and for the batch, in order", async () => {
  await using portal = await startEmulator({ chunkUploadSize: 64 * 1024 });
  const files = Array.from({ length: 20 }, (_, i) => randomBytes(i * 9000));
  const seen: BatchProgress[] = [];
  let ended = 0;
  const { results } = await uploadFiles(
    files.map((bytes, i) => ({
      source: new Blob([bytes]),
      fileName: `${i}.bin`,
    })),
    {
      url: portal.url,
      token: portal.token,
      folderId: 1,
      lookahead: 4,
      onBatchProgress: (p) => seen.push(p),
      onFile: () => ended++,
    },
  );
  assertEquals(ended, 20);
  for (const [i, bytes] of files.entries()) {
    assertEquals(results[i]?.file?.title, `${i}.bin`);
    assertEquals(
      portal.emulator.file(results[i]!.file!.id)?.sha256,
      await sha256(bytes),
    );
  }
  const last = seen.at(-1)!;
  assertEquals([last.files, last.uploaded, last.failed], [20, 20, 0]);
  assertEquals(last.bytesConfirmed, last.totalBytes);
  for (let i = 1; i < seen.length; i++) {
    assert(seen[i]!.bytesConfirmed >= seen[i - 1]!.bytesConfirmed);
  }
});

Deno.test("uploadFiles reports a failed entry and goes on with the rest", async () => {
  await using portal = await startEmulator();
  const { results } = await uploadFiles([
    { source: new Blob(["a"]), fileName: "a.txt" },
    { source: new Blob(["x"]), fileName: "x.txt", folderId: 999 },
    { source: () => new Blob(["b"]), fileName: "b.txt" },
  ], { url: portal.url, token: portal.token, folderId: 1 });
  assertEquals(results[0]?.file?.title, "a.txt");
  assert(results[1]?.error instanceof DocSpaceError);
  assertEquals((results[1]?.error as DocSpaceError).status, 404);
  assertEquals(results[2]?.file?.title, "b.txt");
});
