// Batches: --resume skips the files an interrupted run finished, saved progress with --restart is
// dropped (its sessions aborted) in one line, empty directories are created once.
import {
  assert,
  assertEquals,
  assertMatch,
  assertStringIncludes,
} from "@std/assert";
import { startEmulator } from "../../testing.ts";
import {
  runCli,
  sha256,
  spawnCli,
  startSlowUpload,
  stateFiles,
  tempDir,
  waitFor,
  writeRandom,
} from "./_run.ts";

const CHUNK = 64 * 1024;

/** Every file in the state directory, resume states and batch journals alike. */
async function saved(dir: string): Promise<string[]> {
  try {
    return (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name);
  } catch {
    return [];
  }
}

Deno.test("cli --resume of a batch skips the files it finished and continues the others", async () => {
  await using portal = await startEmulator({ chunkUploadSize: CHUNK });
  await using dir = await tempDir();
  const bytes = new Map<string, Uint8Array>();
  for (const name of ["a.bin", "b.bin", "c.bin", "d.bin"]) {
    bytes.set(name, await writeRandom(`${dir.path}/batch/${name}`, 12 * CHUNK));
  }
  const env = {
    DOCSPACE_URL: portal.url,
    DOCSPACE_TOKEN: portal.token,
    DOCSPACE_STATE_DIR: dir.state,
  };
  portal.emulator.injectFault({
    kind: "latency",
    ms: 30,
    times: 100_000,
    match: { mode: "numbered" },
  });
  const child = spawnCli(
    [`${dir.path}/batch`, "--folder", "1", "--concurrency", "1"],
    { env },
  );
  // a.bin and b.bin finish; c.bin and d.bin are under way.
  await waitFor(
    "two finished files, and saved chunks of the next two",
    async () => {
      if (portal.emulator.files().length < 2) return undefined;
      let saving = 0;
      for (const file of await stateFiles(dir.state)) {
        try {
          const saved = JSON.parse(await Deno.readTextFile(file));
          // Not the state of a finished file that is about to be removed.
          if (
            /\/(c|d)\.bin$/.test(saved.path) &&
            saved.state.confirmedChunks.length > 0
          ) saving++;
        } catch {
          // Caught between the write and the rename.
        }
      }
      return saving === 2 ? true : undefined;
    },
  );
  child.kill("SIGINT");
  const first = await child.output();
  const stderr = new TextDecoder().decode(first.stderr);
  assertEquals(first.code, 130, stderr);
  const done = portal.emulator.files().map((f) => f.title).sort();
  assertEquals(done, ["a.bin", "b.bin"]);
  assertMatch(
    stderr,
    /\nInterrupted: 2 uploaded, 2 stopped, 1 folder created; the same command again continues where this run stopped \(--restart starts over\)\n$/,
  );
  portal.emulator.clearFaults();

  // A dry run first: what --resume would do, with nothing sent that writes.
  const planned = portal.emulator.log.length;
  const dry = await runCli(
    [`${dir.path}/batch`, "--folder", "1", "--resume", "--dry-run"],
    { env },
  );
  assertEquals(dry.code, 0, dry.stderr);
  const verbs = dry.stdout.trimEnd().split("\n").map((line) =>
    line.replace(/: .*/, "")
  );
  assertEquals(verbs, [
    "would skip",
    "would skip",
    "would resume",
    "would resume",
  ]);
  assertMatch(
    dry.stdout,
    /would resume: \S+\/c\.bin \(768 KiB\): after [\d.]+ KiB of 768 KiB\n/,
  );
  assertEquals(
    portal.emulator.log.slice(planned).filter((e) => e.method !== "GET"),
    [],
  );

  const before = portal.emulator.log.length;
  const resumed = await runCli(
    [`${dir.path}/batch`, "--folder", "1", "--resume"],
    { env },
  );
  assertEquals(resumed.code, 0, resumed.stderr);
  for (const name of done) {
    assertMatch(
      resumed.stderr,
      new RegExp(
        `batch/${name}: skipped, uploaded by an earlier run that did not finish \\(file \\d+, version 1\\)\\n`,
      ),
    );
  }
  assertMatch(resumed.stderr, /\nDone: 2 uploaded \([^)]+\), 2 skipped\n$/);
  // No new session or upload for anything: c.bin and d.bin continued theirs.
  const log = portal.emulator.log.slice(before);
  assertEquals(
    log.filter((e) =>
      e.mode === "create" || e.mode === "session" || e.mode === "insert"
    ),
    [],
  );
  const files = portal.emulator.files();
  assertEquals(files.map((f) => [f.title, f.version]).sort(), [
    ["a.bin", 1],
    ["b.bin", 1],
    ["c.bin", 1],
    ["d.bin", 1],
  ]);
  for (const file of files) {
    assertEquals(
      await sha256(file.bytes),
      await sha256(bytes.get(file.title)!),
    );
  }
  // A finished batch leaves nothing behind.
  assertEquals(await saved(dir.state), []);
});

