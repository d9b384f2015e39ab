// Timeouts and bounded concurrency, in process: a body that sends nothing for IDLE_TIMEOUT is
// answered 408 (a direct upload's session aborted, a chunk's upstream request never made or dropped), every
// upstream request has a deadline (UPSTREAM_TIMEOUT, 504), and direct uploads beyond MAX_CONCURRENT_UPLOADS
// are answered 503 with Retry-After before their body is read.
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { createChunkBody } from "../../mod.ts";
import { randomBytes, sha256 } from "../_helpers.ts";
import {
  bearer,
  CHUNK,
  errorOf,
  harness,
  openSession,
  post,
  SECRET,
  WORKER,
} from "./_worker_harness.ts";

/** Resolves with `work`, or fails the test after `ms`: a gateway without its timeouts would wait forever. */
async function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${ms} ms`)),
          ms,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** A body that sends `bytes` (in 64 KiB pieces) and then nothing, until `release` is called. */
function stallingBody(bytes: Uint8Array) {
  let at = 0;
  let pulls = 0;
  let release = () => {};
  const released = new Promise<void>((resolve) => release = resolve);
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      pulls++;
      if (at >= bytes.length) {
        await released;
        return controller.close();
      }
      controller.enqueue(bytes.slice(at, at + 65536));
      at += 65536;
    },
  }, { highWaterMark: 0 });
  return { stream, release: () => release(), pulls: () => pulls };
}

Deno.test("a direct upload whose body sends nothing is answered 408 within IDLE_TIMEOUT, and no session is opened", async () => {
  const h = harness({ IDLE_TIMEOUT: "0.2" });
  const body = stallingBody(new Uint8Array(0));
  const started = performance.now();
  const response = await within(
    3000,
    post(h, `${WORKER}/upload/1?name=a.bin`, body.stream, {
      ...bearer(SECRET),
      "content-length": String(3 * CHUNK),
    }),
  );
  assertStringIncludes(
    await errorOf(response, 408),
    "sent nothing for 0.2 s (IDLE_TIMEOUT)",
  );
  assert(performance.now() - started < 1500);
  assertEquals(h.sent, []);
  assertEquals(h.emulator.sessions(), []);
  body.release();
});

Deno.test("a direct upload that stalls mid-body is answered 408 and its DocSpace session is aborted", async () => {
  const h = harness({ IDLE_TIMEOUT: "0.3" });
  const body = stallingBody(randomBytes(CHUNK + CHUNK / 2));
  const response = await within(
    5000,
    post(h, `${WORKER}/upload/1?name=a.bin`, body.stream, {
      ...bearer(SECRET),
      "content-length": String(3 * CHUNK),
    }),
  );
  assertStringIncludes(await errorOf(response, 408), "IDLE_TIMEOUT");
  assertEquals(
    h.emulator.log.map((e) => [e.mode, e.chunkNumber ?? null, e.status]),
    [
      ["settings", null, 200],
      ["session", null, 200],
      ["numbered", 1, 200],
      ["abort", null, 200],
    ],
  );
  assertEquals(h.emulator.sessions(), []);
  assertEquals(h.emulator.files(), []);
  body.release();
});

Deno.test("a stalled chunk on the DocSpace-compatible routes is answered 408 and holds no DocSpace request", async () => {
  const h = harness({ IDLE_TIMEOUT: "0.2" });
  const session = await openSession(h, SECRET, 3 * CHUNK, 1, "session");
  const framed = createChunkBody(randomBytes(CHUNK));
  const headers = {
    ...bearer(SECRET),
    "content-type": framed.contentType,
    "content-length": String(framed.body.length),
  };
  const before = h.sent.length;
  // Nothing at all: refused before any request goes upstream.
  for (
    const url of [
      `${session.location}&upload=true&chunkNumber=1`,
      `${WORKER}/api/2.0/files/1/session/${session.id}/upload?chunkNumber=1`,
    ]
  ) {
    const stalled = stallingBody(new Uint8Array(0));
    const response = await within(3000, post(h, url, stalled.stream, headers));
    assertStringIncludes(await errorOf(response, 408), "IDLE_TIMEOUT");
    stalled.release();
  }
  assertEquals(h.sent.length, before);
  // Half a chunk, then nothing: the upstream request is dropped and nothing is stored.
  const half = stallingBody(framed.body.slice(0, CHUNK / 2));
  const response = await within(
    3000,
    post(
      h,
      `${WORKER}/api/2.0/files/1/session/${session.id}/upload?chunkNumber=1`,
      half.stream,
      headers,
    ),
  );
  assertStringIncludes(await errorOf(response, 408), "IDLE_TIMEOUT");
  half.release();
  assertEquals(h.emulator.sessions()[0]!.chunkNumbers, []);
});

Deno.test("every upstream request has a deadline: UPSTREAM_TIMEOUT answers 504", async () => {
  // An upstream that never answers the settings or a chunk, until the request is aborted.
  const hang = (request: Request) =>
    new Promise<Response>((_, reject) =>
      request.signal.addEventListener(
        "abort",
        () => reject(request.signal.reason),
      )
    );
  let hangChunks = false;
  const h = harness({ UPSTREAM_TIMEOUT: "0.3" }, {}, (request) => {
    const url = new URL(request.url);
    const hangs = hangChunks
      ? url.search.includes("chunkNumber")
      : url.pathname.endsWith("/settings");
    return hangs ? hang(request) : undefined;
  });
  const started = performance.now();
  const settings = await within(
    3000,
    h.fetch(`${WORKER}/api/2.0/files/settings`, { headers: bearer(SECRET) }),
  );
  assertStringIncludes(
    await errorOf(settings, 504),
    "DocSpace did not answer within 0.3 s (UPSTREAM_TIMEOUT)",
  );
  assert(performance.now() - started < 2000);
  hangChunks = true;
  const session = await openSession(h, SECRET, 2 * CHUNK);
  const framed = createChunkBody(randomBytes(CHUNK));
  const chunk = await within(
    3000,
    post(h, `${session.location}&upload=true&chunkNumber=1`, framed.body, {
      ...bearer(SECRET),
      "content-type": framed.contentType,
      "content-length": String(framed.body.length),
    }),
  );
  assertStringIncludes(await errorOf(chunk, 504), "UPSTREAM_TIMEOUT");
});

Deno.test("MAX_CONCURRENT_UPLOADS: one more direct upload is answered 503 with Retry-After, before its body is read", async () => {
  // It waits QUEUE_TIMEOUT for a slot first; then 503.
  const h = harness({ MAX_CONCURRENT_UPLOADS: "1", QUEUE_TIMEOUT: "0.2" });
  const bytes = randomBytes(2 * CHUNK + 10);
  const first = stallingBody(bytes);
  const headers = {
    ...bearer(SECRET),
    "content-length": String(bytes.length),
  };
  const running = post(h, `${WORKER}/upload/1?name=first.bin`, first.stream, {
    ...headers,
  });
  while (first.pulls() === 0) await new Promise((r) => setTimeout(r, 5));
  const second = stallingBody(bytes);
  const refused = await post(
    h,
    `${WORKER}/upload/1?name=second.bin`,
    second.stream,
    headers,
  );
  assertEquals(refused.headers.get("retry-after"), "5");
  assertStringIncludes(
    await errorOf(refused, 503),
    "its 1 direct uploads at once (MAX_CONCURRENT_UPLOADS)",
  );
  assertEquals(second.pulls(), 0);
  first.release();
  const done = await running;
  assertEquals(done.status, 201);
  const file = await done.json();
  assertEquals(
    await sha256(h.emulator.file(file.id)!.bytes),
    await sha256(bytes),
  );
  // The slot is free again.
  const next = await post(
    h,
    `${WORKER}/upload/1?name=third.bin`,
    bytes,
    headers,
  );
  assertEquals(next.status, 201);
  assertEquals(h.emulator.files().map((f) => f.title).sort(), [
    "first.bin",
    "third.bin",
  ]);
});
