// DocSpace's global rate limiter (common/ASC.Api.Core/Core/BaseStartup.cs, RateLimiterSettings.cs, the
// RedisRateLimiting 1.2.1 limiters): a sliding window of 1500 requests a minute, 15 concurrent writes and
// 50 concurrent GETs with no queue, 10,000 POST/PUT a day, per user; a refusal is 429 with the headers of
// the limiter that refused. Driven by an injected clock: no test waits for a window.
import { assertEquals, assertThrows } from "@std/assert";
import {
  DocSpaceEmulator,
  type EmulatorOptions,
  startEmulator,
} from "../../testing.ts";

const encoder = new TextEncoder();

/** A clock the test moves. */
function clock(start = Date.UTC(2025, 0, 1)) {
  let now = start;
  return {
    now: () => now,
    set(ms: number) {
      now = ms;
    },
    advance(ms: number) {
      now += ms;
    },
  };
}

function auth(token = "emulator-token"): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

async function send(
  emulator: DocSpaceEmulator,
  path: string,
  init: RequestInit = {},
): Promise<Response> {
  const response = await emulator.app.request(path, init);
  await response.body?.cancel();
  return response;
}

/**
 * A write whose body arrives only when `finish()` is called: it is in flight (holding its permit) from
 * arrival until then, as a slow upload is.
 */
function heldWrite(
  emulator: DocSpaceEmulator,
  path: string,
  headers: Record<string, string> = auth(),
  method = "POST",
) {
  let close!: () => void;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      close = () => {
        controller.enqueue(encoder.encode('{"title":"held"}'));
        controller.close();
      };
    },
  });
  const response = Promise.resolve(
    emulator.app.request(path, {
      method,
      headers: { ...headers, "content-type": "application/json" },
      body,
    }),
  );
  return {
    async finish(): Promise<Response> {
      close();
      const done = await response;
      await done.body?.cancel();
      return done;
    },
  };
}

function headersOf(response: Response): Record<string, string> {
  return Object.fromEntries(
    [...response.headers].filter(([name]) =>
      name.startsWith("x-ratelimit") || name === "retry-after"
    ),
  );
}

Deno.test("the 16th concurrent write is refused at once: 429, the concurrency limiter's headers, no body; ChunkedUploader.ashx is covered", async () => {
  const emulator = new DocSpaceEmulator();
  const created = await emulator.app.request(
    "/api/2.0/files/1/upload/create_session",
    {
      method: "POST",
      headers: { ...auth(), "content-type": "application/json" },
      body: JSON.stringify({ fileName: "a.bin", fileSize: 30 * 1024 * 1024 }),
    },
  );
  const location = new URL((await created.json()).response.data.location);
  const chunkPath =
    `${location.pathname}${location.search}&upload=true&chunkNumber=1`;
  const held = Array.from(
    { length: 15 },
    () => heldWrite(emulator, "/api/2.0/files/folder/1"),
  );
  const refused = await emulator.app.request(chunkPath, {
    method: "POST",
    headers: auth(),
    body: "never read",
  });
  assertEquals(refused.status, 429);
  assertEquals(headersOf(refused), {
    "x-ratelimit-limit": "15",
    "x-ratelimit-remaining": "0",
  });
  assertEquals(refused.headers.get("content-length"), "0");
  assertEquals(await refused.text(), "");
  const entry = emulator.log.at(-1)!;
  assertEquals([entry.mode, entry.status, entry.rateLimit], [
    "numbered",
    429,
    "concurrentWrites",
  ]);
  // The fifteen were admitted and go on; once one finishes, the next write is admitted.
  assertEquals(
    (await Promise.all(held.map((h) => h.finish()))).map((r) => r.status),
    Array(15).fill(200),
  );
  assertEquals(
    (await send(emulator, "/api/2.0/files/folder/1", {
      method: "POST",
      headers: auth(),
      body: '{"title":"next"}',
    })).status,
    200,
  );
  const stats = emulator.stats();
  assertEquals(stats.refused, {
    total: 1,
    byLimit: {
      requestsPerMinute: 0,
      concurrentWrites: 1,
      concurrentGets: 0,
      writesPerDay: 0,
    },
    byUser: { admin: 1 },
  });
  assertEquals(stats.peakConcurrentWrites, { admin: 15 });
});

