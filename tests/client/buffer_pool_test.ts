import { assert, assertEquals } from "@std/assert";
import { BufferPool } from "../../src/client/_buffer_pool.ts";

Deno.test("BufferPool reuses released buffers and never a discarded one", async () => {
  const pool = new BufferPool(4, 1);
  const first = await pool.acquire();
  pool.release(first);
  assert((await pool.acquire()) === first);
  // A buffer a failed request may still hold (node:http can have it queued) is never read into again.
  pool.discard();
  const fresh = await pool.acquire();
  assert(fresh !== first);
  assertEquals(pool.made, 1);
  // A discard while someone waits hands the waiter a new buffer at once.
  const waiting = pool.acquire();
  pool.discard();
  const handed = await waiting;
  assert(handed !== fresh);
  assertEquals([handed.length, pool.made], [4, 1]);
});
