import { assert, assertEquals, assertNotEquals } from "@std/assert";
import { stateDirectory, StateStore } from "../../cli/resume/state_file.ts";
import { tempDir } from "./_run.ts";

Deno.test("stateDirectory: DOCSPACE_STATE_DIR, then XDG_STATE_HOME, then ~/.local/state", () => {
  const env = (vars: Record<string, string>) => (name: string) => vars[name];
  assertEquals(
    stateDirectory(
      env({ DOCSPACE_STATE_DIR: "/s", XDG_STATE_HOME: "/x", HOME: "/h" }),
    ),
    "/s",
  );
  assertEquals(
    stateDirectory(env({ XDG_STATE_HOME: "/x", HOME: "/h" })),
    "/x/docspace-upload",
  );
  assertEquals(
    stateDirectory(env({ HOME: "/h" })),
    "/h/.local/state/docspace-upload",
  );
});

Deno.test("StateStore saves, loads and removes an upload's state, private to its owner", async () => {
  await using dir = await tempDir();
  const store = new StateStore(`${dir.path}/deep/state`);
  const target = {
    url: "https://portal.example",
    folderId: 7,
    path: "/data/a.bin",
    fileName: "a.bin",
  };
  const file = await store.pathFor(target);
  assertEquals(await store.load(file), undefined);
  const saved = {
    version: 1 as const,
    url: target.url,
    path: target.path,
    size: 3000,
    mtime: 1_700_000_000_000,
    state: {
      location: "https://portal.example/ChunkedUploader.ashx?uid=abc",
      folderId: 7,
      fileName: "a.bin",
      fileSize: 3000,
      chunkSize: 1024,
      confirmedChunks: [1, 3],
    },
    updated: "2026-01-01T00:00:00.000Z",
  };
  store.saveSync(file, saved);
  assertEquals(await store.load(file), saved);
  assertEquals((await Deno.stat(file)).mode! & 0o777, 0o600);
  assertEquals((await Deno.stat(store.directory)).mode! & 0o777, 0o700);
  // No temporary files are left beside it.
  assertEquals(
    (await Array.fromAsync(Deno.readDir(store.directory))).map((e) => e.name),
    [file.split("/").at(-1)],
  );
  await store.remove(file);
  assertEquals(await store.load(file), undefined);
  await store.remove(file); // Removing twice is fine.
});

Deno.test("StateStore keeps one state per file and target", async () => {
  const store = new StateStore("/unused");
  const base = {
    url: "https://p",
    folderId: 1,
    path: "/a/x.bin",
    fileName: "x.bin",
  };
  const names = new Set(
    await Promise.all([
      store.pathFor(base),
      store.pathFor({ ...base, url: "https://p/" }),
      store.pathFor({ ...base, folderId: 2 }),
      store.pathFor({ ...base, relativePath: "a" }),
      store.pathFor({ ...base, fileName: "y.bin" }),
      store.pathFor({ ...base, path: "/b/x.bin" }),
    ]),
  );
  // A trailing slash on the URL is the same portal; everything else is another upload.
  assertEquals(names.size, 5);
  assertEquals(
    await store.pathFor(base),
    await store.pathFor({ ...base, url: "https://p/" }),
  );
  assertNotEquals(
    await store.pathFor(base),
    await store.pathFor({ ...base, folderId: "1x" }),
  );
  assert((await store.pathFor(base)).startsWith("/unused/"));
});

Deno.test("StateStore says why a state file it cannot use is not a saved upload", async () => {
  await using dir = await tempDir();
  const store = new StateStore(dir.path);
  assertEquals(await store.load(`${dir.path}/none.json`), undefined);
  await Deno.writeTextFile(`${dir.path}/bad.json`, "{not json");
  assertEquals(await store.load(`${dir.path}/bad.json`), {
    invalid: "it is not JSON",
  });
  await Deno.writeTextFile(
    `${dir.path}/old.json`,
    JSON.stringify({ version: 0 }),
  );
  assertEquals(await store.load(`${dir.path}/old.json`), {
    invalid: "its version is not 1",
  });
});
