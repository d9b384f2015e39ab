// Failed uploads exit 1 with the server's message on stderr, and do not stop the other files.
import { assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
// dataStore "s3": its abort always succeeds, and these tests are about asking for it (on the default disk
// storage DocSpace keeps a session once a chunk is stored: tests/emulator/storage_test.ts).
import { startEmulator } from "../../testing.ts";
import {
  runCli,
  sha256,
  spawnCli,
  stateFiles,
  tempDir,
  waitFor,
  writeRandom,
} from "./_run.ts";

const CHUNK = 64 * 1024;

Deno.test("cli exits 1 with the server's message when the server refuses", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    uploadableExtensions: [".bin"], // files:upload-filter on: .exe refused
    chunkUploadSize: CHUNK,
  });
  await using dir = await tempDir();
  await writeRandom(`${dir.path}/setup.exe`, 100);
  const run = await runCli([`${dir.path}/setup.exe`, "--folder", "1"], {
    env: {
      DOCSPACE_URL: portal.url,
      DOCSPACE_TOKEN: portal.token,
      DOCSPACE_STATE_DIR: dir.state,
    },
  });
  assertEquals(run.code, 1);
  assertEquals(run.stdout, "");
  assertStringIncludes(
    run.stderr,
    `error: ${dir.path}/setup.exe: Uploading the file failed: Sorry, this file format isn't supported (HTTP 415)`,
  );
  assertMatch(
    run.stderr,
    /Finished with failures: 0 uploaded \(0 B in [^)]+\), 1 failed\n$/,
  );
});

Deno.test("cli exits 1 for a folder that does not exist or a token the server refuses", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    chunkUploadSize: CHUNK,
  });
  await using dir = await tempDir();
  await writeRandom(`${dir.path}/a.bin`, 100);
  const env = {
    DOCSPACE_URL: portal.url,
    DOCSPACE_TOKEN: portal.token,
    DOCSPACE_STATE_DIR: dir.state,
  };
  const folder = await runCli([`${dir.path}/a.bin`, "--folder", "999"], {
    env,
  });
  assertEquals(folder.code, 1);
  assertStringIncludes(
    folder.stderr,
    "The required folder was not found (HTTP 404",
  );
  const token = await runCli([`${dir.path}/a.bin`, "--folder", "1"], {
    env: { ...env, DOCSPACE_TOKEN: "wrong" },
  });
  assertEquals(token.code, 1);
  assertStringIncludes(token.stderr, "HTTP 401");
  assertEquals(portal.emulator.files(), []);
});

Deno.test("cli keeps uploading the other files when one fails", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    uploadableExtensions: [".bin"], // files:upload-filter on: .exe refused
    chunkUploadSize: CHUNK,
  });
  await using dir = await tempDir();
  const first = await writeRandom(`${dir.path}/first.bin`, 3 * CHUNK);
  await writeRandom(`${dir.path}/bad.exe`, 3 * CHUNK);
  const last = await writeRandom(`${dir.path}/last.bin`, 3 * CHUNK);
  const run = await runCli(
    [
      `${dir.path}/first.bin`,
      `${dir.path}/bad.exe`,
      `${dir.path}/last.bin`,
      "--folder",
      "1",
      "--json",
    ],
    {
      env: {
        DOCSPACE_URL: portal.url,
        DOCSPACE_TOKEN: portal.token,
        DOCSPACE_STATE_DIR: dir.state,
      },
    },
  );
  assertEquals(run.code, 1);
  assertEquals(
    JSON.parse(run.stdout).map((f: { title: string }) => f.title),
    ["first.bin", "last.bin"],
  );
  assertStringIncludes(
    run.stderr,
    "bad.exe: Creating the upload session failed: Sorry, this file format isn't supported",
  );
  assertMatch(
    run.stderr,
    /Finished with failures: 2 uploaded \(384 KiB in [^)]+\), 1 failed\n$/,
  );
  const files = portal.emulator.files();
  assertEquals(
    await sha256(files.find((f) => f.title === "first.bin")!.bytes),
    await sha256(first),
  );
  assertEquals(
    await sha256(files.find((f) => f.title === "last.bin")!.bytes),
    await sha256(last),
  );
});

Deno.test("cli exits 1 when a chunk keeps failing, and keeps the state for --resume", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    chunkUploadSize: CHUNK,
  });
  await using dir = await tempDir();
  await writeRandom(`${dir.path}/a.bin`, 4 * CHUNK);
  portal.emulator.injectFault({
    kind: "status",
    status: 200,
    body: JSON.stringify({ success: false, message: "Disk quota exceeded" }),
    match: { mode: "numbered", chunkNumber: 3 },
  });
  const run = await runCli([
    `${dir.path}/a.bin`,
    "--folder",
    "1",
    "--concurrency",
    "1",
  ], {
    env: {
      DOCSPACE_URL: portal.url,
      DOCSPACE_TOKEN: portal.token,
      DOCSPACE_STATE_DIR: dir.state,
    },
  });
  assertEquals(run.code, 1);
  assertStringIncludes(run.stderr, "Uploading chunk 3 failed");
  assertStringIncludes(
    run.stderr,
    "progress is saved: the same command again continues it",
  );
  assertEquals((await stateFiles(dir.state)).length, 1);
});

