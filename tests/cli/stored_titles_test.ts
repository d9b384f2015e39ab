// Names DocSpace stores differently in its own folders (FileDao.SaveFileAsync: the extension lower-cased,
// a trailing dot without one): `README` is stored as `README.`, `Photo.JPG` as `Photo.jpg`. A second run
// must find them: --skip-existing skips them, a new-version run makes versions, --dry-run says so.
import { assertEquals, assertStringIncludes } from "@std/assert";
import {
  runCli,
  sha256,
  type UploadedOnce,
  uploadedOnce,
  writeRandom,
} from "./_run.ts";

/** README and Photo.JPG uploaded once: the extension rule does not stop the batch as other renames do. */
function setup(): Promise<UploadedOnce> {
  return uploadedOnce("up", { "README": 10, "Photo.JPG": 20 });
}

const titles = (files: { title: string; version: number }[]) =>
  files.map((f) => `${f.title} v${f.version}`).sort();

Deno.test("cli stores README as README. and Photo.JPG as Photo.jpg; --skip-existing finds them", async () => {
  await using s = await setup();
  assertEquals(titles(s.portal.emulator.files()), [
    "Photo.jpg v1",
    "README. v1",
  ]);
  const run = await runCli([
    `${s.dir.path}/up`,
    "--folder",
    "1",
    "--skip-existing",
  ], { env: s.env });
  assertEquals(run.code, 0, run.stderr);
  assertStringIncludes(
    run.stderr,
    `${s.dir.path}/up/README: skipped, "README." is already in folder 1/up with the same size (10 B), updated there `,
  );
  assertStringIncludes(
    run.stderr,
    `${s.dir.path}/up/Photo.JPG: skipped, "Photo.jpg" is already in folder 1/up with the same size (20 B), updated there `,
  );
  assertEquals(s.portal.emulator.files().length, 2);
});

Deno.test("cli: a second run makes new versions of README. and Photo.jpg, not copies", async () => {
  await using s = await setup();
  const readme = await writeRandom(`${s.dir.path}/up/README`, 11);
  await writeRandom(`${s.dir.path}/up/Photo.JPG`, 21);
  const run = await runCli([`${s.dir.path}/up`, "--folder", "1"], {
    env: s.env,
  });
  assertEquals(run.code, 0, run.stderr);
  assertEquals(titles(s.portal.emulator.files()), [
    "Photo.jpg v2",
    "README. v2",
  ]);
  const stored = s.portal.emulator.files().find((f) => f.title === "README.")!;
  assertEquals(await sha256(stored.bytes), await sha256(readme));
});

Deno.test("cli --dry-run says README would be skipped, or stored as README. in an empty folder", async () => {
  await using s = await setup();
  const skip = await runCli([
    `${s.dir.path}/up`,
    "--folder",
    "1",
    "--skip-existing",
    "--dry-run",
  ], { env: s.env });
  assertEquals(skip.code, 0, skip.stderr);
  assertStringIncludes(
    skip.stdout,
    `would skip: ${s.dir.path}/up/README (10 B): "README." is already in folder 1/up with the same size (10 B), updated there `,
  );
  await writeRandom(`${s.dir.path}/other/README`, 5);
  const fresh = await runCli([
    `${s.dir.path}/other`,
    "--folder",
    "1",
    "--dry-run",
  ], { env: s.env });
  assertEquals(fresh.code, 0, fresh.stderr);
  assertStringIncludes(
    fresh.stdout,
    `would upload: ${s.dir.path}/other/README (5 B): a new file, stored as "README."\n`,
  );
  const version = await runCli([
    `${s.dir.path}/up`,
    "--folder",
    "1",
    "--dry-run",
  ], { env: s.env });
  assertStringIncludes(
    version.stdout,
    `would upload: ${s.dir.path}/up/Photo.JPG (20 B): as a new version of file `,
  );
  assertEquals(s.portal.emulator.files().length, 2);
});
