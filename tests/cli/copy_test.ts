// Copy semantics: running a directory again uploads only what is missing (--skip-existing: same title
// and size), --on-conflict skip works for directories, and --dry-run says what would happen while
// sending nothing that writes.
import { assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { uploadFile } from "../../src/client/upload_file.ts";
import { startEmulator } from "../../testing.ts";
import {
  runCli,
  sha256,
  tempDir,
  type UploadedOnce,
  uploadedOnce,
  writeRandom,
} from "./_run.ts";

const CHUNK = 64 * 1024;

function portalAndTree(): Promise<UploadedOnce> {
  return uploadedOnce("tree", {
    "same.bin": 2 * CHUNK,
    "sub/grows.bin": 100,
    "sub/kept.bin": 10,
  });
}

/** Files whose upload began: a session opened, or a whole small file sent in one request (`insert`). */
const opened = (log: { mode: string; status: number }[]) =>
  log.filter((e) =>
    (e.mode === "create" || e.mode === "session" || e.mode === "insert") &&
    e.status === 200
  )
    .length;

Deno.test("cli --skip-existing uploads only files missing or of another size", async () => {
  await using setup = await portalAndTree();
  const { portal, dir, env } = setup;
  const grown = await writeRandom(`${dir.path}/tree/sub/grows.bin`, 200);
  const added = await writeRandom(`${dir.path}/tree/sub/new.bin`, 300);
  const before = portal.emulator.log.length;
  const run = await runCli([
    `${dir.path}/tree`,
    "--folder",
    "1",
    "--skip-existing",
  ], { env });
  assertEquals(run.code, 0, run.stderr);
  const folder =
    portal.emulator.files().find((f) => f.title === "kept.bin")!.folderId;
  assertStringIncludes(
    run.stderr,
    `${dir.path}/tree/same.bin: skipped, "same.bin" is already in folder 1/tree with the same size (128 KiB), updated there `,
  );
  assertStringIncludes(
    run.stderr,
    `${dir.path}/tree/sub/kept.bin: skipped, "kept.bin" is already in folder 1/tree/sub with the same size (10 B), updated there `,
  );
  assertMatch(
    run.stderr,
    /\nDone: 2 uploaded \(500 B in [^)]+\), 2 skipped\n$/,
  );
  assertEquals(opened(portal.emulator.log.slice(before)), 2);
  const byTitle = new Map(portal.emulator.files().map((f) => [f.title, f]));
  // The grown file is a new version of itself; the new one a new file beside the kept one.
  assertEquals(byTitle.get("grows.bin")?.version, 2);
  assertEquals(
    await sha256(byTitle.get("grows.bin")!.bytes),
    await sha256(grown),
  );
  assertEquals(byTitle.get("new.bin")?.folderId, folder);
  assertEquals(
    await sha256(byTitle.get("new.bin")!.bytes),
    await sha256(added),
  );
  assertEquals(byTitle.get("same.bin")?.version, 1);
});

Deno.test("cli --on-conflict skip works for directories: a title there is kept, whatever its size", async () => {
  await using setup = await portalAndTree();
  const { portal, dir, env } = setup;
  await writeRandom(`${dir.path}/tree/sub/grows.bin`, 200);
  await writeRandom(`${dir.path}/tree/sub/new.bin`, 300);
  const before = portal.emulator.log.length;
  const run = await runCli([
    `${dir.path}/tree`,
    "--folder",
    "1",
    "--on-conflict",
    "skip",
  ], { env });
  assertEquals(run.code, 0, run.stderr);
  assertStringIncludes(
    run.stderr,
    `${dir.path}/tree/sub/grows.bin: skipped, "grows.bin" already exists in folder 1/tree/sub\n`,
  );
  assertMatch(
    run.stderr,
    /\nDone: 1 uploaded \(300 B in [^)]+\), 3 skipped\n$/,
  );
  assertEquals(opened(portal.emulator.log.slice(before)), 1);
  assertEquals(
    portal.emulator.files().find((f) => f.title === "grows.bin")?.version,
    1,
  );
});

