import { assertEquals, assertRejects, assertThrows } from "@std/assert";
import { createChunkBody } from "../../src/client/chunk_body.ts";
import { DocSpaceEmulator, startEmulator } from "../../testing.ts";
import {
  bearer,
  createSession,
  finalize,
  post,
  randomBytes,
  sendChunk,
} from "./_client.ts";

Deno.test("a status fault answers like a proxy before anything is stored, as many times as asked", async () => {
  await using server = await startEmulator({ chunkUploadSize: 1024 });
  const location = await createSession(server, {
    fileName: "f.bin",
    fileSize: 2048,
  });
  server.emulator.injectFault({
    kind: "status",
    status: 503,
    retryAfter: 7,
    times: 2,
  });
  for (let i = 0; i < 2; i++) {
    const response = await fetch(`${location}&upload=true&chunkNumber=1`, {
      method: "POST",
      headers: bearer(server.token),
      body: "x",
    });
    assertEquals(response.status, 503);
    assertEquals(response.headers.get("retry-after"), "7");
    assertEquals(
      response.headers.get("content-type"),
      "text/html; charset=utf-8",
    );
    assertEquals((await response.text()).includes("<h1>503</h1>"), true);
  }
  assertEquals(server.emulator.sessions()[0]?.chunkNumbers, []);
  assertEquals(
    (await sendChunk(location, randomBytes(1024), server.token, 1)).json
      .success,
    true,
  );
  const [a, b, c] = server.emulator.log.slice(-3);
  assertEquals([a?.fault, a?.status, b?.fault, c?.fault, c?.status], [
    "status",
    503,
    "status",
    undefined,
    200,
  ]);
});

Deno.test("faults match by mode and chunk number; by default only requests to location", async () => {
  await using server = await startEmulator({ chunkUploadSize: 1024 });
  server.emulator.injectFault({
    kind: "status",
    status: 502,
    body: "Bad gateway",
    match: { chunkNumber: 2 },
  });
  server.emulator.injectFault({
    kind: "status",
    status: 500,
    match: { mode: "settings" },
  });
  assertEquals(
    (await fetch(`${server.url}/api/2.0/files/settings`).then(
      (r) => r.text(),
      () => "",
    )).length > 0,
    true,
  );
  assertEquals(server.emulator.log.at(-1)?.status, 500);
  const location = await createSession(server, {
    fileName: "f.bin",
    fileSize: 2048,
  });
  assertEquals(
    (await sendChunk(location, randomBytes(1024), server.token, 1)).status,
    200,
  );
  const response = await fetch(`${location}&upload=true&chunkNumber=2`, {
    method: "POST",
    headers: bearer(server.token),
  });
  assertEquals([response.status, await response.text()], [502, "Bad gateway"]);
  server.emulator.injectFault({ kind: "status", status: 504 });
  server.emulator.clearFaults();
  assertEquals(
    (await sendChunk(location, randomBytes(1024), server.token, 2)).status,
    200,
  );
});

Deno.test("drop-after-store stores the chunk but the client's body read fails", async () => {
  await using server = await startEmulator({ chunkUploadSize: 1024 });
  const bytes = randomBytes(2048);
  const location = await createSession(server, {
    fileName: "d.bin",
    fileSize: 2048,
  });
  server.emulator.injectFault({
    kind: "drop-after-store",
    match: { mode: "numbered", chunkNumber: 1 },
  });
  const chunk = createChunkBody(new Blob([bytes.slice(0, 1024)]));
  const response = await fetch(`${location}&upload=true&chunkNumber=1`, {
    method: "POST",
    headers: { ...bearer(server.token), "content-type": chunk.contentType },
    body: chunk.body,
  });
  // Deno's fetch sees the status and headers, then the connection ends mid-body.
  assertEquals(response.status, 200);
  await assertRejects(
    () => response.text(),
    TypeError,
    "error reading a body from connection",
  );
  assertEquals(server.emulator.sessions()[0]?.chunkNumbers, [1]);
  assertEquals(server.emulator.log.at(-1)?.fault, "drop-after-store");
  await sendChunk(location, bytes.slice(1024), server.token, 2);
  server.emulator.injectFault({
    kind: "drop-after-store",
    match: { mode: "finalize" },
  });
  const lost = await fetch(`${location}&finalize=true`, {
    method: "POST",
    headers: bearer(server.token),
  });
  assertEquals(lost.status, 201);
  await assertRejects(() => lost.text(), TypeError);
  assertEquals(server.emulator.files().length, 1);
  assertEquals(
    (await finalize(location, server.token)).json.message,
    "Object reference not set to an instance of an object.",
  );
});

Deno.test("a latency fault delays the answer", async () => {
  await using server = await startEmulator({ chunkUploadSize: 1024 });
  const location = await createSession(server, {
    fileName: "l.bin",
    fileSize: 2048,
  });
  server.emulator.injectFault({ kind: "latency", ms: 120 });
  const started = performance.now();
  assertEquals(
    (await sendChunk(location, randomBytes(1024), server.token, 1)).json
      .success,
    true,
  );
  assertEquals(performance.now() - started >= 120, true);
  const entry = server.emulator.log.at(-1)!;
  assertEquals([entry.fault, entry.end - entry.start >= 120], [
    "latency",
    true,
  ]);
});

