// The CLI as a subprocess against the emulator: files, stdin, several files, directory trees, --json,
// --quiet, --name and --on-conflict.
import {
  assert,
  assertEquals,
  assertMatch,
  assertStringIncludes,
} from "@std/assert";
// dataStore "s3": its abort always succeeds, and these tests are about asking for it (on the default disk
// storage DocSpace keeps a session once a chunk is stored: tests/emulator/storage_test.ts).
import { startEmulator } from "../../testing.ts";
import {
  randomBytes,
  runCli,
  sha256,
  spawnCli,
  stateFiles,
  tempDir,
  writeRandom,
} from "./_run.ts";

const CHUNK = 64 * 1024;

Deno.test("cli uploads a file byte-exact and prints a one-line summary", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    chunkUploadSize: CHUNK,
  });
  await using dir = await tempDir();
  const bytes = await writeRandom(`${dir.path}/a.bin`, 17 * CHUNK + 123);
  const run = await runCli([`${dir.path}/a.bin`, "--folder", "1"], {
    env: {
      DOCSPACE_URL: portal.url,
      DOCSPACE_TOKEN: portal.token,
      DOCSPACE_STATE_DIR: dir.state,
    },
  });
  assertEquals(run.code, 0, run.stderr);
  assertMatch(
    run.stdout,
    new RegExp(
      `^${dir.path}/a\\.bin: 1\\.06 MiB uploaded to folder 1 \\(file 1, version 1\\) in [^,]+, [\\d.]+ [KMG]iB/s\\n$`,
    ),
  );
  // stderr is not a terminal: one plain line, nothing animated.
  assertEquals(run.stderr, `Uploading ${dir.path}/a.bin (1.06 MiB)\n`);
  const [file] = portal.emulator.files();
  assertEquals(file?.title, "a.bin");
  assertEquals(await sha256(file!.bytes), await sha256(bytes));
  const numbered = portal.emulator.log.filter((e) => e.mode === "numbered");
  assertEquals(numbered.length, 18);
  assertEquals(
    portal.emulator.log.filter((e) => e.mode === "finalize").length,
    1,
  );
  assertEquals(await stateFiles(dir.state), []);
});

Deno.test("cli uploads stdin with --size and --name byte-exact", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    chunkUploadSize: CHUNK,
  });
  await using dir = await tempDir();
  const bytes = randomBytes(5 * CHUNK + 7);
  const run = await runCli(
    [
      "-",
      "--size",
      String(bytes.length),
      "--name",
      "piped.dat",
      "--folder",
      "1",
    ],
    {
      env: {
        DOCSPACE_URL: portal.url,
        DOCSPACE_TOKEN: portal.token,
        DOCSPACE_STATE_DIR: dir.state,
      },
      stdin: bytes,
    },
  );
  assertEquals(run.code, 0, run.stderr);
  assertMatch(
    run.stdout,
    /^stdin: 320 KiB uploaded to folder 1 \(file 1, version 1\)/,
  );
  const [file] = portal.emulator.files();
  assertEquals(file?.title, "piped.dat");
  assertEquals(await sha256(file!.bytes), await sha256(bytes));
  assertEquals(await stateFiles(dir.state), []);
});

Deno.test("cli stdin shorter than --size fails and creates no file", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    chunkUploadSize: CHUNK,
  });
  await using dir = await tempDir();
  const run = await runCli(
    ["-", "--size", "1MiB", "--name", "short.dat", "--folder", "1"],
    {
      env: {
        DOCSPACE_URL: portal.url,
        DOCSPACE_TOKEN: portal.token,
        DOCSPACE_STATE_DIR: dir.state,
      },
      stdin: new Uint8Array(3 * CHUNK),
    },
  );
  assertEquals(run.code, 1);
  assertStringIncludes(
    run.stderr,
    "error: stdin: only 196608 bytes arrived, but --size is 1048576; nothing was stored: give --size the exact size\n",
  );
  assert(!run.stderr.includes("changed"), run.stderr);
  assertEquals(run.stdout, "");
  assertEquals(portal.emulator.files(), []);
  assertEquals(portal.emulator.sessions(), []);
});

