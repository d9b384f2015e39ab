// DocSpace's rate limiter (common/ASC.Api.Core/Core/BaseStartup.cs) refuses a request with 429 before any
// handler runs it: the client waits as asked and sends it again, on every step, without using up attempts,
// up to retry.rateLimitWait in all, and then fails saying which limit and when it resets.
import { assertEquals, assertRejects, assertStringIncludes } from "@std/assert";
import {
  DocSpaceError,
  type RetryNotice,
  SessionClient,
  uploadFile,
} from "../../mod.ts";
import { startEmulator } from "../../testing.ts";
import type { RequestMode } from "../../src/emulator/request_log.ts";
import { withRetry } from "../../src/client/_retry.ts";
import { randomBytes, sha256 } from "../_helpers.ts";

const CHUNK = 64 * 1024;
const FAST_RETRY = { minDelay: 1, maxDelay: 5 };

function notices(into: [string, number, number][]) {
  return ({ step, attempt, delay }: RetryNotice) =>
    void into.push([step, attempt, delay]);
}

Deno.test("uploadFile waits out twelve 429s on a numbered chunk with attempts: 3: they use up no attempt", async () => {
  await using portal = await startEmulator({ chunkUploadSize: CHUNK });
  portal.emulator.injectFault({
    kind: "status",
    status: 429,
    body: "",
    retryAfter: 0,
    times: 12,
    match: { mode: "numbered", chunkNumber: 2 },
  });
  const bytes = randomBytes(3 * CHUNK + 5);
  const seen: [string, number, number][] = [];
  const file = await uploadFile(new Blob([bytes]), {
    url: portal.url,
    token: portal.token,
    folderId: 1,
    fileName: "limited.bin",
    retry: { ...FAST_RETRY, attempts: 3 },
    onRetry: notices(seen),
  });
  assertEquals(
    seen,
    Array.from({ length: 12 }, (_, i) => ["chunk 2", i + 1, 0]),
  );
  assertEquals(
    await sha256(portal.emulator.file(file.id)!.bytes),
    await sha256(bytes),
  );
  const sends = portal.emulator.log.filter((e) => e.chunkNumber === 2);
  assertEquals(sends.map((e) => e.status), [...Array(12).fill(429), 200]);
});

Deno.test("uploadFile re-sends a sequential chunk refused with 429, and only then", async () => {
  await using portal = await startEmulator({ chunkUploadSize: CHUNK });
  portal.emulator.injectFault({
    kind: "status",
    status: 429,
    body: "",
    retryAfter: 0,
    times: 4,
    match: { mode: "sequential" },
  });
  const bytes = randomBytes(2 * CHUNK + 9);
  const seen: [string, number, number][] = [];
  const file = await uploadFile(new Blob([bytes]), {
    url: portal.url,
    token: portal.token,
    folderId: "sbox-1",
    fileName: "third-party.bin",
    retry: { ...FAST_RETRY, attempts: 1 },
    onRetry: notices(seen),
  });
  assertEquals(seen, [
    ["chunk 1", 1, 0],
    ["chunk 1", 2, 0],
    ["chunk 1", 3, 0],
    ["chunk 1", 4, 0],
  ]);
  assertEquals(
    await sha256(portal.emulator.file(file.id)!.bytes),
    await sha256(bytes),
  );
  assertEquals(
    portal.emulator.log.filter((e) => e.mode === "sequential").map((e) =>
      e.status
    ),
    [429, 429, 429, 429, 200, 200, 201],
  );
});

