// One ticket holder cannot stall everyone (each caller's share of DocSpace's budget, a fair queue
// with a deadline and its place shown), and a ticket's expiry ends what it started.
import {
  assert,
  assertEquals,
  assertGreater,
  assertStringIncludes,
} from "@std/assert";
import { createChunkBody, uploadFile, verifyUploadTicket } from "../../mod.ts";
import { randomBytes, sha256 } from "../_helpers.ts";
import {
  bearer,
  CHUNK,
  type Harness,
  harness,
  openSession,
  post,
  SECRET,
  ticket,
  WORKER,
} from "./_worker_harness.ts";
import { eventually } from "./_worker_e2e.ts";

/** A body that sends the first `first` of `bytes`, then nothing until released, then the rest. */
function held(bytes: Uint8Array, first = 1) {
  let release = () => {};
  const released = new Promise<void>((resolve) => release = resolve);
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (sent === 0) {
        sent = first;
        return controller.enqueue(bytes.slice(0, first));
      }
      await released;
      if (sent >= bytes.length) return controller.close();
      const piece = Math.min(65536, bytes.length - sent);
      controller.enqueue(bytes.slice(sent, sent + piece));
      sent += piece;
    },
  }, { highWaterMark: 0 });
  return { stream, release: () => release() };
}

/** Chunk requests in flight upstream now: those the emulator began and did not answer. */
function inFlightChunks(h: Harness, started: number): number {
  return h.sent.length - started;
}

