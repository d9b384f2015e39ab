// uploadFile delivers: byte-exact files from a Blob, a stream or a byte stream in numbered and sequential
// mode on either server generation, the exact request sequence, a file under one chunk as one chunk, and at
// most `concurrency` chunk requests at once.
import { assertEquals } from "@std/assert";
import { uploadFile } from "../../mod.ts";
// dataStore "s3": its abort always succeeds, and these tests are about asking for it (on the default disk
// storage DocSpace keeps a session once a chunk is stored: tests/emulator/storage_test.ts).
import { startEmulator } from "../../testing.ts";
import { byteStreamOf, randomBytes, sha256, streamOf } from "../_helpers.ts";

const CHUNK = 64 * 1024;
const SIZES = [0, 1, 511, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 123];

for (const serverVersion of ["3.7", "3.6"] as const) {
  for (const folderId of [1, "sbox-1"] as const) {
    const mode = typeof folderId === "number" ? "numbered" : "sequential";
    for (const from of ["Blob", "stream", "byte stream"] as const) {
      Deno.test(`uploadFile delivers byte-exact files from a ${from}, ${mode} mode, server ${serverVersion}, sizes ${SIZES}`, async () => {
        await using portal = await startEmulator({
          dataStore: "s3",
          chunkUploadSize: CHUNK,
          serverVersion,
        });
        for (const size of SIZES) {
          const bytes = randomBytes(size);
          const file = await uploadFile(
            from === "Blob"
              ? new Blob([bytes])
              : from === "stream"
              ? streamOf(bytes)
              : byteStreamOf(bytes),
            {
              url: portal.url,
              token: portal.token,
              folderId,
              fileName: `file-${size}.bin`,
              fileSize: size,
            },
          );
          assertEquals(file.title, `file-${size}.bin`);
          assertEquals(file.folderId, folderId);
          assertEquals(typeof file.id, typeof folderId);
          assertEquals(file.version, 1);
          const stored = portal.emulator.file(file.id);
          assertEquals(stored?.bytes.length, size);
          assertEquals(await sha256(stored!.bytes), await sha256(bytes));
        }
        // The server keeps a small file's session after finalize (until it expires); no other stays.
        assertEquals(
          portal.emulator.sessions().map((s) => [s.small, s.bytesTotal]),
          [[true, 0], [true, 1], [true, 511], [true, CHUNK - 1]],
        );
        assertEquals(portal.emulator.files().length, SIZES.length);
        // Chunk sizes follow the server's settings: every chunk but the last is exactly CHUNK bytes.
        const chunks = portal.emulator.log.filter((e) => e.mode === mode);
        const last = chunks.at(-1)!;
        assertEquals(last.computedLength, (3 * CHUNK + 123) % CHUNK);
        assertEquals(chunks.at(-2)?.computedLength, CHUNK);
        assertEquals(
          portal.emulator.log.every((e) =>
            (e.path.includes("/session/") ||
                e.path.endsWith("ChunkedUploader.ashx")) === (
                  e.mode !== "settings" && e.mode !== "create" &&
                  e.mode !== "session"
                ) &&
            e.path.endsWith("ChunkedUploader.ashx") === (
                serverVersion === "3.6" && e.mode !== "settings" &&
                e.mode !== "create" && e.mode !== "session"
              )
          ),
          true,
        );
      });
    }
  }
}

Deno.test("uploadFile sends the exact request sequence for a numbered upload on the REST routes", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    chunkUploadSize: CHUNK,
  });
  const bytes = randomBytes(2 * CHUNK + 5);
  await uploadFile(new Blob([bytes]), {
    url: portal.url,
    token: portal.token,
    folderId: 1,
    fileName: "seq.bin",
    concurrency: 1,
  });
  const uid = portal.emulator.log[2]!.uid;
  const base = `/api/2.0/files/1/session/${uid}`;
  assertEquals(
    portal.emulator.log.map((e) => [
      e.method,
      e.path + e.search,
      e.mode,
      e.chunkNumber,
      e.computedLength,
      e.status,
    ]),
    [
      ["GET", "/api/2.0/files/settings", "settings", undefined, undefined, 200],
      [
        "POST",
        "/api/2.0/files/1/session",
        "session",
        undefined,
        undefined,
        200,
      ],
      ["POST", `${base}/upload?chunkNumber=1`, "numbered", 1, CHUNK, 200],
      ["POST", `${base}/upload?chunkNumber=2`, "numbered", 2, CHUNK, 200],
      ["POST", `${base}/upload?chunkNumber=3`, "numbered", 3, 5, 200],
      ["PUT", `${base}/finalize`, "finalize", undefined, undefined, 201],
    ],
  );
});

