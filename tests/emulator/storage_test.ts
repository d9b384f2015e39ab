// Where the emulator keeps uploaded bytes: memory (the default: `file.bytes`), digest (size and SHA-256
// only, hashed in file order as chunks arrive) or a directory (chunks and files on disk).
import { assertEquals, assertThrows } from "@std/assert";
import { uploadFile } from "../../mod.ts";
import {
  DocSpaceEmulator,
  type EmulatorStorage,
  type RunningEmulator,
  startEmulator,
} from "../../testing.ts";
import { createSession, randomBytes, sendChunk, sha256 } from "./_client.ts";

const CHUNK = 64 * 1024;

async function upload(
  server: RunningEmulator,
  bytes: Uint8Array<ArrayBuffer>,
  folderId: number | string,
  fileName: string,
) {
  return await uploadFile(new Blob([bytes]), {
    url: server.url,
    token: server.token,
    folderId,
    fileName,
    concurrency: 4,
  });
}

Deno.test("memory storage (the default) keeps the bytes and gives their SHA-256", async () => {
  assertEquals(new DocSpaceEmulator().options.storage, "memory");
  await using server = await startEmulator({ chunkUploadSize: CHUNK });
  const bytes = randomBytes(5 * CHUNK + 17);
  const file = server.emulator.file(
    (await upload(server, bytes, 1, "m.bin")).id,
  )!;
  assertEquals(file.bytes, bytes);
  assertEquals(file.sha256, await sha256(bytes));
  assertEquals(file.contentLength, bytes.length);
  assertEquals(file.path, undefined);
});

Deno.test("digest storage keeps no bytes: size and SHA-256 only, for chunked, third-party and small files", async () => {
  await using server = await startEmulator({
    chunkUploadSize: CHUNK,
    storage: "digest",
  });
  // Numbered chunks sent four at a time arrive out of order; they are hashed in file order.
  const cases: [number | string, number][] = [
    [1, 20 * CHUNK + 5], // numbered, in parallel
    ["sbox-1", 3 * CHUNK + 9], // third-party: appended
    [1, 1000], // small: one chunk saves the file
  ];
  for (const [folderId, size] of cases) {
    const bytes = randomBytes(size);
    const uploaded = await upload(server, bytes, folderId, `d-${size}.bin`);
    const file = server.emulator.file(uploaded.id)!;
    assertEquals(file.sha256, await sha256(bytes));
    assertEquals(file.contentLength, size);
    assertEquals(Object.keys(file).includes("bytes"), false);
    assertThrows(
      () => file.bytes,
      Error,
      "Cannot read the file's bytes: the emulator's storage is \"digest\", which keeps only each file's size and SHA-256",
    );
  }
});

Deno.test("digest storage: a chunk repeated with the same bytes is fine; with other bytes the SHA-256 says it cannot be known", async () => {
  await using server = await startEmulator({
    chunkUploadSize: 1024,
    storage: "digest",
  });
  const bytes = randomBytes(2048);
  const first = bytes.slice(0, 1024);
  const second = bytes.slice(1024);
  const retried = await createSession(server, {
    fileName: "r.bin",
    fileSize: 2048,
  });
  for (const [part, n] of [[first, 1], [first, 1], [second, 2]] as const) {
    assertEquals((await sendChunk(retried, part, server.token, n)).status, 200);
  }
  const done = await fetch(`${retried}&finalize=true`, {
    method: "POST",
    headers: { authorization: `Bearer ${server.token}` },
  });
  const id = (await done.json()).data.id;
  assertEquals(server.emulator.file(id)!.sha256, await sha256(bytes));

  const changed = await createSession(server, {
    fileName: "c.bin",
    fileSize: 2048,
  });
  const other = randomBytes(1024);
  for (const [part, n] of [[first, 1], [second, 2], [other, 1]] as const) {
    assertEquals((await sendChunk(changed, part, server.token, n)).status, 200);
  }
  const finalized = await fetch(`${changed}&finalize=true`, {
    method: "POST",
    headers: { authorization: `Bearer ${server.token}` },
  });
  const file = server.emulator.file((await finalized.json()).data.id)!;
  assertEquals(file.contentLength, 2048);
  assertThrows(
    () => file.sha256,
    Error,
    "Cannot give the file's SHA-256: chunk 1 was stored again with other bytes after the digest storage had hashed it",
  );
});

Deno.test("directory storage writes each file under <directory>/files, reads bytes back from it, and leaves no chunks behind", async () => {
  const directory = await Deno.makeTempDir({ prefix: "emulator-storage-" });
  try {
    const storage: EmulatorStorage = { directory };
    // S3's abort succeeds (disk's fails once a chunk is stored: data_store_test.ts), so its chunks go.
    await using server = await startEmulator({
      chunkUploadSize: CHUNK,
      storage,
      dataStore: "s3",
    });
    for (
      const [folderId, size] of [
        [1, 9 * CHUNK + 1],
        ["sbox-1", 2 * CHUNK + 3],
        [
          1,
          10,
        ],
      ] as const
    ) {
      const bytes = randomBytes(size);
      const uploaded = await upload(server, bytes, folderId, `f-${size}.bin`);
      const file = server.emulator.file(uploaded.id)!;
      assertEquals(file.path, `${directory}/files/${uploaded.id}`);
      assertEquals(
        await sha256(await Deno.readFile(file.path!)),
        await sha256(bytes),
      );
      assertEquals(file.sha256, await sha256(bytes));
      assertEquals(file.bytes, bytes);
    }
    // An aborted session's chunks go too.
    const aborted = await createSession(server, {
      fileName: "a.bin",
      fileSize: 3 * CHUNK,
    });
    await sendChunk(aborted, randomBytes(CHUNK), server.token, 1);
    assertEquals([...Deno.readDirSync(`${directory}/chunks`)].length, 1);
    await (await fetch(`${aborted}&abort=true`, {
      method: "POST",
      headers: { authorization: `Bearer ${server.token}` },
    })).body?.cancel();
    assertEquals([...Deno.readDirSync(`${directory}/chunks`)], []);
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
});

Deno.test("a storage that is not memory, digest or { directory } is refused", () => {
  assertThrows(
    // deno-lint-ignore no-explicit-any
    () => new DocSpaceEmulator({ storage: "disk" as any }),
    RangeError,
    'Cannot create DocSpaceEmulator: storage must be "memory", "digest" or { directory }, received "disk"',
  );
});
