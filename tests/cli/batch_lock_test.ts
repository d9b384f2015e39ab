import { assertEquals, assertRejects } from "@std/assert";
import { BatchLock, BatchLockedError } from "../../cli/resume/batch_lock.ts";
import { tempDir } from "./_run.ts";

Deno.test("BatchLock is held once, names its holder, and takes over the lock of a process that is gone", async () => {
  await using dir = await tempDir();
  const file = `${dir.path}/state/batch-x.lock`;
  const lock = await BatchLock.acquire(file);
  const error = await assertRejects(
    () => BatchLock.acquire(file),
    BatchLockedError,
  );
  assertEquals(error.holder?.pid, Deno.pid);
  await lock.release();
  // A process that has ended.
  const gone = new Deno.Command("true").spawn();
  await gone.status;
  await Deno.writeTextFile(
    file,
    JSON.stringify({
      pid: gone.pid,
      host: Deno.hostname(),
      started: "2026-01-01T00:00:00.000Z",
    }),
  );
  await using again = await BatchLock.acquire(file);
  assertEquals(JSON.parse(await Deno.readTextFile(file)).pid, Deno.pid);
  assertEquals(again.file, file);
});
