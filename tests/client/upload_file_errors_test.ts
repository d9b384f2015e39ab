// uploadFile under failures: chunks re-sent after 503s and lost replies, Retry-After honoured, a persistent
// proxy page or a 413 failing with a clear error, the server's refusals reported with step, status and
// message, never the token in an error, and an abort mid-upload ending its requests and the session.
import { assertEquals, assertRejects } from "@std/assert";
import { DocSpaceError, uploadFile } from "../../mod.ts";
// dataStore "s3": its abort always succeeds, and these tests are about asking for it (on the default disk
// storage DocSpace keeps a session once a chunk is stored: tests/emulator/storage_test.ts).
import { startEmulator } from "../../testing.ts";
import { randomBytes, sha256, streamOf } from "../_helpers.ts";

const CHUNK = 64 * 1024;
const FAST_RETRY = { minDelay: 1, maxDelay: 5 };

Deno.test("uploadFile re-sends chunks after 503s and lost responses and still delivers every byte", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    chunkUploadSize: CHUNK,
  });
  const bytes = randomBytes(5 * CHUNK + 77);
  portal.emulator.injectFault({
    kind: "status",
    status: 503,
    times: 2,
    match: { chunkNumber: 2 },
  });
  portal.emulator.injectFault({
    kind: "drop-after-store",
    match: { chunkNumber: 4 },
  });
  portal.emulator.injectFault({
    kind: "status",
    status: 502,
    match: { mode: "session" },
  });
  const retries: string[] = [];
  const file = await uploadFile(streamOf(bytes), {
    url: portal.url,
    token: portal.token,
    folderId: 1,
    fileName: "flaky.bin",
    fileSize: bytes.length,
    retry: FAST_RETRY,
    onRetry: ({ step, error }) =>
      retries.push(`${step} ${error.status ?? "lost"}`),
  });
  assertEquals(
    await sha256(portal.emulator.file(file.id)!.bytes),
    await sha256(bytes),
  );
  assertEquals(retries.sort(), [
    "chunk 2 503",
    "chunk 2 503",
    "chunk 4 lost",
    "create 502",
  ]);
  const sends = portal.emulator.log.filter((e) => e.mode === "numbered").map((
    e,
  ) => e.chunkNumber);
  assertEquals(sends.filter((n) => n === 2).length, 3);
  assertEquals(sends.filter((n) => n === 4).length, 2);
});

Deno.test("uploadFile honours Retry-After", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    chunkUploadSize: CHUNK,
  });
  portal.emulator.injectFault({
    kind: "status",
    status: 429,
    retryAfter: 1,
    match: { chunkNumber: 1 },
  });
  const waits: number[] = [];
  await uploadFile(new Blob([randomBytes(CHUNK + 1)]), {
    url: portal.url,
    token: portal.token,
    folderId: 1,
    fileName: "slow.bin",
    retry: FAST_RETRY,
    onRetry: ({ delay }) => waits.push(delay),
  });
  assertEquals(waits, [1000]);
});

Deno.test("uploadFile gives up on a persistent 502 proxy page with a clear error", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    chunkUploadSize: CHUNK,
  });
  portal.emulator.injectFault({
    kind: "status",
    status: 502,
    times: 1000,
    match: { chunkNumber: 1 },
  });
  const error = await assertRejects(
    () =>
      uploadFile(new Blob([randomBytes(2 * CHUNK)]), {
        url: portal.url,
        token: portal.token,
        folderId: 1,
        fileName: "down.bin",
        retry: { ...FAST_RETRY, attempts: 3 },
      }),
    DocSpaceError,
    "Uploading chunk 1 failed: HTTP 502 Bad Gateway with a non-JSON body (content type text/html), probably from a proxy in front of the portal",
  );
  assertEquals(error.step, "chunk 1");
  assertEquals(error.status, 502);
  assertEquals(error.transient, true);
  assertEquals(
    portal.emulator.log.filter((e) =>
      e.chunkNumber === 1 && e.mode === "numbered"
    ).length,
    3,
  );
  assertEquals(portal.emulator.log.at(-1)?.mode, "abort");
  assertEquals(portal.emulator.sessions(), []);
});

