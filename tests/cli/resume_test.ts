// Resume: a CLI killed (SIGKILL) or interrupted (SIGINT) mid-upload leaves its state file; --resume sends
// only the missing chunks and finalizes; a file that changed since is refused.
import {
  assert,
  assertEquals,
  assertMatch,
  assertStringIncludes,
} from "@std/assert";
// dataStore "s3": its abort always succeeds, and these tests are about asking for it (on the default disk
// storage DocSpace keeps a session once a chunk is stored: tests/emulator/storage_test.ts).
import { startEmulator } from "../../testing.ts";
import type { SavedUpload } from "../../cli/resume/state_file.ts";
import {
  runCli,
  sha256,
  startSlowUpload,
  stateFiles,
  tempDir,
  waitFor,
  writeRandom,
} from "./_run.ts";

const CHUNK = 64 * 1024;
const CHUNKS = 40;

async function readState(dir: string): Promise<SavedUpload | undefined> {
  const [file] = await stateFiles(dir);
  if (file === undefined) return undefined;
  try {
    return JSON.parse(await Deno.readTextFile(file));
  } catch {
    return undefined; // Caught between the write and the rename: try again.
  }
}

/** Starts an upload against a slow emulator and stops it with `signal` once `confirmed` chunks are saved. */
async function interrupted(signal: Deno.Signal, confirmed = 5) {
  const portal = await startEmulator({
    dataStore: "s3",
    chunkUploadSize: CHUNK,
  });
  const dir = await tempDir();
  const { path, bytes, env, child } = await startSlowUpload(
    portal,
    dir,
    CHUNKS * CHUNK - 1000,
    2,
  );
  await waitFor("saved chunks", async () => {
    const saved = await readState(dir.state);
    return saved && saved.state.confirmedChunks.length >= confirmed
      ? saved
      : undefined;
  });
  child.kill(signal);
  const output = await child.output();
  portal.emulator.clearFaults();
  const saved = await readState(dir.state);
  if (saved === undefined) throw new Error("the state file is gone");
  return {
    portal,
    dir,
    path,
    bytes,
    env,
    saved,
    output: {
      code: output.code,
      signal: output.signal,
      stdout: new TextDecoder().decode(output.stdout),
      stderr: new TextDecoder().decode(output.stderr),
    },
    async [Symbol.asyncDispose]() {
      await portal.close();
      await dir[Symbol.asyncDispose]();
    },
  };
}

Deno.test("cli --resume after SIGKILL sends only the missing chunks, byte-exact", async () => {
  await using run = await interrupted("SIGKILL");
  assertEquals(run.output.signal, "SIGKILL");
  const { saved, portal } = run;
  assertEquals(saved.path, run.path);
  assertEquals(saved.size, CHUNKS * CHUNK - 1000);
  assertEquals(saved.state.chunkSize, CHUNK);
  assertEquals(saved.state.fileName, "big.bin");
  assertEquals(saved.state.folderId, 1);
  const confirmed = new Set(saved.state.confirmedChunks);
  assert(confirmed.size >= 5 && confirmed.size < CHUNKS);

  const before = portal.emulator.log.length;
  const resumed = await runCli([run.path, "--folder", "1", "--resume"], {
    env: run.env,
  });
  assertEquals(resumed.code, 0, resumed.stderr);
  assertMatch(
    resumed.stderr,
    /^Uploading .*big\.bin \(2\.5 MiB, resuming after [\d.]+ KiB\)\n$/,
  );
  assertMatch(
    resumed.stdout,
    /big\.bin: 2\.5 MiB uploaded to folder 1 \(file 1, version 1\)/,
  );
  const log = portal.emulator.log.slice(before);
  assertEquals(log.filter((e) => e.mode === "create"), []);
  const sent = log.filter((e) => e.mode === "numbered").map((e) =>
    e.chunkNumber!
  );
  const missing = Array.from({ length: CHUNKS }, (_, i) => i + 1).filter((n) =>
    !confirmed.has(n)
  );
  assertEquals(sent.toSorted((a, b) => a - b), missing);
  assertEquals(log.filter((e) => e.mode === "finalize").length, 1);
  const [file] = portal.emulator.files();
  assertEquals(await sha256(file!.bytes), await sha256(run.bytes));
  assertEquals(await stateFiles(run.dir.state), []);
});