Deno.test("GETs are limited apart from writes: 50 at once, the 51st refused, writes in flight do not count", async () => {
  const emulator = new DocSpaceEmulator();
  const writes = Array.from(
    { length: 15 },
    () => heldWrite(emulator, "/api/2.0/files/folder/1"),
  );
  // Each GET is held in flight by a latency fault; the 51st arrives while the 50 are.
  emulator.injectFault({
    kind: "latency",
    ms: 200,
    times: 50,
    match: { mode: "settings" },
  });
  const gets = Array.from(
    { length: 50 },
    () => send(emulator, "/api/2.0/files/settings", { headers: auth() }),
  );
  const refused = await send(emulator, "/api/2.0/files/settings", {
    headers: auth(),
  });
  assertEquals(refused.status, 429);
  assertEquals(headersOf(refused), {
    "x-ratelimit-limit": "50",
    "x-ratelimit-remaining": "0",
  });
  assertEquals(emulator.log.at(-1)!.rateLimit, "concurrentGets");
  assertEquals(
    (await Promise.all(gets)).map((r) => r.status),
    Array(50).fill(200),
  );
  await Promise.all(writes.map((w) => w.finish()));
  const stats = emulator.stats();
  assertEquals(stats.peakConcurrentGets, { admin: 50 });
  assertEquals(stats.peakConcurrentWrites, { admin: 15 });
  assertEquals(stats.refused.byLimit.concurrentGets, 1);
  assertEquals(stats.refused.byLimit.concurrentWrites, 0);
});

Deno.test("the 1501st request in a minute is refused; the window slides with the clock, refused requests are not counted", async () => {
  const time = clock();
  const start = time.now();
  const emulator = new DocSpaceEmulator({ now: time.now });
  const get = () =>
    send(emulator, "/api/2.0/files/settings", { headers: auth() });
  for (let i = 0; i < 500; i++) assertEquals((await get()).status, 200);
  time.set(start + 30_000);
  for (let i = 0; i < 1000; i++) {
    const method = i % 2 === 0 ? "GET" : "DELETE"; // every method counts
    assertEquals(
      (await send(emulator, "/api/2.0/files/settings", {
        method,
        headers: auth(),
      })).status,
      method === "GET" ? 200 : 404,
    );
  }
  const refused = await get();
  assertEquals(refused.status, 429);
  assertEquals(headersOf(refused), {
    "x-ratelimit-limit": "1500",
    "x-ratelimit-remaining": "0",
  });
  assertEquals(emulator.log.at(-1)!.rateLimit, "requestsPerMinute");
  time.set(start + 59_999);
  assertEquals((await get()).status, 429);
  // At 60 s the first 500 leave the window (the refusals never entered it): 500 more, then a refusal.
  time.set(start + 60_000);
  for (let i = 0; i < 500; i++) assertEquals((await get()).status, 200);
  assertEquals((await get()).status, 429);
  assertEquals(emulator.stats().refused.byLimit.requestsPerMinute, 3);
});

Deno.test("the 10,001st POST or PUT in a day is refused with Retry-After and X-RateLimit-Reset; the window ends 24 h after its first write", async () => {
  const time = clock();
  const first = Math.floor(time.now() / 1000);
  const emulator = new DocSpaceEmulator({ now: time.now });
  const write = (method: string) =>
    send(emulator, "/api/2.0/nothing-here", { method, headers: auth() });
  for (let i = 0; i < 10_000; i++) {
    assertEquals((await write(i % 2 === 0 ? "POST" : "PUT")).status, 404);
    time.advance(100); // 600 a minute: under the sliding window
  }
  const refused = await write("PUT");
  assertEquals(refused.status, 429);
  const now = Math.floor(time.now() / 1000);
  assertEquals(headersOf(refused), {
    "x-ratelimit-limit": "10000",
    "x-ratelimit-remaining": "0",
    "x-ratelimit-reset": `${first + 86_400}`,
    "retry-after": `${first + 86_400 - now}`,
  });
  assertEquals(emulator.log.at(-1)!.rateLimit, "writesPerDay");
  // Only POST and PUT count: a GET and a DELETE pass.
  assertEquals((await write("DELETE")).status, 404);
  assertEquals(
    (await send(emulator, "/api/2.0/files/settings", { headers: auth() }))
      .status,
    200,
  );
  // RedisFixedWindowManager: a new window when expires_at < now, so the window's last second still refuses.
  time.set((first + 86_400) * 1000);
  assertEquals((await write("POST")).status, 429);
  time.set((first + 86_401) * 1000);
  assertEquals((await write("POST")).status, 404);
  assertEquals(emulator.stats().refused.byLimit.writesPerDay, 2);
});

