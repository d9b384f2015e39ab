// uploadFile after a crash or a lost reply: a saved state resumes, re-sending only the missing chunks; a lost
// finalize reply is explained; a sequential chunk is never re-sent blindly.
import { assertEquals, assertRejects } from "@std/assert";
import { DocSpaceError, uploadFile } from "../../mod.ts";
// dataStore "s3": its abort always succeeds, and these tests are about asking for it (on the default disk
// storage DocSpace keeps a session once a chunk is stored: tests/emulator/storage_test.ts).
import { startEmulator } from "../../testing.ts";
import { randomBytes, sha256, streamOf } from "../_helpers.ts";
import { crashedUpload } from "./_crashed_upload.ts";

const CHUNK = 64 * 1024;
const FAST_RETRY = { minDelay: 1, maxDelay: 5 };

Deno.test("uploadFile resumes a crashed upload, re-sending only the missing chunks", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    chunkUploadSize: CHUNK,
  });
  const bytes = randomBytes(6 * CHUNK + 9);
  // A fetch that dies on the fifth chunk request, as a killed process would.
  const state = await crashedUpload(portal, bytes, 5);
  assertEquals(portal.emulator.sessions().length, 1);
  assertEquals(state.confirmedChunks, [
    1,
    2,
    3,
    4,
  ]);
  portal.emulator.log.length = 0;
  const file = await uploadFile(streamOf(bytes), {
    url: portal.url,
    token: portal.token,
    folderId: 1,
    fileName: "resume.bin",
    fileSize: bytes.length,
    resume: state,
  });
  assertEquals(
    portal.emulator.log.filter((e) => e.mode === "numbered").map((e) =>
      e.chunkNumber
    ).sort(),
    [5, 6, 7],
  );
  assertEquals(portal.emulator.log.some((e) => e.mode === "create"), false);
  assertEquals(
    await sha256(portal.emulator.file(file.id)!.bytes),
    await sha256(bytes),
  );
});

Deno.test("uploadFile explains a lost finalize reply instead of claiming failure blindly", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    chunkUploadSize: CHUNK,
  });
  portal.emulator.injectFault({
    kind: "drop-after-store",
    match: { mode: "finalize" },
  });
  const error = await assertRejects(
    () =>
      uploadFile(new Blob([randomBytes(2 * CHUNK)]), {
        url: portal.url,
        token: portal.token,
        folderId: 1,
        fileName: "lost.bin",
        retry: FAST_RETRY,
      }),
    DocSpaceError,
    "Finalizing the upload failed: the reply to an earlier attempt was lost and the session is now gone, so the file was most likely created; check the folder before uploading again",
  );
  assertEquals(error.step, "finalize");
  assertEquals(portal.emulator.files().length, 1);
});

Deno.test("uploadFile does not blindly re-send a sequential chunk", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    chunkUploadSize: CHUNK,
  });
  portal.emulator.injectFault({
    kind: "status",
    status: 503,
    match: { mode: "sequential" },
  });
  const error = await assertRejects(
    () =>
      uploadFile(new Blob([randomBytes(3 * CHUNK)]), {
        url: portal.url,
        token: portal.token,
        folderId: "sbox-1",
        fileName: "s.bin",
        retry: FAST_RETRY,
      }),
    DocSpaceError,
    "sequential chunks are not re-sent because the server may have counted this one, so start the upload again",
  );
  assertEquals(error.step, "chunk 1");
  assertEquals(
    portal.emulator.log.filter((e) => e.mode === "sequential").length,
    1,
  );
  assertEquals(portal.emulator.sessions(), []);
});