Deno.test("cli on SIGINT stops cleanly, exits 130 and keeps the state; --resume finishes", async () => {
  await using run = await interrupted("SIGINT");
  assertEquals(run.output.code, 130, run.output.stderr);
  assertEquals(run.output.stdout, "");
  assertMatch(
    run.output.stderr,
    /\nInterrupted: 0 uploaded, 1 stopped; the same command again continues where this run stopped \(--restart starts over\)\n$/,
  );
  const { portal } = run;
  // In-flight requests were aborted, and the session was kept for --resume.
  assertEquals(portal.emulator.sessions().length, 1);
  assertEquals(portal.emulator.log.filter((e) => e.mode === "abort"), []);
  assertEquals(portal.emulator.log.filter((e) => e.mode === "finalize"), []);
  // The state file holds every chunk the server confirmed before the CLI stopped.
  const stored = new Set(portal.emulator.sessions()[0]!.chunkNumbers);
  for (const n of run.saved.state.confirmedChunks) {
    assert(stored.has(n), `chunk ${n}`);
  }

  const before = portal.emulator.log.length;
  const resumed = await runCli([
    run.path,
    "--folder",
    "1",
    "--resume",
    "--json",
  ], { env: run.env });
  assertEquals(resumed.code, 0, resumed.stderr);
  assertEquals(
    JSON.parse(resumed.stdout).file.pureContentLength,
    run.bytes.length,
  );
  const sent = portal.emulator.log.slice(before).filter((e) =>
    e.mode === "numbered"
  );
  assertEquals(sent.length, CHUNKS - run.saved.state.confirmedChunks.length);
  assertEquals(
    await sha256(portal.emulator.files()[0]!.bytes),
    await sha256(run.bytes),
  );
  assertEquals(await stateFiles(run.dir.state), []);
});

Deno.test("cli --resume refuses a file whose size changed since", async () => {
  await using run = await interrupted("SIGKILL");
  const file = await Deno.open(run.path, { append: true });
  await file.write(new Uint8Array(10));
  file.close();
  const before = run.portal.emulator.log.length;
  const resumed = await runCli([run.path, "--folder", "1", "--resume"], {
    env: run.env,
  });
  assertEquals(resumed.code, 1);
  assertStringIncludes(
    resumed.stderr,
    `error: ${run.path}: cannot resume: the file changed since its upload was interrupted (its size changed from 2620440 to 2620450 bytes); run without --resume to upload it again`,
  );
  assertEquals(run.portal.emulator.log.slice(before), []);
  assertEquals(run.portal.emulator.files(), []);
});

Deno.test("cli --resume refuses a file modified since, even at the same size", async () => {
  await using run = await interrupted("SIGKILL");
  await Deno.utime(run.path, new Date(), new Date(Date.now() + 60_000));
  const resumed = await runCli([run.path, "--folder", "1", "--resume"], {
    env: run.env,
  });
  assertEquals(resumed.code, 1);
  assertMatch(
    resumed.stderr,
    /cannot resume: the file changed since its upload was interrupted \(it was modified/,
  );
  // Without --resume it uploads from the start.
  const fresh = await runCli([run.path, "--folder", "1"], { env: run.env });
  assertEquals(fresh.code, 0, fresh.stderr);
  assertEquals(
    await sha256(run.portal.emulator.files()[0]!.bytes),
    await sha256(run.bytes),
  );
  assertEquals(await stateFiles(run.dir.state), []);
});

Deno.test("cli --resume of a session the server no longer knows fails and drops the state", async () => {
  await using run = await interrupted("SIGKILL");
  // The session goes away on the server (as after 12 hours without a chunk).
  await fetch(`${run.saved.state.location}&abort=true`, {
    method: "POST",
    headers: { authorization: `Bearer ${run.portal.token}` },
  }).then((r) => r.body?.cancel());
  const resumed = await runCli([run.path, "--folder", "1", "--resume"], {
    env: run.env,
  });
  assertEquals(resumed.code, 1);
  assertStringIncludes(
    resumed.stderr,
    "the saved session has expired or is gone; run the command again to upload the file from the start",
  );
  assertEquals(await stateFiles(run.dir.state), []);
});

Deno.test("cli --resume without saved state uploads from the start", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    chunkUploadSize: CHUNK,
  });
  await using dir = await tempDir();
  const bytes = await writeRandom(`${dir.path}/new.bin`, 3 * CHUNK);
  const run = await runCli(
    [`${dir.path}/new.bin`, "--folder", "1", "--resume"],
    {
      env: {
        DOCSPACE_URL: portal.url,
        DOCSPACE_TOKEN: portal.token,
        DOCSPACE_STATE_DIR: dir.state,
      },
    },
  );
  assertEquals(run.code, 0, run.stderr);
  assertStringIncludes(
    run.stderr,
    "new.bin: no interrupted upload is saved for it; uploading it from the start",
  );
  assertEquals(
    await sha256(portal.emulator.files()[0]!.bytes),
    await sha256(bytes),
  );
});

