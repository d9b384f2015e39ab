// RequestBudget: the most requests in flight, the pace per minute, and what a 429 does to both.
import { assertEquals, assertRejects } from "@std/assert";
import { RequestBudget } from "../../src/client/request_budget.ts";

/** A fetch that answers after `ms`, counting how many of its requests overlap. */
function counting(ms: number, status = () => 200, headers = () => ({})) {
  const seen = { inFlight: 0, most: 0, calls: 0 };
  const fetcher = async (_input: RequestInfo | URL, _init?: RequestInit) => {
    seen.calls++;
    seen.most = Math.max(seen.most, ++seen.inFlight);
    await new Promise((resolve) => setTimeout(resolve, ms));
    seen.inFlight--;
    return new Response("{}", { status: status(), headers: headers() });
  };
  return { seen, fetcher: fetcher as typeof fetch };
}

Deno.test("RequestBudget keeps writes and reads within their own limits", async () => {
  const budget = new RequestBudget({
    writes: 3,
    reads: 2,
    requestsPerMinute: false,
  });
  const writes = counting(5);
  const reads = counting(5);
  const sendWrite = budget.fetch(writes.fetcher);
  const sendRead = budget.fetch(reads.fetcher);
  await Promise.all([
    ...Array.from(
      { length: 20 },
      () => sendWrite("http://x/", { method: "POST" }),
    ),
    ...Array.from({ length: 20 }, () => sendRead("http://x/")),
  ]);
  assertEquals([writes.seen.most, reads.seen.most], [3, 2]);
  const stats = budget.stats();
  assertEquals([stats.started, stats.peakWrites, stats.peakReads], [40, 3, 2]);
});

Deno.test("RequestBudget starts no more than requestsPerMinute requests in a minute of its clock", async () => {
  let now = 0;
  const budget = new RequestBudget({
    writes: 10,
    requestsPerMinute: 5,
    now: () => now,
  });
  const { fetcher, seen } = counting(0);
  const send = budget.fetch(fetcher);
  const all = Promise.all(
    Array.from({ length: 7 }, () => send("http://x/", { method: "PUT" })),
  );
  await new Promise((resolve) => setTimeout(resolve, 20));
  assertEquals(seen.calls, 5);
  now = 60_000; // a minute later by the budget's clock, the sixth and seventh may start
  await all;
  assertEquals(seen.calls, 7);
});

Deno.test("RequestBudget halves its write limit on a 429 and grows it back after successes", async () => {
  const budget = new RequestBudget({ writes: 8, requestsPerMinute: false });
  const refused = budget.fetch(counting(0, () => 429).fetcher);
  assertEquals((await refused("http://x/", { method: "POST" })).status, 429);
  assertEquals(budget.stats().writeLimit, 4);
  await refused("http://x/", { method: "POST" });
  assertEquals(budget.stats().writeLimit, 2);
  const ok = budget.fetch(counting(0).fetcher);
  for (let i = 0; i < 2; i++) await ok("http://x/", { method: "POST" });
  assertEquals(budget.stats().writeLimit, 3);
  for (let i = 0; i < 3 + 4 + 5 + 6 + 7; i++) {
    await ok("http://x/", { method: "POST" });
  }
  assertEquals(budget.stats().writeLimit, 8);
  assertEquals(budget.stats().refused, 2);
});

Deno.test("RequestBudget holds new requests back for as long as a 429's Retry-After or X-RateLimit-Reset asks", async () => {
  for (
    const header of [{ "retry-after": "1" }, { "x-ratelimit-reset": "1" }]
  ) {
    let now = 1_000_000;
    const budget = new RequestBudget({ writes: 4, now: () => now });
    let first = true;
    const { fetcher, seen } = counting(0, () => {
      if (first) {
        first = false;
        return 429;
      }
      return 200;
    }, () => header);
    const send = budget.fetch(fetcher);
    assertEquals((await send("http://x/", { method: "POST" })).status, 429);
    const next = send("http://x/", { method: "POST" });
    await new Promise((resolve) => setTimeout(resolve, 30));
    assertEquals(seen.calls, 1, `held back by ${JSON.stringify(header)}`);
    now += 1000;
    await new Promise((resolve) => setTimeout(resolve, 1010));
    assertEquals((await next).status, 200);
  }
});

Deno.test("RequestBudget gives up the wait of an aborted request, and its place is not lost", async () => {
  const budget = new RequestBudget({ writes: 1, requestsPerMinute: false });
  const release = await budget.acquire("POST");
  const controller = new AbortController();
  const waiting = budget.acquire("POST", controller.signal);
  controller.abort(new Error("stop"));
  await assertRejects(() => waiting, Error, "stop");
  release();
  const again = await budget.acquire("POST");
  again();
  assertEquals(budget.stats().started, 2);
});

Deno.test("RequestBudget refuses limits that are not positive integers", () => {
  for (const writes of [0, -1, 1.5, NaN]) {
    let message = "";
    try {
      new RequestBudget({ writes });
    } catch (error) {
      message = (error as Error).message;
    }
    assertEquals(
      message,
      `Cannot create RequestBudget: writes must be a positive integer, received ${writes}`,
    );
  }
});
