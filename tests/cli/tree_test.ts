// Hostile trees and names: links out of the tree are not followed unless asked, broken links are a
// warning and a skip, names with control characters are printed escaped, and names DocSpace would
// change stop the run before any request.
import {
  assert,
  assertEquals,
  assertMatch,
  assertStringIncludes,
} from "@std/assert";
import { startEmulator } from "../../testing.ts";
import { runCli, sha256, tempDir, writeRandom } from "./_run.ts";

const CHUNK = 64 * 1024;

async function linkedTree(root: string) {
  const inside = await writeRandom(`${root}/tree/real.bin`, 1000);
  await writeRandom(`${root}/tree/dir/deep.bin`, 10);
  const secret = await writeRandom(`${root}/outside/secret.txt`, 7);
  await Deno.symlink("real.bin", `${root}/tree/same-file`);
  await Deno.symlink("dir", `${root}/tree/same-dir`);
  await Deno.symlink("../outside/secret.txt", `${root}/tree/link-out`);
  await Deno.symlink(`${root}/outside`, `${root}/tree/abs-out`);
  await Deno.symlink("missing.bin", `${root}/tree/dangling`);
  await Deno.symlink("..", `${root}/tree/dir/up`);
  return { inside, secret };
}

Deno.test("cli follows links inside the tree, skips links out of it and broken ones with a warning, and goes on", async () => {
  await using portal = await startEmulator({ chunkUploadSize: CHUNK });
  await using dir = await tempDir();
  const { inside } = await linkedTree(dir.path);
  const run = await runCli([`${dir.path}/tree`, "--folder", "1"], {
    env: {
      DOCSPACE_URL: portal.url,
      DOCSPACE_TOKEN: portal.token,
      DOCSPACE_STATE_DIR: dir.state,
    },
  });
  assertEquals(run.code, 0, run.stderr);
  const warnings = run.stderr.split("\n").filter((l) =>
    l.startsWith("warning:")
  );
  assertEquals(warnings, [
    `warning: ${dir.path}/tree/abs-out: skipped, a link to ${dir.path}/outside, outside the directory; pass --follow-symlinks to upload what it points to`,
    `warning: ${dir.path}/tree/dangling: skipped, a broken link (to missing.bin)`,
    `warning: ${dir.path}/tree/dir/up: skipped, a link back to ${dir.path}/tree, which would loop`,
    `warning: ${dir.path}/tree/link-out: skipped, a link to ${dir.path}/outside/secret.txt, outside the directory; pass --follow-symlinks to upload what it points to`,
    `warning: ${dir.path}/tree/same-dir/up: skipped, a link back to ${dir.path}/tree, which would loop`,
  ]);
  const files = portal.emulator.files();
  assertEquals(
    files.map((f) => `${portal.emulator.folderPath(f.folderId)}/${f.title}`)
      .sort(),
    [
      "tree/dir/deep.bin",
      "tree/real.bin",
      "tree/same-dir/deep.bin",
      "tree/same-file.", // stored with a trailing dot (FileDao.SaveFileAsync)
    ],
  );
  assertEquals(
    await sha256(files.find((f) => f.title === "same-file.")!.bytes),
    await sha256(inside),
  );
  assert(
    !files.some((f) => f.title === "secret.txt" || f.title === "link-out."),
  );
  assertStringIncludes(run.stderr, "Done: 4 uploaded (1.97 KiB in ");
  assertStringIncludes(run.stderr, "), 5 skipped, 3 folders created\n");
});