for (const mode of ["numbered", "sequential"] as const) {
  Deno.test(`uploadFile re-sends a small file's ${mode} chunk refused with 429 without asking finalize first`, async () => {
    await using portal = await startEmulator({ chunkUploadSize: CHUNK });
    portal.emulator.injectFault({
      kind: "status",
      status: 429,
      body: "",
      retryAfter: 0,
      times: 2,
      match: { mode: "small" },
    });
    const bytes = randomBytes(1000);
    const file = await uploadFile(new Blob([bytes]), {
      url: portal.url,
      token: portal.token,
      folderId: mode === "numbered" ? 1 : "sbox-1",
      fileName: "small.bin",
      retry: { ...FAST_RETRY, attempts: 1 },
    });
    assertEquals(file.version, 1);
    assertEquals(portal.emulator.file(file.id)!.bytes, bytes);
    assertEquals(
      portal.emulator.log.map((e) => [e.mode, e.status]),
      [
        ["settings", 200],
        ["session", 200],
        ["small", 429],
        ["small", 429],
        ...(mode === "numbered"
          ? [["small", 200], ["finalize", 201]]
          : [["small", 201]]),
      ],
    );
  });
}

for (const step of ["settings", "session", "finalize"] as const) {
  Deno.test(`uploadFile waits out 429s on ${step} with attempts: 1`, async () => {
    await using portal = await startEmulator({ chunkUploadSize: CHUNK });
    portal.emulator.injectFault({
      kind: "status",
      status: 429,
      body: "",
      retryAfter: 0,
      times: 3,
      match: { mode: step satisfies RequestMode },
    });
    const bytes = randomBytes(2 * CHUNK);
    const seen: [string, number, number][] = [];
    const file = await uploadFile(new Blob([bytes]), {
      url: portal.url,
      token: portal.token,
      folderId: 1,
      fileName: "steps.bin",
      retry: { ...FAST_RETRY, attempts: 1 },
      onRetry: notices(seen),
    });
    const name = step === "session" ? "create" : step;
    assertEquals(seen, [[name, 1, 0], [name, 2, 0], [name, 3, 0]]);
    assertEquals(portal.emulator.file(file.id)!.bytes, bytes);
  });
}

Deno.test("uploadFile fails at once, naming the limit and its reset, when a 429 asks to wait past rateLimitWait", async () => {
  await using portal = await startEmulator({ chunkUploadSize: CHUNK });
  // The daily write limit: a fixed window (RedisFixedWindowRateLimiter 1.2.1 sends its end as a Unix time).
  const reset = Math.floor(Date.now() / 1000) + 5 * 3600;
  portal.emulator.injectFault({
    kind: "status",
    status: 429,
    body: "",
    retryAfter: 5 * 3600,
    headers: {
      "x-ratelimit-limit": "10000",
      "x-ratelimit-remaining": "0",
      "x-ratelimit-reset": String(reset),
    },
    times: 1000,
    match: { mode: "numbered" },
  });
  const seen: [string, number, number][] = [];
  const error = await assertRejects(
    () =>
      uploadFile(new Blob([randomBytes(2 * CHUNK)]), {
        url: portal.url,
        token: portal.token,
        folderId: 1,
        fileName: "daily.bin",
        retry: FAST_RETRY,
        concurrency: 1,
        onRetry: notices(seen),
      }),
    DocSpaceError,
  );
  const at = new Date(reset * 1000).toISOString().replace(".000Z", "Z");
  assertEquals(
    error.message,
    `Uploading chunk 1 failed: DocSpace's rate limit refused the request (HTTP 429: limit 10000, 0 remaining, resets at ${at}) and it asks to wait 5 h, more than retry.rateLimitWait (15 min) allows; this is most likely DocSpace's daily limit of POST and PUT requests per user (DailyWriteLimit, 10,000 by default), shared by every client of this user; try again after the limit resets`,
  );
  assertEquals([error.status, error.transient], [429, false]);
  assertEquals(error.rateLimit, {
    limit: "10000",
    remaining: "0",
    reset: String(reset),
  });
  assertEquals(seen, []);
  assertEquals(
    portal.emulator.log.map((e) => [e.mode, e.status]),
    [["settings", 200], ["session", 200], ["numbered", 429], ["abort", 200]],
  );
});