Deno.test("a slow-reader fault reads the body at the given rate", async () => {
  await using server = await startEmulator({ chunkUploadSize: 8192 });
  const location = await createSession(server, {
    fileName: "r.bin",
    fileSize: 16384,
  });
  server.emulator.injectFault({ kind: "slow-reader", bytesPerSecond: 32768 });
  assertEquals(
    (await sendChunk(location, randomBytes(8192), server.token, 1)).json
      .success,
    true,
  );
  const entry = server.emulator.log.at(-1)!;
  assertEquals([entry.fault, entry.end - entry.start >= 240], [
    "slow-reader",
    true,
  ]);
});

Deno.test("injectFault validates its numbers", () => {
  const emulator = new DocSpaceEmulator();
  assertThrows(
    () => emulator.injectFault({ kind: "status", status: 99 }),
    RangeError,
    "status must be 200-599",
  );
  assertThrows(
    () => emulator.injectFault({ kind: "latency", ms: 1, times: 0 }),
    RangeError,
    "times must be",
  );
  assertThrows(
    () => emulator.injectFault({ kind: "slow-reader", bytesPerSecond: 0 }),
    RangeError,
    "bytesPerSecond",
  );
});

Deno.test("the request log records each request's mode, parameters, outcome and redacted headers", async () => {
  await using server = await startEmulator({ chunkUploadSize: 1024 });
  const location = await createSession(server, {
    fileName: "log.bin",
    fileSize: 2048,
  });
  const uid = new URL(location).searchParams.get("uid")!;
  await sendChunk(location, randomBytes(1024), server.token, 1);
  await post(`${location}&upload=true&chunkNumber=2`, "junk", {
    authorization: server.token,
  });
  const [create, chunk, refused] = server.emulator.log;
  assertEquals(create?.mode, "create");
  assertEquals([create?.success, create?.status, create?.user], [
    true,
    200,
    "admin",
  ]);
  assertEquals(create?.headers.authorization, "Bearer ***");
  assertEquals(chunk?.method, "POST");
  assertEquals(chunk?.path, "/ChunkedUploader.ashx");
  assertEquals(chunk?.search, `?uid=${uid}&upload=true&chunkNumber=1`);
  assertEquals([
    chunk?.mode,
    chunk?.uid,
    chunk?.chunkNumber,
    chunk?.computedLength,
  ], ["numbered", uid, 1, 1024]);
  assertEquals([chunk?.status, chunk?.success, chunk?.message], [
    200,
    true,
    "",
  ]);
  assertEquals(
    chunk?.headers["content-type"]?.startsWith(
      "multipart/form-data; boundary=",
    ),
    true,
  );
  assertEquals(chunk!.start <= chunk!.end, true);
  assertEquals(refused?.headers.authorization, "***");
  assertEquals([refused?.success, refused?.message], [
    false,
    "Missing content-type boundary.",
  ]);
  const denied = await post(`${server.url}/api/2.0/files/1/session`, "{}", {});
  assertEquals(denied.status, 401);
  assertEquals([
    server.emulator.log.at(-1)?.mode,
    server.emulator.log.at(-1)?.message,
  ], ["session", undefined]); // the challenge's body is empty
});

Deno.test("peakConcurrency measures overlapping requests from the log", async () => {
  await using server = await startEmulator({ chunkUploadSize: 1024 });
  const location = await createSession(server, {
    fileName: "p.bin",
    fileSize: 4096,
  });
  server.emulator.injectFault({
    kind: "latency",
    ms: 60,
    times: 4,
    match: { mode: "numbered" },
  });
  await Promise.all(
    [1, 2, 3, 4].map((n) =>
      sendChunk(location, randomBytes(1024), server.token, n)
    ),
  );
  assertEquals(
    server.emulator.peakConcurrency((e) => e.mode === "numbered"),
    4,
  );
  const sequential = await createSession(server, {
    fileName: "q.bin",
    fileSize: 4096,
  });
  for (let i = 0; i < 4; i++) {
    await sendChunk(sequential, randomBytes(1024), server.token);
  }
  assertEquals(
    server.emulator.peakConcurrency((e) => e.mode === "sequential"),
    1,
  );
  assertEquals(server.emulator.peakConcurrency() >= 4, true);
});

Deno.test("a request whose body fails mid-way is logged as 499, and its rate-limit permit is given back", async () => {
  const emulator = new DocSpaceEmulator({
    rateLimits: { concurrentWrites: 1 },
  });
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new Uint8Array([1, 2, 3]));
      controller.error(new Error("the client went away"));
    },
  });
  const response = await emulator.app.request("/api/2.0/files/folder/1", {
    method: "POST",
    headers: bearer("emulator-token"),
    body,
  });
  assertEquals(response.status, 499);
  const entry = emulator.log.at(-1);
  assertEquals(entry?.status, 499);
  assertEquals(
    entry?.message?.startsWith(
      "The client closed the request before its body arrived:",
    ),
    true,
  );
  assertEquals(Number.isNaN(entry?.end), false);
  const next = await emulator.app.request("/api/2.0/files/folder/1", {
    method: "POST",
    headers: bearer("emulator-token"),
    body: JSON.stringify({ title: "after" }),
  });
  assertEquals(next.status, 200);
});