Deno.test("cli uploads stdin without --size through a temporary file, removed after (the README's pg_dump example)", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    chunkUploadSize: CHUNK,
  });
  await using dir = await tempDir();
  const tmp = `${dir.path}/tmp`;
  await Deno.mkdir(tmp);
  const bytes = randomBytes(5 * CHUNK + 7);
  const run = await runCli(["-", "--name", "db.sql", "--folder", "1"], {
    env: {
      DOCSPACE_URL: portal.url,
      DOCSPACE_TOKEN: portal.token,
      DOCSPACE_STATE_DIR: dir.state,
      TMPDIR: tmp,
    },
    stdin: bytes,
  });
  assertEquals(run.code, 0, run.stderr);
  // Where it goes and how much room there is, from df.
  assertMatch(
    run.stderr.split("\n")[0]!,
    new RegExp(
      `^stdin: without --size it is saved to a temporary file first, to learn its size \\(in ${tmp}, [\\d.]+ [KMGT]?i?B free; removed after the upload; --size streams it instead\\)$`,
    ),
  );
  assertMatch(run.stdout, /^stdin: 320 KiB uploaded to folder 1 /);
  const [file] = portal.emulator.files();
  assertEquals(file?.title, "db.sql");
  assertEquals(await sha256(file!.bytes), await sha256(bytes));
  assertEquals(await Array.fromAsync(Deno.readDir(tmp)), []);
});

Deno.test("cli stdin longer than --size fails at the first byte past it, not after the whole stream", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    chunkUploadSize: CHUNK,
  });
  await using dir = await tempDir();
  const child = spawnCli(
    ["-", "--size", "200000", "--name", "long.dat", "--folder", "1"],
    {
      env: {
        DOCSPACE_URL: portal.url,
        DOCSPACE_TOKEN: portal.token,
        DOCSPACE_STATE_DIR: dir.state,
      },
      stdin: new Uint8Array(0),
    },
  );
  // 256 MiB offered; the CLI stops reading soon after the 200,001st byte.
  const total = 256 * 1024 * 1024;
  let written = 0;
  const writer = child.stdin.getWriter();
  const piece = new Uint8Array(64 * 1024);
  try {
    while (written < total) {
      await writer.write(piece);
      written += piece.length;
    }
    await writer.close();
  } catch {
    // The CLI closed its stdin: it stopped reading.
  }
  const output = await child.output();
  const stderr = new TextDecoder().decode(output.stderr);
  assertEquals(output.code, 1, stderr);
  assertStringIncludes(
    stderr,
    "error: stdin: more bytes arrived than --size 200000; nothing was stored: give --size the exact size\n",
  );
  assert(written < total, `${written} bytes were read`);
  assertEquals(portal.emulator.files(), []);
});

Deno.test("cli uploads files and a directory tree, keeping its structure", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    chunkUploadSize: CHUNK,
  });
  await using dir = await tempDir();
  const tree = {
    "photos/2024/a.jpg": 3 * CHUNK + 5,
    "photos/2024/raw/c.bin": 2 * CHUNK,
    "photos/b.txt": 10,
    "single.bin": CHUNK + 1,
  };
  const written = new Map<string, Uint8Array>();
  for (const [path, size] of Object.entries(tree)) {
    written.set(path, await writeRandom(`${dir.path}/${path}`, size));
  }
  const run = await runCli(
    [`${dir.path}/single.bin`, `${dir.path}/photos`, "--folder", "1"],
    {
      env: {
        DOCSPACE_URL: portal.url,
        DOCSPACE_TOKEN: portal.token,
        DOCSPACE_STATE_DIR: dir.state,
      },
    },
  );
  assertEquals(run.code, 0, run.stderr);
  const files = portal.emulator.files();
  const byTitle = new Map(files.map((f) => [f.title, f]));
  assertEquals(files.length, 4);
  assertEquals(
    portal.emulator.folderPath(byTitle.get("single.bin")!.folderId),
    undefined,
  );
  assertEquals(byTitle.get("single.bin")?.folderId, 1);
  assertEquals(
    portal.emulator.folderPath(byTitle.get("a.jpg")!.folderId),
    "photos/2024",
  );
  assertEquals(
    portal.emulator.folderPath(byTitle.get("c.bin")!.folderId),
    "photos/2024/raw",
  );
  assertEquals(
    portal.emulator.folderPath(byTitle.get("b.txt")!.folderId),
    "photos",
  );
  // The subfolders are real folders: photos/2024/raw sits under photos/2024.
  assert(byTitle.get("a.jpg")?.folderId !== 1);
  assert(byTitle.get("c.bin")?.folderId !== byTitle.get("a.jpg")?.folderId);
  for (const [path, bytes] of written) {
    const title = path.split("/").at(-1)!;
    assertEquals(
      await sha256(byTitle.get(title)!.bytes),
      await sha256(bytes),
      path,
    );
  }
  const lines = run.stdout.trimEnd().split("\n");
  assertEquals(lines.length, 4);
  for (const path of Object.keys(tree)) {
    assert(lines.some((l) => l.startsWith(`${dir.path}/${path}: `)), path);
  }
  assertMatch(
    run.stderr,
    /\nDone: 4 uploaded \([\d.]+ KiB in [^)]+\), 3 folders created\n$/,
  );
});