Deno.test("cli continues an interrupted run by default when the file is unchanged; Ctrl-C says so", async () => {
  await using run = await interrupted("SIGINT");
  assertStringIncludes(
    run.output.stderr,
    "the same command again continues where this run stopped (--restart starts over)",
  );
  const before = run.portal.emulator.log.length;
  const again = await runCli([run.path, "--folder", "1"], { env: run.env });
  assertEquals(again.code, 0, again.stderr);
  assertEquals(
    again.stderr.split("\n")[0],
    "Continuing an earlier run of this file: 1 partly uploaded file resumed; --restart starts over",
  );
  const log = run.portal.emulator.log.slice(before);
  // No new session, no abort: only the chunks the server did not have.
  assertEquals(
    log.filter((e) => e.mode === "create" || e.mode === "abort"),
    [],
  );
  const sent = new Set(
    log.filter((e) => e.mode === "numbered").map((e) => e.chunkNumber),
  );
  for (const n of run.saved.state.confirmedChunks) assert(!sent.has(n));
  const [file] = run.portal.emulator.files();
  assertEquals(file?.version, 1);
  assertEquals(await sha256(file!.bytes), await sha256(run.bytes));
  assertEquals(await stateFiles(run.dir.state), []);
});

Deno.test("cli --resume with a tampered state file fails that file in one line; --restart uploads it", async () => {
  await using run = await interrupted("SIGKILL");
  const [state] = await stateFiles(run.dir.state);
  await Deno.writeTextFile(
    state!,
    JSON.stringify({
      ...run.saved,
      state: { ...run.saved.state, confirmedChunks: "1,2" },
    }),
  );
  for (const flags of [["--resume"], []]) {
    const resumed = await runCli([run.path, "--folder", "1", ...flags], {
      env: run.env,
    });
    assertEquals(resumed.code, 1);
    assertEquals(
      resumed.stderr.split("\n").filter((l) => l.startsWith("error:")),
      [
        `error: ${run.path}: its saved resume state (${state}) is not valid: its state's confirmedChunks are not chunk numbers of the file; run with --restart to upload it from the start`,
      ],
    );
    assert(!resumed.stderr.includes("    at "), resumed.stderr);
  }
  const restarted = await runCli([run.path, "--folder", "1", "--restart"], {
    env: run.env,
  });
  assertEquals(restarted.code, 0, restarted.stderr);
  assertEquals(
    await sha256(run.portal.emulator.files()[0]!.bytes),
    await sha256(run.bytes),
  );
  assertEquals(await stateFiles(run.dir.state), []);
});

Deno.test("cli refuses a second run of a batch while the first runs, naming its process; the first is unharmed", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    chunkUploadSize: CHUNK,
  });
  await using dir = await tempDir();
  const { path, bytes, env, child: first } = await startSlowUpload(
    portal,
    dir,
    CHUNKS * CHUNK,
    1,
  );
  await waitFor("saved chunks", async () => {
    const saved = await readState(dir.state);
    return saved && saved.state.confirmedChunks.length >= 2 ? true : undefined;
  });
  const second = await runCli([path, "--folder", "1"], { env });
  assertEquals(second.code, 1);
  assertMatch(
    second.stderr,
    new RegExp(
      `^error: another run of this batch \\(process ${first.pid}, started \\S+\\) is using its saved progress; wait for it to end or stop it, then run this command again \\(if no such run is going on, remove ${dir.state}/batch-[0-9a-f]{32}\\.lock\\)\\n$`,
    ),
  );
  portal.emulator.clearFaults();
  const output = await first.output();
  assertEquals(output.code, 0, new TextDecoder().decode(output.stderr));
  assertEquals(portal.emulator.log.filter((e) => e.mode === "abort"), []);
  const [file] = portal.emulator.files();
  assertEquals(file?.version, 1);
  assertEquals(await sha256(file!.bytes), await sha256(bytes));
  // The lock went with the run; a lock left by a process that is gone is taken over.
  assertEquals(await Array.fromAsync(Deno.readDir(dir.state)), []);
});
