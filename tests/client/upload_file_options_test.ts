// uploadFile's options: checked before any request, and the chunk size, which must be the server's in a
// numeric folder and may be smaller in a third-party folder (progress in full either way).
import { assertEquals, assertRejects } from "@std/assert";
import { uploadFile, type UploadProgress } from "../../mod.ts";
// dataStore "s3": its abort always succeeds, and these tests are about asking for it (on the default disk
// storage DocSpace keeps a session once a chunk is stored: tests/emulator/storage_test.ts).
import { startEmulator } from "../../testing.ts";
import { randomBytes, sha256, streamOf } from "../_helpers.ts";

const CHUNK = 64 * 1024;

Deno.test("uploadFile checks its options before any request", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    chunkUploadSize: CHUNK,
  });
  const base = {
    url: portal.url,
    token: portal.token,
    folderId: 1,
    fileName: "o.bin",
  };
  const blob = new Blob([new Uint8Array(10)]);
  await assertRejects(
    () => uploadFile(blob, { ...base, chunkSize: 1000 }),
    RangeError,
    "multiple of 512",
  );
  await assertRejects(
    () => uploadFile(blob, { ...base, fileSize: 11 }),
    RangeError,
    "fileSize is 11 but the Blob has 10 bytes",
  );
  await assertRejects(
    () => uploadFile(streamOf(new Uint8Array(3)), base),
    TypeError,
    "fileSize is required for a stream",
  );
  await assertRejects(
    () => uploadFile(blob, { ...base, fileName: undefined as never }),
    TypeError,
    "fileName is required",
  );
  await assertRejects(
    () => uploadFile(blob, { ...base, folderId: 0 }),
    TypeError,
    "folderId must be a positive integer",
  );
  await assertRejects(
    () => uploadFile(blob, { ...base, concurrency: 0 }),
    RangeError,
    "concurrency must be a positive integer",
  );
  await assertRejects(
    () => uploadFile(blob, { ...base, url: "ftp://x" }),
    TypeError,
    "url must be the portal's http(s) URL",
  );
  await assertRejects(
    () => uploadFile(blob, { ...base, token: "" }),
    TypeError,
    "token is empty",
  );
  assertEquals(portal.emulator.log, []);
  await assertRejects(
    () =>
      uploadFile(new Blob([new Uint8Array(3 * CHUNK)]), {
        ...base,
        chunkSize: CHUNK / 2,
      }),
    RangeError,
    `chunkSize ${CHUNK / 2} differs from the server's chunkUploadSize ${CHUNK}`,
  );
  assertEquals(portal.emulator.log.map((e) => e.mode), ["settings"]);
});

Deno.test("uploadFile refuses a chunk size other than the server's in sequential mode for a numeric folder", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    chunkUploadSize: CHUNK,
  });
  const base = {
    url: portal.url,
    token: portal.token,
    fileName: "small-chunks.bin",
    mode: "sequential",
  } as const;
  const blob = new Blob([randomBytes(2 * CHUNK + 1)]);
  for (const folderId of [1, "1"]) {
    await assertRejects(
      () => uploadFile(blob, { ...base, folderId, chunkSize: CHUNK / 4 }),
      RangeError,
      `Cannot upload "small-chunks.bin": chunkSize ${
        CHUNK / 4
      } differs from the server's chunkUploadSize ${CHUNK}; folders with numeric ids need the server's size in both modes (other sizes work only in third-party folders), so leave chunkSize out`,
    );
  }
  // The server refuses chunks larger than its own size everywhere.
  await assertRejects(
    () =>
      uploadFile(blob, { ...base, folderId: "sbox-1", chunkSize: 2 * CHUNK }),
    RangeError,
    `Cannot upload "small-chunks.bin": chunkSize ${
      2 * CHUNK
    } is larger than the server's chunkUploadSize ${CHUNK}, and the server refuses larger chunks`,
  );
  assertEquals(portal.emulator.log.map((e) => e.mode), [
    "settings",
    "settings",
    "settings",
  ]);
  assertEquals(portal.emulator.sessions(), []);
});