Deno.test("40 slow chunk requests from one ticket hold its share (4 writes), not everyone's: another ticket's upload goes through meanwhile", async () => {
  const h = harness();
  const slow = await ticket(1);
  const slowId = (await verifyUploadTicket(slow, { secret: SECRET })).id;
  const session = await openSession(h, slow, 40 * CHUNK, 1, "session");
  const framed = createChunkBody(new Uint8Array(CHUNK));
  const before = h.sent.length;
  const bodies = Array.from({ length: 40 }, () => held(framed.body));
  const requests = bodies.map((body, i) =>
    post(
      h,
      `/api/2.0/files/1/session/${session.id}/upload?chunkNumber=${i + 1}`,
      body.stream,
      {
        ...bearer(slow),
        "content-type": framed.contentType,
        "content-length": String(framed.body.length),
      },
    )
  );
  // Its share: 4 chunk requests go upstream, 36 wait in the queue.
  await eventually(
    () => inFlightChunks(h, before) === 4,
    "4 slow chunks upstream",
  );
  // Once all 40 have sent their first bytes, `GET /queue` shows the caller where it stands.
  let status;
  for (;;) {
    const queue = await h.fetch(`${WORKER}/queue`, { headers: bearer(slow) });
    status = (await queue.json()).queue;
    if (status.waiting + status.inFlight === 40) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assertEquals(status, { waiting: 36, position: 1, inFlight: 4 });

  // Another ticket's upload takes its own places, and finishes while all 40 are still held.
  const mid = h.sent.length;
  const other = await ticket(1);
  const bytes = randomBytes(2 * CHUNK + 5);
  const file = await uploadFile(new Blob([bytes]), {
    url: WORKER,
    token: other,
    folderId: 1,
    fileName: "small.bin",
    fetch: h.fetch,
  });
  assertEquals(
    await sha256(h.emulator.file(file.id)!.bytes),
    await sha256(bytes),
  );
  // Meanwhile none of the slow ticket's waiting chunks went upstream: only the other's requests did.
  assertEquals(mid - before, 4);
  assertEquals(
    h.sent.slice(mid).filter((s) => /chunkNumber=([5-9]|\d\d)/.test(s.url)),
    [],
  );
  // The waiting chunks never went upstream; each runs once a place of its caller's frees.
  for (const body of bodies) body.release();
  const answers = await Promise.all(requests);
  assertEquals(answers.map((r) => r.status), Array(40).fill(200));
  await Promise.all(answers.map((r) => r.body?.cancel()));
  const peak = h.emulator.stats().peakConcurrentWrites.admin!;
  assert(peak <= 12, `peak ${peak}`);
  assertEquals(h.emulator.stats().refused.total, 0);
  assertGreater(slowId.length, 8);
});

Deno.test("a caller who waits past QUEUE_TIMEOUT gets 503 with Retry-After and its place in the queue", async () => {
  const h = harness({
    UPSTREAM_WRITES: "1",
    QUEUE_TIMEOUT: "0.2",
  });
  const session = await openSession(h, SECRET, 2 * CHUNK, 1, "session");
  const framed = createChunkBody(new Uint8Array(CHUNK));
  const headers = {
    ...bearer(SECRET),
    "content-type": framed.contentType,
    "content-length": String(framed.body.length),
  };
  const holder = held(framed.body);
  const holding = post(
    h,
    `/api/2.0/files/1/session/${session.id}/upload?chunkNumber=1`,
    holder.stream,
    headers,
  );
  await eventually(
    () => h.sent.some((s) => s.url.includes("chunkNumber=1")),
    "the first chunk upstream",
  );
  const waiting = held(framed.body);
  const refused = await post(
    h,
    `/api/2.0/files/1/session/${session.id}/upload?chunkNumber=2`,
    waiting.stream,
    headers,
  );
  assertEquals(refused.status, 503);
  assertEquals(refused.headers.get("retry-after"), "5");
  const body = await refused.json();
  assertStringIncludes(body.error.message, "its wait reached QUEUE_TIMEOUT");
  assertEquals(body.queue.position, 1);
  assertEquals(body.queue.retryAfter, 5);
  assert(body.queue.waitedMs >= 200, JSON.stringify(body));
  assertEquals(
    h.sent.filter((s) => s.url.includes("chunkNumber=2")).length,
    0,
  );
  holder.release();
  const held_ = await holding;
  assertEquals(
    held_.status,
    200,
    await held_.clone().text() + h.logs.join("\n"),
  );
  const line = JSON.parse(h.logs.at(-1)!);
  assertEquals([line.outcome, line.status], ["refused", 503]);
});

Deno.test("a direct upload still running past its ticket's expiry and EXPIRY_GRACE is aborted upstream, its slot reused, and the log says expired", async () => {
  const h = harness({
    MAX_CONCURRENT_UPLOADS: "1",
    EXPIRY_GRACE: "0.5",
    QUEUE_TIMEOUT: "30",
  });
  const shortLived = await ticket(1, 100 * CHUNK, 1);
  const body = held(randomBytes(3 * CHUNK), 65536);
  const expiring = post(h, "/upload/1?name=expiring.bin", body.stream, {
    ...bearer(shortLived),
    "content-length": String(3 * CHUNK),
  });
  await eventually(
    () => h.emulator.sessions().length === 1,
    "the expiring upload's session",
  );
  // The secret's holder waits for the only slot, and gets it once the expired upload is gone.
  const bytes = randomBytes(CHUNK + 7);
  const next = h.app.fetch(
    new Request(`${WORKER}/upload/1?name=next.bin`, {
      method: "POST",
      headers: { ...bearer(SECRET), "content-length": String(bytes.length) },
      body: bytes,
    }),
  );
  const cut = await expiring;
  assertEquals(cut.status, 401);
  assertStringIncludes(
    (await cut.json()).error.message,
    "The upload ticket expired while the upload ran (0.5 s of grace, EXPIRY_GRACE); the upload was aborted",
  );
  const done = await next;
  assertEquals(done.status, 201, await done.clone().text());
  const stored = h.emulator.file((await done.json()).id)!;
  assertEquals(await sha256(stored.bytes), await sha256(bytes));
  assertEquals(h.emulator.sessions(), []);
  assertEquals(h.emulator.files().map((f) => f.title), ["next.bin"]);
  const lines = h.logs.map((l) => JSON.parse(l));
  assertEquals(
    lines.map((l) => [l.outcome, l.status, l.caller]),
    [["expired", 401, "ticket"], ["uploaded", 201, "secret"]],
  );
  body.release();
});

Deno.test("a chunk request still running past its ticket's expiry and EXPIRY_GRACE is cut off (401) and its session aborted upstream", async () => {
  const h = harness({ EXPIRY_GRACE: "0.5" });
  const shortLived = await ticket(1, 100 * CHUNK, 1);
  const session = await openSession(h, shortLived, 2 * CHUNK, 1, "session");
  const framed = createChunkBody(new Uint8Array(CHUNK));
  const body = held(framed.body, 1000);
  const cut = await post(
    h,
    `/api/2.0/files/1/session/${session.id}/upload?chunkNumber=1`,
    body.stream,
    {
      ...bearer(shortLived),
      "content-type": framed.contentType,
      "content-length": String(framed.body.length),
    },
  );
  assertEquals(cut.status, 401);
  assertStringIncludes(
    (await cut.json()).error.message,
    "The upload ticket expired while the upload ran",
  );
  await eventually(() => h.emulator.sessions().length === 0, "aborted");
  const line = JSON.parse(h.logs.at(-1)!);
  assertEquals([line.outcome, line.status, line.folder], ["expired", 401, "1"]);
  body.release();
});
