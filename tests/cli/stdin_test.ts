// The free space a stdin spool looks at before and while it saves (df -Pk).
import { assert, assertEquals } from "@std/assert";
import { freeBytes } from "../../cli/files/stdin.ts";

Deno.test("freeBytes tells the room on a directory's disk, and nothing for a path that is not there", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const free = await freeBytes(dir);
    assert(free !== undefined && free > 0, String(free));
    assertEquals(await freeBytes(`${dir}/missing/deeper`), undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