async function changeDuringUpload(change: (path: string) => Promise<void>) {
  await using portal = await startEmulator({
    dataStore: "s3",
    chunkUploadSize: CHUNK,
  });
  await using dir = await tempDir();
  const path = `${dir.path}/moving.bin`;
  await writeRandom(path, 32 * CHUNK);
  portal.emulator.injectFault({
    kind: "latency",
    ms: 30,
    times: 1000,
    match: { mode: "numbered" },
  });
  const child = spawnCli([path, "--folder", "1", "--concurrency", "1"], {
    env: {
      DOCSPACE_URL: portal.url,
      DOCSPACE_TOKEN: portal.token,
      DOCSPACE_STATE_DIR: dir.state,
    },
  });
  await waitFor(
    "the first chunk",
    () =>
      portal.emulator.log.some((e) => e.mode === "numbered" && e.status === 200)
        ? true
        : undefined,
  );
  await change(path);
  const output = await child.output();
  const stderr = new TextDecoder().decode(output.stderr);
  assertEquals(output.code, 1, stderr);
  assertStringIncludes(stderr, "the file changed while it was being uploaded");
  assertEquals(portal.emulator.files(), []);
  // The session of a file of the wrong length is aborted, and no state is left behind.
  assertEquals(portal.emulator.sessions(), []);
  assertEquals(await stateFiles(dir.state), []);
  return stderr;
}

Deno.test("cli fails a file that grows during upload and creates no file", async () => {
  const stderr = await changeDuringUpload(async (path) => {
    const file = await Deno.open(path, { append: true });
    await file.write(new Uint8Array(1000));
    file.close();
  });
  assertStringIncludes(
    stderr,
    "the file changed while it was being uploaded (its size changed from 2097152 to 2098152 bytes); nothing was stored",
  );
});

Deno.test("cli fails a file that shrinks during upload and creates no file", async () => {
  const stderr = await changeDuringUpload(async (path) => {
    await Deno.truncate(path, 10 * CHUNK);
  });
  assertStringIncludes(
    stderr,
    "the file changed while it was being uploaded (its size changed from 2097152 to 655360 bytes); nothing was stored",
  );
});

Deno.test("cli refuses a file modified in place before its upload finalizes, same size or not", async () => {
  const stderr = await changeDuringUpload(async (path) => {
    // Same size, other bytes, a later modification time: only the time tells.
    const file = await Deno.open(path, { write: true });
    await file.write(new Uint8Array(100).fill(7));
    file.close();
    await Deno.utime(path, new Date(), new Date(Date.now() + 5000));
  });
  assertMatch(
    stderr,
    /the file changed while it was being uploaded \(it was modified: \S+ then, \S+ now\); nothing was stored/,
  );
});

Deno.test("cli says when a request is retried and when the next try is (plain lines)", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    chunkUploadSize: CHUNK,
  });
  await using dir = await tempDir();
  const bytes = await writeRandom(`${dir.path}/a.bin`, 4 * CHUNK);
  portal.emulator.injectFault({
    kind: "status",
    status: 503,
    retryAfter: 1,
    match: { mode: "numbered", chunkNumber: 2 },
  });
  const run = await runCli([`${dir.path}/a.bin`, "--folder", "1"], {
    env: {
      DOCSPACE_URL: portal.url,
      DOCSPACE_TOKEN: portal.token,
      DOCSPACE_STATE_DIR: dir.state,
    },
  });
  assertEquals(run.code, 0, run.stderr);
  assertStringIncludes(
    run.stderr,
    `${dir.path}/a.bin: chunk 2 failed (HTTP 503 Service Unavailable with a non-JSON body (content type text/html), probably from a proxy in front of the portal, retry after 1); retrying in 1s (attempt 2)\n`,
  );
  assertEquals(
    await sha256(portal.emulator.files()[0]!.bytes),
    await sha256(bytes),
  );
});

Deno.test("cli stdin shorter than --size at the default concurrency points at --size (no detached buffer)", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    chunkUploadSize: CHUNK,
  });
  await using dir = await tempDir();
  portal.emulator.injectFault({
    kind: "latency",
    ms: 20,
    times: 1000,
    match: { mode: "numbered" },
  });
  for (const sent of [10 * CHUNK + 5, CHUNK - 1, 0]) {
    const run = await runCli(
      ["-", "--size", "2MiB", "--name", "short.dat", "--folder", "1"],
      {
        env: {
          DOCSPACE_URL: portal.url,
          DOCSPACE_TOKEN: portal.token,
          DOCSPACE_STATE_DIR: dir.state,
        },
        stdin: new Uint8Array(sent),
      },
    );
    assertEquals(run.code, 1, run.stderr);
    assertStringIncludes(
      run.stderr,
      `error: stdin: only ${sent} bytes arrived, but --size is 2097152; nothing was stored: give --size the exact size\n`,
    );
    assertEquals(run.stderr.includes("detached"), false, run.stderr);
  }
  assertEquals(portal.emulator.files(), []);
  assertEquals(portal.emulator.sessions(), []);
});
