// On DocSpace's disk storage an abort after a stored chunk fails (Directory.Delete without `recursive` in
// common/ASC.Data.Storage/DiscStorage/DiscDataStore.cs AbortChunkedUploadAsync) and the session stays until
// it expires: the client says so, and sends such an abort once.
import { assertEquals, assertRejects } from "@std/assert";
import {
  DocSpaceError,
  SessionClient,
  StreamLengthError,
  uploadFile,
} from "../../mod.ts";
import { startEmulator } from "../../testing.ts";
import { randomBytes, streamOf } from "../_helpers.ts";

const CHUNK = 1024;
const NOT_EMPTY =
  "Directory not empty : '/app/onlyoffice/data/Files/temp/uploads/chunks'";
const LEFT =
  "the session was not aborted, so its chunks stay on the server until the session expires (12 hours after its last chunk)";
/** How ChunkedUploaderHandler answers: HTTP 200, `success:false`, the exception's message. */
const LEGACY_REFUSAL = JSON.stringify({ success: false, message: NOT_EMPTY });
/** How the REST route answers: HTTP 500 with the error envelope. */
const REST_REFUSAL = JSON.stringify({
  error: { message: NOT_EMPTY, type: "System.IO.IOException" },
  status: 1,
  statusCode: 500,
});

for (const routes of ["legacy", "rest"] as const) {
  Deno.test(`SessionClient.abort says that a refused abort leaves the chunks on the server, ${routes} routes`, async () => {
    await using portal = await startEmulator({ chunkUploadSize: CHUNK });
    const client = new SessionClient({
      url: portal.url,
      token: portal.token,
      routes,
    });
    const session = await client.createSession(1, {
      fileName: "a.bin",
      fileSize: 3000,
    });
    await client.uploadChunk(session, new Uint8Array(CHUNK), {
      chunkNumber: 1,
    });
    portal.emulator.injectFault({
      kind: "status",
      status: routes === "legacy" ? 200 : 500,
      body: routes === "legacy" ? LEGACY_REFUSAL : REST_REFUSAL,
      match: { mode: "abort" },
    });
    const error = await assertRejects(
      () => client.abort(session),
      DocSpaceError,
    );
    assertEquals(
      error.message,
      routes === "legacy"
        ? `Aborting the upload session failed: ${NOT_EMPTY}; ${LEFT}`
        : `Aborting the upload session failed: ${NOT_EMPTY} (HTTP 500); ${LEFT}`,
    );
    assertEquals(
      [error.step, error.status, error.serverMessage, error.transient],
      ["abort", routes === "legacy" ? 200 : 500, NOT_EMPTY, false],
    );
    assertEquals(portal.emulator.sessions().length, 1);
  });
}

Deno.test("uploadFile's error says that its clean-up abort failed and the chunks stay; the abort is sent once", async () => {
  await using portal = await startEmulator({ chunkUploadSize: CHUNK });
  portal.emulator.injectFault({
    kind: "status",
    status: 400,
    body: JSON.stringify({
      error: { message: "Disk quota exceeded" },
      status: 1,
      statusCode: 400,
    }),
    match: { mode: "numbered", chunkNumber: 3 },
  });
  portal.emulator.injectFault({
    kind: "status",
    status: 500,
    body: REST_REFUSAL,
    times: 10,
    match: { mode: "abort" },
  });
  const error = await assertRejects(
    () =>
      uploadFile(new Blob([randomBytes(4 * CHUNK)]), {
        url: portal.url,
        token: portal.token,
        folderId: 1,
        fileName: "quota.bin",
        concurrency: 1,
      }),
    DocSpaceError,
  );
  assertEquals(
    error.message,
    `Uploading chunk 3 failed: Disk quota exceeded (HTTP 400); then Aborting the upload session failed: ${NOT_EMPTY} (HTTP 500); ${LEFT}`,
  );
  assertEquals([error.step, error.status, error.transient], [
    "chunk 3",
    400,
    false,
  ]);
  assertEquals(
    portal.emulator.log.filter((e) => e.mode === "abort").map((e) => e.status),
    [500],
  );
});

Deno.test("uploadFile's StreamLengthError says that its clean-up abort failed", async () => {
  await using portal = await startEmulator({ chunkUploadSize: CHUNK });
  portal.emulator.injectFault({
    kind: "status",
    status: 200,
    body: LEGACY_REFUSAL,
    match: { mode: "abort" },
  });
  const error = await assertRejects(
    () =>
      uploadFile(streamOf(randomBytes(2 * CHUNK + 10)), {
        url: portal.url,
        token: portal.token,
        folderId: 1,
        fileName: "short.bin",
        fileSize: 3 * CHUNK,
        routes: "legacy",
        concurrency: 1,
      }),
    StreamLengthError,
  );
  assertEquals(
    error.message,
    `Cannot upload "short.bin": the stream ended after 2058 bytes but fileSize is 3072; nothing was finalized; then Aborting the upload session failed: ${NOT_EMPTY}; ${LEFT}`,
  );
  assertEquals([error.expected, error.received], [3072, 2058]);
  assertEquals(portal.emulator.files(), []);
});
