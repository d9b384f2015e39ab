// Files smaller than one chunk: one chunk request stores them (numbered: 200 with the session, then
// finalize 201), and a repeat of that request stores a new version, so it is never re-sent blindly.
import { assertEquals, assertRejects } from "@std/assert";
import { DocSpaceError, uploadFile } from "../../mod.ts";
import { type RunningEmulator, startEmulator } from "../../testing.ts";
import { randomBytes, sha256, streamOf } from "../_helpers.ts";

const CHUNK = 64 * 1024;
const FAST_RETRY = { minDelay: 1, maxDelay: 5 };

/** The log as method, path and query, mode, chunk number and status. */
function requests(portal: RunningEmulator): unknown[][] {
  return portal.emulator.log.map((e) => [
    e.method,
    e.path + e.search,
    e.mode,
    e.chunkNumber,
    e.status,
  ]);
}

/** The requests a small numbered upload makes, from create on, on each server generation. */
function smallSequence(
  serverVersion: "3.6" | "3.7",
  uid: string,
  finalizes = 1,
): unknown[][] {
  const finalize = serverVersion === "3.7"
    ? ["PUT", `/api/2.0/files/1/session/${uid}/finalize`, "finalize"]
    : ["POST", `/ChunkedUploader.ashx?uid=${uid}&finalize=true`, "finalize"];
  return [
    ["GET", "/api/2.0/files/settings", "settings", undefined, 200],
    ...serverVersion === "3.7"
      ? [["POST", "/api/2.0/files/1/session", "session", undefined, 200]]
      : [
        ["POST", "/api/2.0/files/1/session", "session", undefined, 404],
        [
          "POST",
          "/api/2.0/files/1/upload/create_session",
          "create",
          undefined,
          200,
        ],
      ],
    serverVersion === "3.7"
      ? [
        "POST",
        `/api/2.0/files/1/session/${uid}/upload?chunkNumber=1`,
        "small",
        1,
        200,
      ]
      : [
        "POST",
        `/ChunkedUploader.ashx?uid=${uid}&upload=true&chunkNumber=1`,
        "small",
        1,
        200,
      ],
    ...Array.from({ length: finalizes }, () => [...finalize, undefined, 201]),
  ];
}