Deno.test("uploadFile fails at once on 413 from a proxy, naming the fix", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    chunkUploadSize: CHUNK,
  });
  portal.emulator.injectFault({
    kind: "status",
    status: 413,
    match: { chunkNumber: 1 },
  });
  const error = await assertRejects(
    () =>
      uploadFile(new Blob([randomBytes(2 * CHUNK)]), {
        url: portal.url,
        token: portal.token,
        folderId: 1,
        fileName: "big.bin",
        concurrency: 1,
        retry: FAST_RETRY,
      }),
    DocSpaceError,
    "refused the request body as too large; use a smaller chunk size or raise the proxy's limit",
  );
  assertEquals(error.status, 413);
  assertEquals(
    portal.emulator.log.filter((e) =>
      e.chunkNumber === 1 && e.mode === "numbered"
    ).length,
    1,
  );
  assertEquals(portal.emulator.files(), []);
});

Deno.test("uploadFile reports the server's refusals with step, status and message", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    uploadableExtensions: [".bin"], // files:upload-filter on: .exe refused
    chunkUploadSize: CHUNK,
    maxFileSize: 10 * CHUNK,
    users: [{ id: "admin", tokens: ["good"] }, {
      id: "guest",
      tokens: ["guest"],
    }],
    folders: [{ id: 1 }, { id: 2, writers: ["admin"] }],
  });
  const upload = (
    token: string,
    folderId: number,
    fileName = "x.bin",
    size = 10,
  ) =>
    uploadFile(new Blob([new Uint8Array(size)]), {
      url: portal.url,
      token,
      folderId,
      fileName,
      retry: FAST_RETRY,
    });
  const cases: [() => Promise<unknown>, number, string][] = [
    [() => upload("bad", 1), 401, "Creating the upload session failed: "],
    [
      () => upload("good", 404),
      404,
      "The required folder was not found (HTTP 404: check the folder id and the portal URL)",
    ],
    [
      () => upload("guest", 2),
      403,
      "Access denied (HTTP 403: the token's user may not upload into this folder)",
    ],
    [
      () => upload("good", 1, "huge.bin", 11 * CHUNK),
      402,
      "The maximum file size is exceeded",
    ],
    [
      () => upload("good", 1, "virus.exe"),
      415,
      "Sorry, this file format isn't supported (HTTP 415)",
    ],
  ];
  for (const [promise, status, message] of cases) {
    const error = await assertRejects(promise, DocSpaceError, message);
    assertEquals([error.step, error.status, error.transient], [
      "create",
      status,
      false,
    ]);
  }
  assertEquals(portal.emulator.files(), []);
});

Deno.test("uploadFile never puts the token in an error", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    chunkUploadSize: CHUNK,
  });
  portal.emulator.injectFault({ kind: "status", status: 500, times: 10 });
  const error = await assertRejects(
    () =>
      uploadFile(new Blob([randomBytes(2 * CHUNK)]), {
        url: portal.url,
        token: portal.token,
        folderId: 1,
        fileName: "t.bin",
        retry: { ...FAST_RETRY, attempts: 2 },
      }),
    DocSpaceError,
  );
  const seen = [
    error.message,
    String(error.stack),
    JSON.stringify(error),
    Deno.inspect(error),
  ].join("\n");
  assertEquals(seen.includes(portal.token), false);
  for (const entry of portal.emulator.log) {
    assertEquals(JSON.stringify(entry).includes(portal.token), false);
  }
});

Deno.test("uploadFile aborted mid-upload aborts in-flight requests and the session", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    chunkUploadSize: CHUNK,
  });
  portal.emulator.injectFault({
    kind: "latency",
    ms: 50,
    times: 100,
    match: { mode: "numbered" },
  });
  const controller = new AbortController();
  const reason = new Error("user cancelled");
  const promise = uploadFile(new Blob([randomBytes(20 * CHUNK)]), {
    url: portal.url,
    token: portal.token,
    folderId: 1,
    fileName: "cancel.bin",
    signal: controller.signal,
    onProgress: (p) => {
      if (p.chunksConfirmed === 2) controller.abort(reason);
    },
  });
  const error = await assertRejects(() => promise);
  assertEquals(error, reason);
  assertEquals(portal.emulator.sessions(), []);
  assertEquals(portal.emulator.files(), []);
  assertEquals(portal.emulator.log.filter((e) => e.mode === "abort").length, 1);
  const sent = portal.emulator.log.filter((e) => e.mode === "numbered").length;
  assertEquals(sent < 20, true, `${sent} chunks sent after the abort`);
});