Deno.test("uploadFile reads an X-RateLimit-Reset below 10^9 as seconds from now", async () => {
  await using portal = await startEmulator({ chunkUploadSize: CHUNK });
  portal.emulator.injectFault({
    kind: "status",
    status: 429,
    body: "",
    headers: { "x-ratelimit-reset": "7200" },
    match: { mode: "session" },
  });
  const error = await assertRejects(
    () =>
      uploadFile(new Blob([randomBytes(10)]), {
        url: portal.url,
        token: portal.token,
        folderId: 1,
        fileName: "reset.bin",
      }),
    DocSpaceError,
    "Creating the upload session failed: DocSpace's rate limit refused the request (HTTP 429: resets at ",
  );
  assertStringIncludes(
    error.message,
    "and it asks to wait 2 h, more than retry.rateLimitWait (15 min) allows; this is most likely DocSpace's daily limit",
  );
});

Deno.test("a 429 with an empty body says the rate limit refused it, with the limiter's headers", async () => {
  await using portal = await startEmulator({ chunkUploadSize: CHUNK });
  // The sliding window and the concurrency limiter send only these two headers.
  portal.emulator.injectFault({
    kind: "status",
    status: 429,
    body: "",
    headers: { "x-ratelimit-limit": "15", "x-ratelimit-remaining": "0" },
    match: { mode: "settings" },
  });
  const client = new SessionClient({ url: portal.url, token: portal.token });
  const error = await assertRejects(() => client.settings(), DocSpaceError);
  assertEquals(
    error.message,
    "Reading the upload settings failed: HTTP 429 Too Many Requests: DocSpace's rate limit refused the request before running it (limit 15, 0 remaining)",
  );
  assertEquals([error.transient, error.rateLimited], [true, true]);
});

/** A 429 as the client reads it, for withRetry's own tests. */
function limited(retryAfter?: string, reset?: string): DocSpaceError {
  return new DocSpaceError("HTTP 429", {
    step: "chunk 1",
    status: 429,
    transient: true,
    retryAfter,
    ...(reset === undefined ? {} : { rateLimit: { reset } }),
  });
}

Deno.test("withRetry waits until X-RateLimit-Reset (a Unix time), prefers Retry-After, and backs off without either", async () => {
  const epoch = 1_700_000_000;
  const errors = [
    limited(undefined, String(epoch)),
    limited("0", String(epoch + 3600)),
    limited(),
    limited(),
  ];
  const seen: [string, number, number][] = [];
  const result = await withRetry({
    policy: { attempts: 1, minDelay: 4, maxDelay: 6 },
    signal: new AbortController().signal,
    now: () => epoch * 1000 - 25,
    random: () => 1,
    onRetry: notices(seen),
  }, (attempt) => {
    const error = errors[attempt - 1];
    return error ? Promise.reject(error) : Promise.resolve("sent");
  });
  assertEquals(result, "sent");
  assertEquals(seen, [
    ["chunk 1", 1, 25],
    ["chunk 1", 2, 0],
    ["chunk 1", 3, 6],
    ["chunk 1", 4, 6],
  ]);
});

Deno.test("withRetry stops waiting for a rate limit once the waits would pass rateLimitWait", async () => {
  const seen: [string, number, number][] = [];
  let sent = 0;
  const error = await assertRejects(
    () =>
      withRetry({
        policy: { attempts: 8, minDelay: 10, maxDelay: 10, rateLimitWait: 25 },
        signal: new AbortController().signal,
        now: Date.now,
        random: () => 1,
        onRetry: notices(seen),
      }, () => {
        sent++;
        return Promise.reject(limited());
      }),
    DocSpaceError,
  );
  assertEquals(sent, 3);
  assertEquals(seen, [["chunk 1", 1, 10], ["chunk 1", 2, 10]]);
  assertEquals(
    error.message,
    "Uploading chunk 1 failed: DocSpace's rate limit refused the request (HTTP 429) and it kept refusing for 20 ms, more than retry.rateLimitWait (25 ms) allows; try again after the limit resets",
  );
  assertStringIncludes(String(error.cause), "HTTP 429");
});