for (const serverVersion of ["3.7", "3.6"] as const) {
  for (const size of [0, 1000, CHUNK - 1]) {
    Deno.test(`uploadFile sends a ${size}-byte file as create, chunk 1, finalize (server ${serverVersion})`, async () => {
      await using portal = await startEmulator({
        chunkUploadSize: CHUNK,
        serverVersion,
      });
      const bytes = randomBytes(size);
      const file = await uploadFile(streamOf(bytes), {
        url: portal.url,
        token: portal.token,
        folderId: 1,
        fileName: "small.bin",
        fileSize: size,
      });
      assertEquals([file.title, file.version, file.uploaded], [
        "small.bin",
        1,
        true,
      ]);
      const uid = portal.emulator.sessions()[0]!.id;
      assertEquals(requests(portal), smallSequence(serverVersion, uid));
      const stored = portal.emulator.files();
      assertEquals(stored.map((f) => [f.id, f.version]), [[file.id, 1]]);
      assertEquals(await sha256(stored[0]!.bytes), await sha256(bytes));
      // The small chunk is the whole file: its length is the file's.
      assertEquals(
        portal.emulator.log.find((e) => e.mode === "small")?.computedLength,
        size,
      );
    });
  }

  Deno.test(`uploadFile finalizes instead of re-sending a small chunk whose reply was lost (server ${serverVersion})`, async () => {
    await using portal = await startEmulator({
      chunkUploadSize: CHUNK,
      serverVersion,
    });
    portal.emulator.injectFault({
      kind: "drop-after-store",
      match: { mode: "small" },
    });
    const bytes = randomBytes(5000);
    const retries: string[] = [];
    const file = await uploadFile(new Blob([bytes]), {
      url: portal.url,
      token: portal.token,
      folderId: 1,
      fileName: "lost.bin",
      retry: FAST_RETRY,
      onRetry: ({ step }) => retries.push(step),
    });
    // The chunk went once; the finalize's 201 showed the file was stored: one version, no re-send.
    assertEquals(file.version, 1);
    assertEquals(retries, []);
    const uid = portal.emulator.sessions()[0]!.id;
    assertEquals(requests(portal), smallSequence(serverVersion, uid));
    assertEquals(
      portal.emulator.log.find((e) => e.mode === "small")?.fault,
      "drop-after-store",
    );
    const stored = portal.emulator.files();
    assertEquals(stored.map((f) => f.version), [1]);
    assertEquals(await sha256(stored[0]!.bytes), await sha256(bytes));
  });

  Deno.test(`uploadFile re-sends a small chunk only after finalize shows it was not stored (server ${serverVersion})`, async () => {
    await using portal = await startEmulator({
      chunkUploadSize: CHUNK,
      serverVersion,
    });
    // A proxy answers 503 before the server sees the chunk.
    portal.emulator.injectFault({
      kind: "status",
      status: 503,
      match: { mode: "small" },
    });
    const bytes = randomBytes(5000);
    const retries: string[] = [];
    const file = await uploadFile(new Blob([bytes]), {
      url: portal.url,
      token: portal.token,
      folderId: 1,
      fileName: "unsent.bin",
      retry: FAST_RETRY,
      onRetry: ({ step, error }) => retries.push(`${step} ${error.status}`),
    });
    assertEquals(file.version, 1);
    assertEquals(retries, ["chunk 1 503"]);
    // Finalize of a session whose file was never saved answers the unsaved file, id 0: not there.
    assertEquals(
      portal.emulator.log.map((e) => [e.mode, e.status]),
      [
        ["settings", 200],
        ...serverVersion === "3.7"
          ? [["session", 200]]
          : [["session", 404], ["create", 200]],
        ["small", 503],
        ["finalize", 201],
        ["small", 200],
        ["finalize", 201],
      ],
    );
    const stored = portal.emulator.files();
    assertEquals(stored.map((f) => [f.id, f.version]), [[file.id, 1]]);
    assertEquals(await sha256(stored[0]!.bytes), await sha256(bytes));
  });

  Deno.test(`uploadFile gives up on a small chunk that never gets through, with the chunk's error (server ${serverVersion})`, async () => {
    await using portal = await startEmulator({
      chunkUploadSize: CHUNK,
      serverVersion,
    });
    portal.emulator.injectFault({
      kind: "status",
      status: 502,
      times: 100,
      match: { mode: "small" },
    });
    const error = await assertRejects(
      () =>
        uploadFile(new Blob([randomBytes(10)]), {
          url: portal.url,
          token: portal.token,
          folderId: 1,
          fileName: "down.bin",
          retry: { ...FAST_RETRY, attempts: 3 },
        }),
      DocSpaceError,
      "Uploading chunk 1 failed: HTTP 502 Bad Gateway with a non-JSON body (content type text/html), probably from a proxy in front of the portal",
    );
    assertEquals([error.step, error.status, error.transient], [
      "chunk 1",
      502,
      true,
    ]);
    // Each attempt: the chunk, then a finalize to see whether it was stored; then the session is aborted.
    assertEquals(
      portal.emulator.log.filter((e) => e.mode !== "settings").map((e) =>
        e.mode
      ).slice(-7),
      [
        "small",
        "finalize",
        "small",
        "finalize",
        "small",
        "finalize",
        "abort",
      ],
    );
    assertEquals(portal.emulator.files(), []);
    assertEquals(portal.emulator.sessions(), []);
  });

  Deno.test(`uploadFile finalizes again when a small file's finalize reply is lost (server ${serverVersion})`, async () => {
    await using portal = await startEmulator({
      chunkUploadSize: CHUNK,
      serverVersion,
    });
    portal.emulator.injectFault({
      kind: "drop-after-store",
      match: { mode: "finalize" },
    });
    const bytes = randomBytes(3000);
    const file = await uploadFile(new Blob([bytes]), {
      url: portal.url,
      token: portal.token,
      folderId: 1,
      fileName: "f.bin",
      retry: FAST_RETRY,
    });
    // A small file's session stays after finalize, so the repeat answers the same file.
    assertEquals(file.version, 1);
    const uid = portal.emulator.sessions()[0]!.id;
    assertEquals(requests(portal), smallSequence(serverVersion, uid, 2));
    assertEquals(portal.emulator.files().map((f) => f.version), [1]);
  });
}

Deno.test("uploadFile finalizes instead of re-sending a lost sequential small chunk in a third-party folder", async () => {
  await using portal = await startEmulator({ chunkUploadSize: CHUNK });
  portal.emulator.injectFault({
    kind: "drop-after-store",
    match: { mode: "small" },
  });
  const bytes = randomBytes(777);
  const file = await uploadFile(new Blob([bytes]), {
    url: portal.url,
    token: portal.token,
    folderId: "sbox-1",
    fileName: "tp.bin",
    retry: FAST_RETRY,
  });
  assertEquals(typeof file.id, "string");
  assertEquals([file.version, file.folderId], [1, "sbox-1"]);
  assertEquals(portal.emulator.log.map((e) => [e.method, e.mode, e.status]), [
    ["GET", "settings", 200],
    ["POST", "session", 200],
    ["POST", "small", 201],
    ["PUT", "finalize", 201],
  ]);
  const stored = portal.emulator.files();
  assertEquals(stored.map((f) => [f.id, f.version]), [[file.id, 1]]);
  assertEquals(await sha256(stored[0]!.bytes), await sha256(bytes));
});

Deno.test("uploadFile sends a 0-byte file into a third-party folder as one empty sequential chunk", async () => {
  await using portal = await startEmulator({ chunkUploadSize: CHUNK });
  const file = await uploadFile(new Blob([]), {
    url: portal.url,
    token: portal.token,
    folderId: "sbox-1",
    fileName: "empty.txt",
  });
  assertEquals(typeof file.id, "string");
  assertEquals(portal.emulator.file(file.id)?.bytes.length, 0);
  assertEquals(
    portal.emulator.log.map((
      e,
    ) => [e.method, e.mode, e.computedLength, e.status]),
    [
      ["GET", "settings", undefined, 200],
      ["POST", "session", undefined, 200],
      ["POST", "small", 0, 201],
    ],
  );
});
