import { assertEquals } from "@std/assert";
import { startEmulator } from "../testing.ts";
import {
  bearer,
  createSession,
  finalize,
  post,
  randomBytes,
  sendChunk,
  sha256,
} from "./_emulator_client.ts";

const NOT_AUTHORIZED = {
  success: false,
  message: "Not authorized or session with specified upload id already expired",
};
const UNKNOWN = {
  success: false,
  message: "Object reference not set to an instance of an object.",
};
const HOUR = 3600 * 1000;

Deno.test("sequential chunks are appended in arrival order and the last one answers 201", async () => {
  await using server = await startEmulator({ chunkUploadSize: 1024 });
  const bytes = randomBytes(2500);
  const location = await createSession(server, {
    fileName: "s.bin",
    fileSize: bytes.length,
  }, "sbox-1");
  const first = await sendChunk(location, bytes.slice(0, 1024), server.token);
  assertEquals(
    [first.status, first.json.success, first.json.data.bytes_total],
    [200, true, 2500],
  );
  assertEquals(server.emulator.log.at(-1)?.mode, "sequential");
  // Sequential chunks need not be chunkUploadSize long: the server counts what arrives.
  assertEquals(
    (await sendChunk(location, bytes.slice(1024, 2000), server.token)).status,
    200,
  );
  const done = await sendChunk(location, bytes.slice(2000), server.token);
  assertEquals([
    done.status,
    done.json.data.folderId,
    done.json.data.file.pureContentLength,
  ], [201, "sbox-1", 2500]);
  assertEquals(
    await sha256(server.emulator.file(1)!.bytes as Uint8Array<ArrayBuffer>),
    await sha256(bytes),
  );
});

Deno.test("a sequential chunk that arrives while another of the same session is in flight is refused", async () => {
  await using server = await startEmulator({ chunkUploadSize: 1024 });
  const location = await createSession(server, {
    fileName: "s.bin",
    fileSize: 2048,
  });
  server.emulator.injectFault({
    kind: "latency",
    ms: 100,
    match: { mode: "sequential" },
  });
  const [slow, fast] = await Promise.all([
    sendChunk(location, randomBytes(1024), server.token),
    new Promise((r) => setTimeout(r, 30)).then(() =>
      sendChunk(location, randomBytes(1024), server.token)
    ),
  ]);
  assertEquals(slow.json.success, true);
  assertEquals(fast.json, {
    success: false,
    message:
      "Cannot append chunk: another sequential chunk of this session is in flight",
  });
  assertEquals(server.emulator.sessions()[0]?.sequentialBytes, 1024);
});

Deno.test("small-file mode: the first chunk request stores the whole file at once; no finalize", async () => {
  await using server = await startEmulator({ chunkUploadSize: 1024 });
  const bytes = randomBytes(1023);
  const location = await createSession(server, {
    fileName: "small.bin",
    fileSize: bytes.length,
  });
  assertEquals(server.emulator.sessions()[0]?.small, true);
  const done = await sendChunk(location, bytes, server.token, 1);
  assertEquals([done.status, done.json.data.title], [201, "small.bin"]);
  assertEquals(server.emulator.log.at(-1)?.mode, "small");
  assertEquals(
    await sha256(server.emulator.file(1)!.bytes as Uint8Array<ArrayBuffer>),
    await sha256(bytes),
  );
  assertEquals((await finalize(location, server.token)).json, UNKNOWN);
  const sequential = await createSession(server, {
    fileName: "small2.bin",
    fileSize: 3,
  });
  assertEquals(
    (await sendChunk(sequential, randomBytes(3), server.token)).status,
    201,
  );
});

Deno.test("small-file mode refuses a first request that is not the whole file, and keeps the session", async () => {
  await using server = await startEmulator({ chunkUploadSize: 1024 });
  const bytes = randomBytes(600);
  const location = await createSession(server, {
    fileName: "part.bin",
    fileSize: bytes.length,
  });
  const partial = await sendChunk(
    location,
    bytes.slice(0, 512),
    server.token,
    1,
  );
  assertEquals(partial.json, {
    success: false,
    message: "uploadSize != bytesTotal",
  });
  assertEquals(server.emulator.files(), []);
  assertEquals((await sendChunk(location, bytes, server.token, 1)).status, 201);
});