for (const dataStore of ["s3", "disk"] as const) {
  Deno.test(`cli --restart says in one line that saved progress is dropped, and aborts its session (${dataStore})`, async () => {
    await using portal = await startEmulator({
      chunkUploadSize: CHUNK,
      dataStore,
    });
    await using dir = await tempDir();
    const { path, bytes, env, child } = await startSlowUpload(
      portal,
      dir,
      40 * CHUNK,
      1,
    );
    // A state file that records a confirmed chunk: the server holds one.
    await waitFor("a saved chunk", async () => {
      for (const file of await stateFiles(dir.state)) {
        const saved = JSON.parse(
          await Deno.readTextFile(file).catch(() => "{}"),
        );
        if (saved.state?.confirmedChunks?.length > 0) return true;
      }
      return undefined;
    });
    child.kill("SIGKILL");
    await child.output();
    portal.emulator.clearFaults();
    const old = portal.emulator.sessions()[0]?.id;
    assert(old !== undefined);

    const again = await runCli([path, "--folder", "1", "--restart"], { env });
    assertEquals(again.code, 0, again.stderr);
    assertEquals(
      again.stderr.split("\n")[0],
      "Saved progress of an earlier run of this file was found (0 finished, 1 partly uploaded); --restart starts over, and the earlier server sessions are aborted",
    );
    // The old session is aborted on the server, not left to hold its chunks for 12 hours; where the server
    // cannot (its disk storage refuses once a chunk is stored), the CLI says so.
    const aborts = portal.emulator.log.filter((e) =>
      e.mode === "abort" && e.uid === old
    );
    assertEquals(aborts.length, 1);
    if (dataStore === "s3") {
      assertEquals(aborts[0]?.status, 200);
      assertEquals(portal.emulator.sessions(), []);
      assert(!again.stderr.includes("could not be aborted"), again.stderr);
    } else {
      assertEquals(portal.emulator.sessions().map((s) => s.id), [old]);
      assertStringIncludes(
        again.stderr,
        "\nwarning: 1 earlier server session could not be aborted (",
      );
      assertStringIncludes(
        again.stderr,
        "); their chunks stay on the server until the session expires, 12 hours after its last chunk\n",
      );
    }
    const [file] = portal.emulator.files();
    assertEquals(file?.version, 1);
    assertEquals(await sha256(file!.bytes), await sha256(bytes));
    assertEquals(await saved(dir.state), []);
  });
}

Deno.test("cli creates empty directories in the target, once", async () => {
  await using portal = await startEmulator({ chunkUploadSize: CHUNK });
  await using dir = await tempDir();
  await writeRandom(`${dir.path}/tree/f.bin`, 100);
  await Deno.mkdir(`${dir.path}/tree/empty`, { recursive: true });
  await Deno.mkdir(`${dir.path}/tree/x/y`, { recursive: true });
  await Deno.mkdir(`${dir.path}/alone`);
  const env = {
    DOCSPACE_URL: portal.url,
    DOCSPACE_TOKEN: portal.token,
    DOCSPACE_STATE_DIR: dir.state,
  };
  const args = [`${dir.path}/tree`, `${dir.path}/alone`, "--folder", "1"];
  const run = await runCli(args, { env });
  assertEquals(run.code, 0, run.stderr);
  assertMatch(
    run.stderr,
    // tree, tree/empty, tree/x, tree/x/y and alone: every folder the run made, counted.
    /\nDone: 1 uploaded \([^)]+\), 5 folders created\n$/,
  );
  const list = async (id: number | string) =>
    (await (await portal.emulator.app.request(`/api/2.0/files/${id}`, {
      headers: { authorization: `Bearer ${portal.token}` },
    })).json()).response;
  const titles = async (id: number | string) =>
    (await list(id)).folders.map((f: { title: string }) => f.title).sort();
  const root = await list(1);
  const tree = root.folders.find((f: { title: string }) => f.title === "tree");
  assertEquals(await titles(1), ["alone", "tree"]);
  assertEquals(await titles(tree.id), ["empty", "x"]);
  const x = (await list(tree.id)).folders.find((f: { title: string }) =>
    f.title === "x"
  );
  assertEquals(await titles(x.id), ["y"]);

  const creates = portal.emulator.log.filter((e) => e.mode === "create-folder")
    .length;
  const again = await runCli([...args, "--skip-existing"], { env });
  assertEquals(again.code, 0, again.stderr);
  assertEquals(
    portal.emulator.log.filter((e) => e.mode === "create-folder").length,
    creates,
  );
  assertEquals(await titles(1), ["alone", "tree"]);
});