Deno.test("the limiters are chained: a write refused for concurrency is not counted by the day, a request refused by the day still is by the minute", async () => {
  const time = clock();
  const emulator = new DocSpaceEmulator({
    now: time.now,
    rateLimits: { requestsPerMinute: 3, concurrentWrites: 1, writesPerDay: 1 },
  });
  const held = heldWrite(emulator, "/api/2.0/files/folder/1");
  const second = await send(emulator, "/api/2.0/files/folder/1", {
    method: "POST",
    headers: auth(),
  });
  assertEquals(second.status, 429);
  assertEquals(emulator.log.at(-1)!.rateLimit, "concurrentWrites");
  assertEquals((await held.finish()).status, 200);
  const third = await send(emulator, "/api/2.0/files/folder/1", {
    method: "POST",
    headers: auth(),
  });
  assertEquals(third.status, 429);
  assertEquals(emulator.log.at(-1)!.rateLimit, "writesPerDay");
  // The minute counted the first three (the concurrency refusal too: the sliding window admitted it).
  const fourth = await send(emulator, "/api/2.0/files/settings", {
    headers: auth(),
  });
  assertEquals(fourth.status, 429);
  assertEquals(emulator.log.at(-1)!.rateLimit, "requestsPerMinute");
  assertEquals(emulator.stats().refused.byLimit, {
    requestsPerMinute: 1,
    concurrentWrites: 1,
    concurrentGets: 0,
    writesPerDay: 1,
  });
});

Deno.test("a write's concurrency permit lapses after 60 s by the clock, as the Redis lease's TTL does", async () => {
  const time = clock();
  const start = time.now();
  const emulator = new DocSpaceEmulator({
    now: time.now,
    rateLimits: { concurrentWrites: 1 },
  });
  const held = heldWrite(emulator, "/api/2.0/files/folder/1");
  const write = () =>
    send(emulator, "/api/2.0/files/folder/1", {
      method: "POST",
      headers: auth(),
      body: '{"title":"x"}',
    });
  time.set(start + 59_000);
  assertEquals((await write()).status, 429);
  time.set(start + 60_000);
  assertEquals((await write()).status, 200);
  await held.finish();
  // The limiter lost count; the stats did not: two writes were in flight at once.
  assertEquals(emulator.stats().peakConcurrentWrites, { admin: 2 });
});

Deno.test("each user has their own limits; anonymous requests are limited by the client's address", async () => {
  const users = [
    { id: "alice", tokens: ["a-token"] },
    { id: "bob", tokens: ["b-token"] },
  ];
  const emulator = new DocSpaceEmulator({
    users,
    folders: [{ id: 1 }],
    rateLimits: { concurrentWrites: 1 },
  });
  const alice = heldWrite(emulator, "/api/2.0/files/folder/1", auth("a-token"));
  const bob = heldWrite(emulator, "/api/2.0/files/folder/1", auth("b-token"));
  const aliceAgain = await send(emulator, "/api/2.0/files/folder/1", {
    method: "POST",
    headers: auth("a-token"),
  });
  assertEquals(aliceAgain.status, 429);
  assertEquals((await alice.finish()).status, 200);
  assertEquals((await bob.finish()).status, 200);
  assertEquals(emulator.stats().refused.byUser, { alice: 1 });
  assertEquals(emulator.stats().peakConcurrentWrites, { alice: 1, bob: 1 });

  await using server = await startEmulator({
    rateLimits: { requestsPerMinute: 2 },
  });
  const settings = (headers: Record<string, string> = {}) =>
    fetch(`${server.url}/api/2.0/files/settings`, { headers }).then(
      async (r) => (await r.body?.cancel(), r.status),
    );
  assertEquals([await settings(), await settings(), await settings()], [
    200,
    200,
    429,
  ]);
  assertEquals(await settings(auth(server.token)), 200);
  const host = new URL(server.url).hostname;
  assertEquals(server.emulator.stats().refused.byUser, { [host]: 1 });
});