Deno.test("a 0-byte file is one empty chunk", async () => {
  await using server = await startEmulator({ chunkUploadSize: 1024 });
  const location = await createSession(server, {
    fileName: "empty.txt",
    fileSize: 0,
  });
  const done = await sendChunk(location, new Uint8Array(0), server.token, 1);
  assertEquals([
    done.status,
    done.json.data.file.pureContentLength,
    done.json.data.file.contentLength,
  ], [
    201,
    0,
    "0 bytes",
  ]);
  assertEquals(server.emulator.file(1)?.bytes.length, 0);
});

Deno.test("an empty chunk in a chunked session is refused", async () => {
  await using server = await startEmulator({ chunkUploadSize: 1024 });
  const location = await createSession(server, {
    fileName: "e.bin",
    fileSize: 2048,
  });
  assertEquals(
    (await sendChunk(location, new Uint8Array(0), server.token, 1)).json,
    {
      success: false,
      message: "Empty file",
    },
  );
});

Deno.test("abort answers success without data and drops the session", async () => {
  await using server = await startEmulator({ chunkUploadSize: 1024 });
  const location = await createSession(server, {
    fileName: "a.bin",
    fileSize: 2048,
  });
  await sendChunk(location, randomBytes(1024), server.token, 1);
  const aborted = await post(
    `${location}&abort=true`,
    undefined,
    bearer(server.token),
  );
  assertEquals([aborted.status, aborted.json], [200, {
    success: true,
    message: "",
  }]);
  assertEquals(server.emulator.sessions(), []);
  assertEquals(
    (await sendChunk(location, randomBytes(1024), server.token, 2)).json,
    UNKNOWN,
  );
});

Deno.test("location needs the session creator's credentials; an unknown uid is a null reference", async () => {
  await using server = await startEmulator({
    chunkUploadSize: 1024,
    users: [{ id: "a", tokens: ["ta"] }, { id: "b", tokens: ["tb"] }],
  });
  const location = await createSession(server, {
    fileName: "x.bin",
    fileSize: 2048,
  });
  const chunk = randomBytes(1024);
  const other = await sendChunk(location, chunk, "tb", 1);
  assertEquals([other.status, other.json], [200, NOT_AUTHORIZED]);
  const anonymous = await post(
    `${location}&upload=true&chunkNumber=1`,
    "x",
    {},
  );
  assertEquals([anonymous.status, anonymous.json], [200, NOT_AUTHORIZED]);
  assertEquals((await finalize(location, "tb")).json, NOT_AUTHORIZED);
  const unknown = location.replace(
    /uid=\w+/,
    "uid=0123456789abcdef0123456789abcdef",
  );
  assertEquals((await sendChunk(unknown, chunk, "ta", 1)).json, UNKNOWN);
  assertEquals(server.emulator.sessions()[0]?.chunkNumbers, []);
  assertEquals(server.emulator.log.at(-1)?.user, "a");
});

Deno.test("sessions expire 12 h after the last chunk, on the injected clock", async () => {
  let now = Date.UTC(2025, 5, 1);
  await using server = await startEmulator({
    chunkUploadSize: 1024,
    now: () => now,
  });
  const location = await createSession(server, {
    fileName: "slow.bin",
    fileSize: 2048,
  });
  now += 11 * HOUR;
  const chunk = await sendChunk(location, randomBytes(1024), server.token, 1);
  assertEquals(
    chunk.json.data.expired,
    new Date(now + 12 * HOUR).toISOString(),
  );
  now += 11 * HOUR; // 22 h after creation, 11 h after the chunk: still open.
  assertEquals(
    (await sendChunk(location, randomBytes(1024), server.token, 2)).json
      .success,
    true,
  );
  now += 12 * HOUR;
  assertEquals(server.emulator.sessions(), []);
  assertEquals((await finalize(location, server.token)).json, UNKNOWN);
});

Deno.test("each chunk lives 12 h from its upload even while the session is renewed", async () => {
  let now = Date.UTC(2025, 5, 1);
  await using server = await startEmulator({
    chunkUploadSize: 1024,
    now: () => now,
  });
  const bytes = randomBytes(2048);
  const location = await createSession(server, {
    fileName: "old.bin",
    fileSize: 2048,
  });
  await sendChunk(location, bytes.slice(0, 1024), server.token, 1);
  now += 11 * HOUR;
  await sendChunk(location, bytes.slice(1024), server.token, 2);
  now += 2 * HOUR;
  assertEquals(
    (await finalize(location, server.token)).json.message,
    "uploadSize != bytesTotal",
  );
  await sendChunk(location, bytes.slice(0, 1024), server.token, 1);
  assertEquals((await finalize(location, server.token)).status, 201);
});