Deno.test("uploadFile sends the exact request sequence for a numbered upload on a 3.6 server", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    chunkUploadSize: CHUNK,
    serverVersion: "3.6",
  });
  const bytes = randomBytes(2 * CHUNK + 5);
  await uploadFile(new Blob([bytes]), {
    url: portal.url,
    token: portal.token,
    folderId: 1,
    fileName: "seq.bin",
    concurrency: 1,
  });
  const uid = portal.emulator.log[3]!.uid;
  const location = `/ChunkedUploader.ashx?uid=${uid}`;
  assertEquals(
    portal.emulator.log.map((e) => [
      e.method,
      e.path + e.search,
      e.mode,
      e.chunkNumber,
      e.computedLength,
      e.status,
    ]),
    [
      ["GET", "/api/2.0/files/settings", "settings", undefined, undefined, 200],
      [
        "POST",
        "/api/2.0/files/1/session",
        "session",
        undefined,
        undefined,
        404,
      ],
      [
        "POST",
        "/api/2.0/files/1/upload/create_session",
        "create",
        undefined,
        undefined,
        200,
      ],
      [
        "POST",
        `${location}&upload=true&chunkNumber=1`,
        "numbered",
        1,
        CHUNK,
        200,
      ],
      [
        "POST",
        `${location}&upload=true&chunkNumber=2`,
        "numbered",
        2,
        CHUNK,
        200,
      ],
      ["POST", `${location}&upload=true&chunkNumber=3`, "numbered", 3, 5, 200],
      [
        "POST",
        `${location}&finalize=true`,
        "finalize",
        undefined,
        undefined,
        201,
      ],
    ],
  );
  assertEquals(portal.emulator.sessions(), []);
});

Deno.test("uploadFile sends a file smaller than one chunk as one chunk, then finalize", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    chunkUploadSize: CHUNK,
  });
  const bytes = randomBytes(1000);
  const file = await uploadFile(new File([bytes], "small.txt"), {
    url: portal.url,
    token: portal.token,
    folderId: 1,
  });
  assertEquals([file.title, file.version], ["small.txt", 1]);
  assertEquals(
    portal.emulator.log.map((e) => [e.method, e.mode, e.chunkNumber, e.status]),
    [
      ["GET", "settings", undefined, 200],
      ["POST", "session", undefined, 200],
      ["POST", "small", 1, 200],
      ["PUT", "finalize", undefined, 201],
    ],
  );
  assertEquals(
    await sha256(portal.emulator.file(file.id)!.bytes),
    await sha256(bytes),
  );
});

Deno.test("uploadFile runs at most `concurrency` chunk requests at once, capped by the server", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    chunkUploadSize: CHUNK,
    maxUploadThreadCount: 4,
  });
  const bytes = randomBytes(12 * CHUNK);
  const numbered = (e: { mode: string }) => e.mode === "numbered";
  portal.emulator.injectFault({
    kind: "latency",
    ms: 30,
    times: 100,
    match: { mode: "numbered" },
  });
  await uploadFile(new Blob([bytes]), {
    url: portal.url,
    token: portal.token,
    folderId: 1,
    fileName: "a.bin",
  });
  assertEquals(portal.emulator.peakConcurrency(numbered), 3);

  portal.emulator.log.length = 0;
  portal.emulator.injectFault({
    kind: "latency",
    ms: 30,
    times: 100,
    match: { mode: "numbered" },
  });
  const file = await uploadFile(new Blob([bytes]), {
    url: portal.url,
    token: portal.token,
    folderId: 1,
    fileName: "b.bin",
    concurrency: 10,
  });
  assertEquals(portal.emulator.peakConcurrency(numbered), 4);
  assertEquals(
    await sha256(portal.emulator.file(file.id)!.bytes),
    await sha256(bytes),
  );
});