Deno.test("cli uploads two files at a time", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    chunkUploadSize: CHUNK,
  });
  await using dir = await tempDir();
  const paths: string[] = [];
  for (let i = 0; i < 4; i++) {
    paths.push(`${dir.path}/f${i}.bin`);
    await writeRandom(paths[i]!, 4 * CHUNK);
  }
  portal.emulator.injectFault({
    kind: "latency",
    ms: 40,
    times: 1000,
    match: { mode: "numbered" },
  });
  const run = await runCli([...paths, "--folder", "1", "--concurrency", "1"], {
    env: {
      DOCSPACE_URL: portal.url,
      DOCSPACE_TOKEN: portal.token,
      DOCSPACE_STATE_DIR: dir.state,
    },
  });
  assertEquals(run.code, 0, run.stderr);
  assertEquals(portal.emulator.files().length, 4);
  assertEquals(
    portal.emulator.peakConcurrency((e) => e.mode === "numbered"),
    2,
  );
});

Deno.test("cli --json prints the server's file object for one file", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    chunkUploadSize: CHUNK,
  });
  await using dir = await tempDir();
  await writeRandom(`${dir.path}/one.bin`, 2 * CHUNK + 1);
  const run = await runCli([`${dir.path}/one.bin`, "--folder", "1", "--json"], {
    env: {
      DOCSPACE_URL: portal.url,
      DOCSPACE_TOKEN: portal.token,
      DOCSPACE_STATE_DIR: dir.state,
    },
  });
  assertEquals(run.code, 0, run.stderr);
  const json = JSON.parse(run.stdout);
  assertEquals(json.id, 1);
  assertEquals(json.title, "one.bin");
  assertEquals(json.folderId, 1);
  assertEquals(json.version, 1);
  assertEquals(json.uploaded, true);
  assertEquals(json.file.id, 1);
  assertEquals(json.file.pureContentLength, 2 * CHUNK + 1);
});

Deno.test("cli --json prints an array for several files, in command-line order", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    chunkUploadSize: CHUNK,
  });
  await using dir = await tempDir();
  await writeRandom(`${dir.path}/x.bin`, 3 * CHUNK);
  await writeRandom(`${dir.path}/y.bin`, 10);
  const run = await runCli(
    [`${dir.path}/x.bin`, `${dir.path}/y.bin`, "--folder", "1", "--json"],
    {
      env: {
        DOCSPACE_URL: portal.url,
        DOCSPACE_TOKEN: portal.token,
        DOCSPACE_STATE_DIR: dir.state,
      },
    },
  );
  assertEquals(run.code, 0, run.stderr);
  const json = JSON.parse(run.stdout);
  assert(Array.isArray(json));
  assertEquals(json.map((f: { title: string }) => f.title), ["x.bin", "y.bin"]);
  assertEquals(json[1].file.pureContentLength, 10);
});