Deno.test("rateLimits: false, or a limit set to false, lets the traffic through; the stats still count", async () => {
  const time = clock();
  const off = new DocSpaceEmulator({ now: time.now, rateLimits: false });
  assertEquals(off.options.rateLimits, {
    requestsPerMinute: false,
    concurrentWrites: false,
    concurrentGets: false,
    writesPerDay: false,
  });
  const held = Array.from(
    { length: 20 },
    () => heldWrite(off, "/api/2.0/files/folder/1"),
  );
  for (let i = 0; i < 1600; i++) {
    assertEquals(
      (await send(off, "/api/2.0/x", { method: "POST", headers: auth() }))
        .status,
      404,
    );
  }
  await Promise.all(held.map((h) => h.finish()));
  assertEquals(off.stats().refused.total, 0);
  // the 20 held, plus each of the 1600 in turn
  assertEquals(off.stats().peakConcurrentWrites, { admin: 21 });

  const noWriteLimit = new DocSpaceEmulator({
    rateLimits: { concurrentWrites: false },
  });
  const writes = Array.from(
    { length: 16 },
    () => heldWrite(noWriteLimit, "/api/2.0/files/folder/1"),
  );
  await Promise.all(writes.map((w) => w.finish()));
  assertEquals(noWriteLimit.stats().refused.total, 0);
  assertEquals(noWriteLimit.stats().peakConcurrentWrites, { admin: 16 });

  const noGetLimit = new DocSpaceEmulator({
    rateLimits: { concurrentGets: false },
  });
  noGetLimit.injectFault({
    kind: "latency",
    ms: 100,
    times: 51,
    match: { mode: "settings" },
  });
  const gets = await Promise.all(
    Array.from(
      { length: 51 },
      () => send(noGetLimit, "/api/2.0/files/settings", { headers: auth() }),
    ),
  );
  assertEquals(gets.filter((r) => r.status !== 200).length, 0);
  assertEquals(noGetLimit.stats().peakConcurrentGets, { admin: 51 });

  const perMinuteOff = new DocSpaceEmulator({
    now: time.now,
    rateLimits: { requestsPerMinute: false, writesPerDay: false },
  });
  for (let i = 0; i < 10_001; i++) {
    const response = await send(perMinuteOff, "/api/2.0/x", {
      method: "POST",
      headers: auth(),
    });
    if (response.status !== 404) {
      throw new Error(`request ${i}: ${response.status}`);
    }
  }
  assertEquals(perMinuteOff.stats().refused.total, 0);
});

Deno.test("maxUploadThreadCount follows rateLimits.concurrentWrites (SetupInfo.cs reads that setting) unless set itself", async () => {
  const announced = async (options: EmulatorOptions) => {
    const emulator = new DocSpaceEmulator(options);
    const response = await emulator.app.request("/api/2.0/files/settings", {
      headers: auth(),
    });
    return (await response.json()).response.maxUploadThreadCount;
  };
  assertEquals(await announced({}), 15);
  assertEquals(await announced({ rateLimits: { concurrentWrites: 4 } }), 4);
  assertEquals(
    await announced({
      rateLimits: { concurrentWrites: 4 },
      maxUploadThreadCount: 6,
    }),
    6,
  );
  assertEquals(await announced({ rateLimits: false }), 15);
  assertEquals(
    await announced({ rateLimits: { concurrentWrites: false } }),
    15,
  );
});

Deno.test("a rate limit that is not a positive integer or false is refused", () => {
  for (const bad of [0, -1, 1.5, Number.NaN]) {
    assertThrows(
      () => new DocSpaceEmulator({ rateLimits: { concurrentWrites: bad } }),
      RangeError,
      `Cannot create DocSpaceEmulator: rateLimits.concurrentWrites must be a positive integer or false, received ${bad}`,
    );
  }
});