Deno.test("cli --follow-symlinks follows links out of the tree too, but never a loop", async () => {
  await using portal = await startEmulator({ chunkUploadSize: CHUNK });
  await using dir = await tempDir();
  const { secret } = await linkedTree(dir.path);
  const run = await runCli([
    `${dir.path}/tree`,
    "--folder",
    "1",
    "--follow-symlinks",
  ], {
    env: {
      DOCSPACE_URL: portal.url,
      DOCSPACE_TOKEN: portal.token,
      DOCSPACE_STATE_DIR: dir.state,
    },
  });
  assertEquals(run.code, 0, run.stderr);
  const files = portal.emulator.files();
  assertEquals(
    files.map((f) => `${portal.emulator.folderPath(f.folderId)}/${f.title}`)
      .sort(),
    [
      "tree/abs-out/secret.txt",
      "tree/dir/deep.bin",
      "tree/link-out.",
      "tree/real.bin",
      "tree/same-dir/deep.bin",
      "tree/same-file.", // stored with a trailing dot (FileDao.SaveFileAsync)
    ],
  );
  assertEquals(
    await sha256(files.find((f) => f.title === "link-out.")!.bytes),
    await sha256(secret),
  );
  assertEquals(
    run.stderr.split("\n").filter((l) => l.startsWith("warning:")).map((l) =>
      l.replace(/: skipped.*/, "")
    ),
    [
      `warning: ${dir.path}/tree/dangling`,
      `warning: ${dir.path}/tree/dir/up`,
      `warning: ${dir.path}/tree/same-dir/up`,
    ],
  );
});

Deno.test("cli prints names with control characters escaped, never raw", async () => {
  await using portal = await startEmulator({ chunkUploadSize: CHUNK });
  await using dir = await tempDir();
  const hostile = [
    "red\x1b[31m.txt",
    "bell\x07.txt",
    "two\nlines.txt",
    "back\u202etxt.exe.bin",
  ];
  for (const name of hostile) await writeRandom(`${dir.path}/d/${name}`, 10);
  await Deno.symlink("gone\x1b]0;title\x07", `${dir.path}/d/link\x1b[2J`);
  const run = await runCli([`${dir.path}/d`, "--folder", "1"], {
    env: {
      DOCSPACE_URL: portal.url,
      DOCSPACE_TOKEN: portal.token,
      DOCSPACE_STATE_DIR: dir.state,
    },
  });
  assertEquals(run.code, 0, run.stderr);
  for (const output of [run.stdout, run.stderr]) {
    assert(
      // deno-lint-ignore no-control-regex -- no control character may reach the output
      !/[\x00-\x09\x0b-\x1f\x7f\u202e]/.test(output),
      JSON.stringify(output),
    );
  }
  for (
    const shown of [
      "red\\x1b[31m.txt",
      "bell\\x07.txt",
      "two\\nlines.txt",
      "back\\u202etxt.exe.bin",
    ]
  ) {
    assertStringIncludes(
      run.stdout,
      `${dir.path}/d/${shown}: 10 B uploaded to folder `,
    );
  }
  assertStringIncludes(
    run.stderr,
    `warning: ${dir.path}/d/link\\x1b[2J: skipped, a broken link (to gone\\x1b]0;title\\x07)\n`,
  );
  // The server stores them as they are: it does not replace control characters other than tab.
  assertEquals(
    portal.emulator.files().map((f) => f.title).sort(),
    [...hostile].sort(),
  );
});