Deno.test("cli --json with a directory of one file still prints an array", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    chunkUploadSize: CHUNK,
  });
  await using dir = await tempDir();
  await writeRandom(`${dir.path}/d/only.bin`, 100);
  const run = await runCli([`${dir.path}/d`, "--folder", "1", "--json"], {
    env: {
      DOCSPACE_URL: portal.url,
      DOCSPACE_TOKEN: portal.token,
      DOCSPACE_STATE_DIR: dir.state,
    },
  });
  assertEquals(run.code, 0, run.stderr);
  const json = JSON.parse(run.stdout);
  assertEquals(json.length, 1);
  assertEquals(json[0].title, "only.bin");
});

Deno.test("cli --quiet prints nothing at all on success", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    chunkUploadSize: CHUNK,
  });
  await using dir = await tempDir();
  await writeRandom(`${dir.path}/q1.bin`, 2 * CHUNK);
  await writeRandom(`${dir.path}/q2.bin`, 2 * CHUNK);
  const run = await runCli(
    [`${dir.path}/q1.bin`, `${dir.path}/q2.bin`, "--folder", "1", "--quiet"],
    {
      env: {
        DOCSPACE_URL: portal.url,
        DOCSPACE_TOKEN: portal.token,
        DOCSPACE_STATE_DIR: dir.state,
      },
    },
  );
  assertEquals(run, { code: 0, stdout: "", stderr: "" });
  assertEquals(portal.emulator.files().length, 2);
});

Deno.test("cli --name gives a single file its title", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    chunkUploadSize: CHUNK,
  });
  await using dir = await tempDir();
  await writeRandom(`${dir.path}/local-name.bin`, 100);
  const run = await runCli(
    [
      `${dir.path}/local-name.bin`,
      "--folder",
      "1",
      "--name",
      "Report 2024.bin",
    ],
    {
      env: {
        DOCSPACE_URL: portal.url,
        DOCSPACE_TOKEN: portal.token,
        DOCSPACE_STATE_DIR: dir.state,
      },
    },
  );
  assertEquals(run.code, 0, run.stderr);
  assertEquals(portal.emulator.files()[0]?.title, "Report 2024.bin");
});

Deno.test("cli --on-conflict version, copy and skip", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    chunkUploadSize: CHUNK,
  });
  await using dir = await tempDir();
  const path = `${dir.path}/same.bin`;
  const env = {
    DOCSPACE_URL: portal.url,
    DOCSPACE_TOKEN: portal.token,
    DOCSPACE_STATE_DIR: dir.state,
  };
  await writeRandom(path, 2 * CHUNK);
  assertEquals((await runCli([path, "--folder", "1"], { env })).code, 0);

  const second = await writeRandom(path, 2 * CHUNK + 3);
  const version = await runCli([
    path,
    "--folder",
    "1",
    "--on-conflict",
    "version",
  ], { env });
  assertEquals(version.code, 0, version.stderr);
  assertMatch(version.stdout, /\(file 1, version 2\)/);
  assertEquals(portal.emulator.files().length, 1);
  assertEquals(
    await sha256(portal.emulator.file(1)!.bytes),
    await sha256(second),
  );

  const copy = await runCli([
    path,
    "--folder",
    "1",
    "--on-conflict",
    "copy",
    "--json",
  ], { env });
  assertEquals(copy.code, 0, copy.stderr);
  assertEquals(JSON.parse(copy.stdout).title, "same (1).bin");
  assertEquals(portal.emulator.files().length, 2);

  await writeRandom(`${dir.path}/new.bin`, 10);
  // Sessions open on the REST route (`session`) where the server has it, else on create_session; a small
  // file goes whole in one request (`insert`).
  const opened = () =>
    portal.emulator.log.filter((e) =>
      (e.mode === "create" || e.mode === "session" || e.mode === "insert") &&
      e.status === 200
    ).length;
  const creates = opened();
  const skip = await runCli(
    [path, `${dir.path}/new.bin`, "--folder", "1", "--on-conflict", "skip"],
    { env },
  );
  assertEquals(skip.code, 0, skip.stderr);
  assertMatch(
    skip.stderr,
    /same\.bin: skipped, "same\.bin" already exists in folder 1/,
  );
  assertMatch(skip.stderr, /Done: 1 uploaded \(10 B in [^)]+\), 1 skipped\n$/);
  // Only new.bin got a session.
  assertEquals(opened(), creates + 1);
  assertEquals(portal.emulator.files().map((f) => f.title), [
    "same.bin",
    "same (1).bin",
    "new.bin",
  ]); // One skipped file with --json: `null` on stdout, so a script always gets JSON.
  const skippedJson = await runCli(
    [path, "--folder", "1", "--on-conflict", "skip", "--json"],
    {
      env: {
        DOCSPACE_URL: portal.url,
        DOCSPACE_TOKEN: portal.token,
        DOCSPACE_STATE_DIR: dir.state,
      },
    },
  );
  assertEquals([skippedJson.code, skippedJson.stdout], [0, "null\n"]);
});