for (const serverVersion of ["3.7", "3.6"] as const) {
  Deno.test(`uploadFile sends a smaller chunk size into a third-party folder when asked (server ${serverVersion})`, async () => {
    await using portal = await startEmulator({
      dataStore: "s3",
      chunkUploadSize: CHUNK,
      serverVersion,
    });
    const bytes = randomBytes(2 * CHUNK + 1);
    const file = await uploadFile(new Blob([bytes]), {
      url: portal.url,
      token: portal.token,
      folderId: "sbox-1",
      fileName: "small-chunks.bin",
      chunkSize: CHUNK / 4,
    });
    assertEquals(typeof file.id, "string");
    assertEquals(file.id, file.file.id);
    const sent = portal.emulator.log.filter((e) => e.mode === "sequential");
    assertEquals(sent.map((e) => e.computedLength), [
      ...Array(8).fill(CHUNK / 4),
      1,
    ]);
    assertEquals(sent.map((e) => e.status), [...Array(8).fill(200), 201]);
    assertEquals(
      await sha256(portal.emulator.file(file.id)!.bytes),
      await sha256(bytes),
    );
  });
}

Deno.test("uploadFile reports a small file's progress in full even with a smaller chunk size asked", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    chunkUploadSize: CHUNK,
  });
  const seen: UploadProgress[] = [];
  const bytes = randomBytes(CHUNK / 2 + 5);
  await uploadFile(new Blob([bytes]), {
    url: portal.url,
    token: portal.token,
    folderId: "sbox-1",
    fileName: "small-seq.bin",
    chunkSize: CHUNK / 8,
    onProgress: (p) => seen.push(p),
  });
  assertEquals(seen.at(-1), {
    bytesSent: bytes.length,
    bytesConfirmed: bytes.length,
    totalBytes: bytes.length,
    chunksConfirmed: 1,
    totalChunks: 1,
  });
  // A sequential chunk completes a small file at once (201): no finalize.
  assertEquals(
    portal.emulator.log.map((e) => [e.method, e.mode, e.status]),
    [
      ["GET", "settings", 200],
      ["POST", "session", 200],
      ["POST", "small", 201],
    ],
  );
});

for (const serverVersion of ["3.7", "3.6"] as const) {
  Deno.test(`uploadFile sends sequential chunks of the server's size into a numeric folder (server ${serverVersion})`, async () => {
    await using portal = await startEmulator({
      dataStore: "s3",
      chunkUploadSize: CHUNK,
      serverVersion,
    });
    const bytes = randomBytes(2 * CHUNK + 7);
    const file = await uploadFile(streamOf(bytes), {
      url: portal.url,
      token: portal.token,
      folderId: 1,
      fileName: "seq-native.bin",
      fileSize: bytes.length,
      mode: "sequential",
    });
    assertEquals([typeof file.id, file.version], ["number", 1]);
    // The server numbers them by arrival and counts chunkUploadSize pieces; the last completes the file.
    const sent = portal.emulator.log.filter((e) => e.mode === "sequential");
    assertEquals(sent.map((e) => [e.method, e.computedLength, e.status]), [
      ["POST", CHUNK, 200],
      ["POST", CHUNK, 200],
      ["POST", 7, 201],
    ]);
    assertEquals(
      sent.every((e) =>
        serverVersion === "3.7"
          ? e.path.endsWith(`/api/2.0/files/1/session/${e.uid}`) &&
            e.search === ""
          : e.search === `?uid=${e.uid}`
      ),
      true,
    );
    assertEquals(portal.emulator.log.some((e) => e.mode === "finalize"), false);
    assertEquals(
      await sha256(portal.emulator.file(file.id)!.bytes),
      await sha256(bytes),
    );
    assertEquals(portal.emulator.sessions(), []);
  });
}
