// Failures every file would meet stop the batch at once, with one message: a refused token or
// permission, a portal that cannot be reached (in a few seconds, not after minutes of retries), a
// redirect (named where it points).
import {
  assert,
  assertEquals,
  assertMatch,
  assertStringIncludes,
} from "@std/assert";
// dataStore "s3": its abort always succeeds, and these tests are about asking for it (on the default disk
// storage DocSpace keeps a session once a chunk is stored: tests/emulator/storage_test.ts).
import { startEmulator } from "../../testing.ts";
import { errorLines, runCli, tempDir, writeRandom } from "./_run.ts";

const CHUNK = 64 * 1024;

/** Three files in a fresh directory. */
async function threeFiles(dir: string): Promise<string[]> {
  const paths = [`${dir}/a.bin`, `${dir}/b.bin`, `${dir}/c.bin`];
  for (const path of paths) await writeRandom(path, 3 * CHUNK);
  return paths;
}

Deno.test("cli stops the batch at the first 401, with one message", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    chunkUploadSize: CHUNK,
  });
  await using dir = await tempDir();
  const run = await runCli([...await threeFiles(dir.path), "--folder", "1"], {
    env: {
      DOCSPACE_URL: portal.url,
      DOCSPACE_TOKEN: "wrong",
      DOCSPACE_STATE_DIR: dir.state,
    },
  });
  assertEquals(run.code, 1);
  assertEquals(run.stdout, "");
  const errors = errorLines(run.stderr);
  assertEquals(errors.length, 1, run.stderr);
  assertMatch(
    errors[0]!,
    // DocSpace answers a refused token with the authentication challenge: 401 and an empty body.
    /^error: Creating the upload session failed: HTTP 401 Unauthorized with an empty body: check the token/,
  );
  assertMatch(run.stderr, /\nStopped: 0 uploaded, .*\n$/);
  assert(!run.stderr.includes("--help"), run.stderr);
  // The two large files that started at once were refused; the third never started. The batch reads the
  // settings once, whatever the number of files.
  assertMatch(
    run.stderr,
    /\nStopped: 0 uploaded, 1 stopped, 1 not started, 1 failed\n$/,
  );
  assertEquals(
    portal.emulator.log.filter((e) => e.mode === "settings").length,
    1,
  );
  assertEquals(portal.emulator.files(), []);
});

Deno.test("cli stops the batch at the first 403, with one message, and --json still prints JSON", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    chunkUploadSize: CHUNK,
    users: [{ id: "reader", tokens: ["reader-token"] }],
    folders: [{ id: 1, title: "Shared", writers: ["owner"] }],
  });
  await using dir = await tempDir();
  const run = await runCli([
    ...await threeFiles(dir.path),
    "--folder",
    "1",
    "--json",
  ], {
    env: {
      DOCSPACE_URL: portal.url,
      DOCSPACE_TOKEN: "reader-token",
      DOCSPACE_STATE_DIR: dir.state,
    },
  });
  assertEquals(run.code, 1);
  assertEquals(JSON.parse(run.stdout), []);
  const errors = errorLines(run.stderr);
  assertEquals(errors.length, 1, run.stderr);
  assertStringIncludes(errors[0]!, "Access denied (HTTP 403");
});

Deno.test("cli gives up on a portal that refuses connections in seconds, with one message", async () => {
  await using dir = await tempDir();
  const started = performance.now();
  const run = await runCli([...await threeFiles(dir.path), "--folder", "1"], {
    env: {
      DOCSPACE_URL: "http://127.0.0.1:9",
      DOCSPACE_TOKEN: "t",
      DOCSPACE_STATE_DIR: dir.state,
    },
  });
  const seconds = (performance.now() - started) / 1000;
  assertEquals(run.code, 1);
  assert(seconds < 10, `took ${seconds.toFixed(1)} s`);
  const errors = errorLines(run.stderr);
  assertEquals(errors.length, 1, run.stderr);
  assertMatch(
    errors[0]!,
    /^error: Reading the upload settings failed: cannot reach http:\/\/127\.0\.0\.1:9: /,
  );
  assert(!run.stderr.includes("may or may not"), run.stderr);
  assert(!run.stderr.includes("retry"), run.stderr);
  assertMatch(run.stderr, /\nStopped: 0 uploaded, .*\n$/);
});

Deno.test("cli gives up at once on TLS to a plain-HTTP port", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    chunkUploadSize: CHUNK,
  });
  await using dir = await tempDir();
  const started = performance.now();
  const run = await runCli([...await threeFiles(dir.path), "--folder", "1"], {
    env: {
      DOCSPACE_URL: portal.url.replace("http:", "https:"),
      DOCSPACE_TOKEN: portal.token,
      DOCSPACE_STATE_DIR: dir.state,
    },
  });
  assertEquals(run.code, 1);
  assert(performance.now() - started < 10_000);
  const errors = errorLines(run.stderr);
  assertEquals(errors.length, 1, run.stderr);
  assertStringIncludes(errors[0]!, "cannot reach https://127.0.0.1:");
  assert(!run.stderr.includes("may or may not"), run.stderr);
});

Deno.test("cli names where a redirect points, and stops the batch", async () => {
  await using dir = await tempDir();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (request) =>
      new Response("<html>Moved</html>", {
        status: 301,
        headers: {
          location: `https://portal.example.com${
            new URL(request.url).pathname
          }`,
          "content-type": "text/html",
        },
      }),
  );
  try {
    const run = await runCli([...await threeFiles(dir.path), "--folder", "1"], {
      env: {
        DOCSPACE_URL: `http://127.0.0.1:${server.addr.port}`,
        DOCSPACE_TOKEN: "t",
        DOCSPACE_STATE_DIR: dir.state,
      },
    });
    assertEquals(run.code, 1);
    const errors = errorLines(run.stderr);
    assertEquals(errors.length, 1, run.stderr);
    assertStringIncludes(
      errors[0]!,
      "; the portal redirects to https://portal.example.com/api/2.0/files/settings: if it has moved, use --url https://portal.example.com (or DOCSPACE_URL)",
    );
  } finally {
    await server.shutdown();
  }
});

Deno.test("cli --json prints null for a single file that failed", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    uploadableExtensions: [".bin"], // files:upload-filter on: .exe refused
    chunkUploadSize: CHUNK,
  });
  await using dir = await tempDir();
  await writeRandom(`${dir.path}/setup.exe`, 100);
  const run = await runCli(
    [`${dir.path}/setup.exe`, "--folder", "1", "--json"],
    {
      env: {
        DOCSPACE_URL: portal.url,
        DOCSPACE_TOKEN: portal.token,
        DOCSPACE_STATE_DIR: dir.state,
      },
    },
  );
  assertEquals(run.code, 1);
  assertEquals(run.stdout, "null\n");
  assertStringIncludes(
    run.stderr,
    "Sorry, this file format isn't supported (HTTP 415)",
  );
});