Deno.test("cli uploads into a third-party folder (string id) sequentially", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    chunkUploadSize: CHUNK,
  });
  await using dir = await tempDir();
  const bytes = await writeRandom(`${dir.path}/seq.bin`, 3 * CHUNK + 9);
  const run = await runCli([`${dir.path}/seq.bin`, "--folder", "sbox-1"], {
    env: {
      DOCSPACE_URL: portal.url,
      DOCSPACE_TOKEN: portal.token,
      DOCSPACE_STATE_DIR: dir.state,
    },
  });
  assertEquals(run.code, 0, run.stderr);
  const [file] = portal.emulator.files();
  assertEquals(file?.folderId, "sbox-1");
  assertEquals(await sha256(file!.bytes), await sha256(bytes));
  assertEquals(
    portal.emulator.log.filter((e) => e.mode === "sequential").length,
    4,
  );
  assertEquals(
    portal.emulator.log.filter((e) => e.mode === "numbered").length,
    0,
  );
});

Deno.test("cli takes the URL from --url and the token from --token", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    chunkUploadSize: CHUNK,
  });
  await using dir = await tempDir();
  await writeRandom(`${dir.path}/flags.bin`, 100);
  const run = await runCli(
    [
      `${dir.path}/flags.bin`,
      "--folder",
      "1",
      "--url",
      portal.url,
      "--token",
      portal.token,
    ],
    { env: { DOCSPACE_STATE_DIR: dir.state } },
  );
  assertEquals(run.code, 0, run.stderr);
  assertEquals(portal.emulator.files().length, 1);
});

Deno.test("cli uploads empty and small files in one request each (insert) on both server generations", async () => {
  for (const serverVersion of ["3.7", "3.6"] as const) {
    await using portal = await startEmulator({
      dataStore: "s3",
      chunkUploadSize: CHUNK,
      serverVersion,
    });
    await using dir = await tempDir();
    const sizes = [0, 1000, CHUNK - 1];
    const sent = new Map<string, Uint8Array>();
    for (const size of sizes) {
      const name = `f${size}.bin`;
      sent.set(name, await writeRandom(`${dir.path}/${name}`, size));
    }
    const run = await runCli(
      [...sizes.map((size) => `${dir.path}/f${size}.bin`), "--folder", "1"],
      {
        env: {
          DOCSPACE_URL: portal.url,
          DOCSPACE_TOKEN: portal.token,
          DOCSPACE_STATE_DIR: dir.state,
        },
      },
    );
    assertEquals(run.code, 0, run.stderr);
    const files = portal.emulator.files();
    assertEquals(files.length, 3, serverVersion);
    for (const file of files) {
      assertEquals(file.version, 1);
      assertEquals(
        await sha256(file.bytes),
        await sha256(sent.get(file.title)!),
      );
    }
    // Each file: one request that stores it whole; no session.
    assertEquals(
      portal.emulator.log.filter((e) => e.mode === "insert").length,
      3,
    );
    assertEquals(
      portal.emulator.log.filter((e) =>
        ["create", "session", "small", "finalize"].includes(e.mode)
      ),
      [],
    );
  }
});