Deno.test("cli --dry-run says what would be uploaded, skipped and created, and sends nothing that writes", async () => {
  await using setup = await portalAndTree();
  const { portal, dir, env } = setup;
  await writeRandom(`${dir.path}/tree/sub/grows.bin`, 200);
  await writeRandom(`${dir.path}/tree/sub/new.bin`, 300);
  await Deno.mkdir(`${dir.path}/tree/empty`);
  const files = JSON.stringify(portal.emulator.files());
  const before = portal.emulator.log.length;
  const run = await runCli([
    `${dir.path}/tree`,
    "--folder",
    "1",
    "--skip-existing",
    "--dry-run",
  ], { env });
  assertEquals(run.code, 0, run.stderr);
  const grows = portal.emulator.files().find((f) => f.title === "grows.bin")!;
  // The times of a skip's reason (tested in "edited to the same size") are left out here.
  assertEquals(run.stdout.replace(/, updated there .*/g, "").split("\n"), [
    `would skip: ${dir.path}/tree/same.bin (128 KiB): "same.bin" is already in folder 1/tree with the same size (128 KiB)`,
    `would upload: ${dir.path}/tree/sub/grows.bin (200 B): as a new version of file ${grows.id} "grows.bin"`,
    `would skip: ${dir.path}/tree/sub/kept.bin (10 B): "kept.bin" is already in folder 1/tree/sub with the same size (10 B)`,
    `would upload: ${dir.path}/tree/sub/new.bin (300 B): a new file`,
    "would create folder: tree/empty",
    "",
  ]);
  assertEquals(
    run.stderr,
    "Dry run: 2 to upload (500 B), 2 to skip, 1 empty folder to create; nothing was sent\n",
  );
  const log = portal.emulator.log.slice(before);
  assertEquals([...new Set(log.map((e) => `${e.method} ${e.mode}`))].sort(), [
    "GET list",
    "GET settings",
  ]);
  assertEquals(JSON.stringify(portal.emulator.files()), files);

  const json = await runCli([
    `${dir.path}/tree`,
    "--folder",
    "1",
    "--dry-run",
    "--json",
  ], { env });
  assertEquals(json.code, 0, json.stderr);
  const plan = JSON.parse(json.stdout);
  assertEquals(
    plan.map((p: { title: string; action: string }) => [p.title, p.action]),
    [
      ["same.bin", "upload"],
      ["grows.bin", "upload"],
      ["kept.bin", "upload"],
      ["new.bin", "upload"],
      ["empty", "create-folder"],
    ],
  );
  assertEquals(plan[3].path, `${dir.path}/tree/sub/new.bin`);
});

Deno.test("cli --skip-existing reads folders of more than one page", async () => {
  await using portal = await startEmulator({ chunkUploadSize: CHUNK });
  await using dir = await tempDir();
  const titles = Array.from(
    { length: 105 },
    (_, i) => `f${String(i).padStart(3, "0")}.txt`,
  );
  // Written before their copies are stored: the copies are up to date.
  for (const title of titles) {
    await Deno.writeTextFile(`${dir.path}/${title}`, title);
    await uploadFile(new Blob([title]), {
      url: portal.url,
      token: portal.token,
      folderId: 1,
      fileName: title,
    });
  }
  await Deno.writeTextFile(`${dir.path}/last.txt`, "last");
  const before = portal.emulator.log.length;
  const run = await runCli(
    [
      ...titles.map((t) => `${dir.path}/${t}`),
      `${dir.path}/last.txt`,
      "--folder",
      "1",
      "--skip-existing",
      "--quiet",
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
  const log = portal.emulator.log.slice(before);
  assertEquals(
    log.filter((e) => e.mode === "list").map((e) => e.search),
    ["?startIndex=0&count=100", "?startIndex=100&count=100"],
  );
  assertEquals(opened(log), 1);
  assertEquals(portal.emulator.files().length, 106);
});

Deno.test("cli --skip-existing uploads a file edited to the same size, and says which rule decided", async () => {
  // The portal's clock: the first upload an hour ago.
  let clock = Date.now() - 3_600_000;
  await using portal = await startEmulator({
    chunkUploadSize: CHUNK,
    now: () => clock,
  });
  await using dir = await tempDir();
  const hourAgo = new Date(clock - 60_000);
  for (const name of ["same.bin", "kept.bin"]) {
    await writeRandom(`${dir.path}/tree/${name}`, 10);
    await Deno.utime(`${dir.path}/tree/${name}`, hourAgo, hourAgo);
  }
  const env = {
    DOCSPACE_URL: portal.url,
    DOCSPACE_TOKEN: portal.token,
    DOCSPACE_STATE_DIR: dir.state,
  };
  const args = [`${dir.path}/tree`, "--folder", "1", "--skip-existing"];
  assertEquals((await runCli(args, { env })).code, 0);
  clock = Date.now();
  // Edited half an hour ago, after its upload, to the same size.
  const path = `${dir.path}/tree/kept.bin`;
  await writeRandom(path, 10);
  const edited = new Date(Date.now() - 1_800_000);
  await Deno.utime(path, edited, edited);
  const dry = await runCli([...args, "--dry-run"], { env });
  assertEquals(dry.code, 0, dry.stderr);
  const second = (ms: number) =>
    new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
  // The two files upload at once: either may have got the first id.
  const keptFile = portal.emulator.files().find((f) => f.title === "kept.bin")!;
  assertStringIncludes(
    dry.stdout,
    `would upload: ${path} (10 B): as a new version of file ${keptFile.id} "kept.bin" (same size, but the local file (modified ${
      second(edited.getTime())
    }) is newer than the copy in DocSpace (updated ${
      second(hourAgo.getTime() + 60_000)
    }))\n`,
  );
  assertStringIncludes(
    dry.stdout,
    `would skip: ${dir.path}/tree/same.bin (10 B): "same.bin" is already in folder 1/tree with the same size (10 B), updated there ${
      second(hourAgo.getTime() + 60_000)
    }, not before the local file's ${second(hourAgo.getTime())}\n`,
  );
  const run = await runCli(args, { env });
  assertEquals(run.code, 0, run.stderr);
  const kept = portal.emulator.files().find((f) => f.title === "kept.bin")!;
  assertEquals(kept.version, 2);
  assertEquals(
    await sha256(kept.bytes),
    await sha256(await Deno.readFile(path)),
  );
  // Uploaded after its edit, it is up to date: the next run skips it.
  const again = await runCli([...args, "--dry-run"], { env });
  assertStringIncludes(again.stdout, `would skip: ${path} (10 B)`);
});