Deno.test("cli refuses names DocSpace would change before any request, unless --allow-renames", async () => {
  await using portal = await startEmulator({ chunkUploadSize: CHUNK });
  await using dir = await tempDir();
  await writeRandom(`${dir.path}/d/fine.txt`, 10);
  await writeRandom(`${dir.path}/d/what?.txt`, 10);
  await writeRandom(`${dir.path}/d/a:b/beach 🏖.jpg`, 10);
  const env = {
    DOCSPACE_URL: portal.url,
    DOCSPACE_TOKEN: portal.token,
    DOCSPACE_STATE_DIR: dir.state,
  };
  const refused = await runCli([`${dir.path}/d`, "--folder", "1"], { env });
  assertEquals(refused.code, 2);
  assertEquals(
    refused.stderr,
    `error: DocSpace would store 3 names differently (it puts _ for \\t * + : " < > ? | \\ / and emoji), so nothing was sent:
  "a:b" → "a_b"
  "beach 🏖.jpg" → "beach __.jpg"
  "what?.txt" → "what_.txt"
Rename them, or pass --allow-renames to upload them under those names.
`,
  );
  assertEquals(portal.emulator.log, []);

  const allowed = await runCli([
    `${dir.path}/d`,
    "--folder",
    "1",
    "--allow-renames",
  ], { env });
  assertEquals(allowed.code, 0, allowed.stderr);
  assertStringIncludes(
    allowed.stdout,
    `${dir.path}/d/what?.txt: 10 B uploaded to folder 2 as "what_.txt"`,
  );
  assertEquals(
    portal.emulator.files().map((f) =>
      `${portal.emulator.folderPath(f.folderId)}/${f.title}`
    ).sort(),
    // The folder is stored under its cleaned title too.
    ["d/a_b/beach __.jpg", "d/fine.txt", "d/what_.txt"],
  );
});

Deno.test("cli refuses a --name with / or one DocSpace would change", async () => {
  await using dir = await tempDir();
  await writeRandom(`${dir.path}/a.bin`, 10);
  const env = {
    DOCSPACE_URL: "http://127.0.0.1:9",
    DOCSPACE_TOKEN: "t",
    DOCSPACE_STATE_DIR: dir.state,
  };
  const slash = await runCli([
    `${dir.path}/a.bin`,
    "--folder",
    "1",
    "--name",
    "reports/q1.bin",
  ], { env });
  assertEquals(slash.code, 2);
  assertStringIncludes(
    slash.stderr,
    'error: --name cannot contain "/": a DocSpace title is one name, not a path (received "reports/q1.bin")',
  );
  const star = await runCli([
    `${dir.path}/a.bin`,
    "--folder",
    "1",
    "--name",
    " q*1.bin",
  ], { env });
  assertEquals(star.code, 2);
  assertEquals(
    star.stderr,
    `error: --name "q*1.bin" would be stored as "q_1.bin": DocSpace puts _ for \\t * + : " < > ? | \\ / and emoji, and trims spaces; choose another name, or pass --allow-renames to accept it\n`,
  );
});

Deno.test("cli --exclude leaves out names and paths in directories, and counts them", async () => {
  await using portal = await startEmulator({ chunkUploadSize: 64 * 1024 });
  await using dir = await tempDir();
  const root = `${dir.path}/project`;
  await writeRandom(`${root}/a.txt`, 10);
  await writeRandom(`${root}/.DS_Store`, 10);
  await writeRandom(`${root}/.git/HEAD`, 10);
  await writeRandom(`${root}/.git/objects/x`, 10);
  await writeRandom(`${root}/build/out.o`, 10);
  await writeRandom(`${root}/build/keep.txt`, 10);
  await writeRandom(`${root}/src/b.tmp`, 10);
  const env = {
    DOCSPACE_URL: portal.url,
    DOCSPACE_TOKEN: portal.token,
    DOCSPACE_STATE_DIR: dir.state,
  };
  const args = [
    root,
    "--folder",
    "1",
    "--exclude",
    ".git/",
    "--exclude",
    ".DS_Store",
    "--exclude=build/*.o",
    "--exclude",
    "*.tmp",
  ];
  const dry = await runCli([...args, "--dry-run"], { env });
  assertEquals(dry.code, 0, dry.stderr);
  assertStringIncludes(dry.stderr, "Dry run: 2 to upload (20 B), 4 excluded");
  const run = await runCli(args, { env });
  assertEquals(run.code, 0, run.stderr);
  assertEquals(
    portal.emulator.files().map((f) => f.title).sort(),
    ["a.txt", "keep.txt"],
  );
  // src/ held only an excluded file: it is created empty, as the tree has it.
  assertMatch(
    run.stderr,
    /\nDone: 2 uploaded \([^)]+\), 4 excluded, 3 folders created\n$/,
  );
});
