import { assertEquals } from "@std/assert";
import { startEmulator } from "../../testing.ts";
import {
  bearer,
  createSession,
  finalize,
  post,
  randomBytes,
  sendChunk,
  sha256,
} from "./_client.ts";

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
    done.json.data.id,
    done.json.data.folderId,
    done.json.data.file.pureContentLength,
  ], [201, "sbox-1-file-1", "sbox-1", 2500]);
  assertEquals(
    await sha256(
      server.emulator.file("sbox-1-file-1")!.bytes as Uint8Array<ArrayBuffer>,
    ),
    await sha256(bytes),
  );
});

Deno.test("sequential chunks in a DocSpace folder are numbered by arrival and counted in chunkUploadSize pieces", async () => {
  await using server = await startEmulator({ chunkUploadSize: 1024 });
  const bytes = randomBytes(2500);
  // ProviderFileDao appends; FileDao numbers: only full-size chunks (the last shorter) ever complete.
  const exact = await createSession(server, {
    fileName: "n.bin",
    fileSize: bytes.length,
  });
  for (const [from, to] of [[0, 1024], [1024, 2048]]) {
    const sent = await sendChunk(exact, bytes.slice(from, to), server.token);
    assertEquals([sent.status, sent.json.success], [200, true]);
  }
  const done = await sendChunk(exact, bytes.slice(2048), server.token);
  assertEquals([done.status, done.json.data.id], [201, 1]);
  assertEquals(
    await sha256(server.emulator.file(1)!.bytes as Uint8Array<ArrayBuffer>),
    await sha256(bytes),
  );
  // Three short chunks: 1000 + 1000 + 500 bytes arrive, but chunks 1..3 count 2500 only if all arrive;
  // and a fourth chunk is never counted (ceil(2500 / 1024) = 3).
  const short = await createSession(server, {
    fileName: "short.bin",
    fileSize: bytes.length,
  });
  for (
    const [from, to] of [[0, 1000], [1000, 2000], [2000, 2400], [2400, 2500]]
  ) {
    const sent = await sendChunk(short, bytes.slice(from, to), server.token);
    assertEquals([sent.status, sent.json.success], [200, true]);
  }
  assertEquals(server.emulator.sessions()[0]?.chunkNumbers, [1, 2, 3, 4]);
  assertEquals(server.emulator.sessions()[0]?.sequentialBytes, 2500);
  assertEquals(
    (await finalize(short, server.token)).json.message,
    "uploadSize != bytesTotal",
  );
});

Deno.test("small-file mode, numbered: the chunk stores the file and answers 200 with the session; finalize answers 201, again and again", async () => {
  await using server = await startEmulator({ chunkUploadSize: 1024 });
  const bytes = randomBytes(1023);
  const location = await createSession(server, {
    fileName: "small.bin",
    fileSize: bytes.length,
  });
  assertEquals(server.emulator.sessions()[0]?.small, true);
  const stored = await sendChunk(location, bytes, server.token, 1);
  assertEquals([stored.status, stored.json.success, stored.json.data.id], [
    200,
    true,
    server.emulator.sessions()[0]?.id,
  ]);
  assertEquals(server.emulator.log.at(-1)?.mode, "small");
  // Stored already (FileDao.UploadChunkAsync saves it), and the session stays.
  assertEquals(server.emulator.files().length, 1);
  assertEquals(server.emulator.sessions()[0]?.fileId, 1);
  for (let i = 0; i < 2; i++) {
    const done = await finalize(location, server.token);
    assertEquals(
      [
        done.status,
        done.json.data.id,
        done.json.data.version,
        done.json.data.uploaded,
      ],
      [201, 1, 1, true],
    );
  }
  assertEquals(
    await sha256(server.emulator.file(1)!.bytes as Uint8Array<ArrayBuffer>),
    await sha256(bytes),
  );
  // A repeated chunk request saves the file again: a new version.
  assertEquals((await sendChunk(location, bytes, server.token, 1)).status, 200);
  assertEquals(server.emulator.file(1)?.version, 2);
  assertEquals((await finalize(location, server.token)).json.data.version, 2);
  assertEquals(server.emulator.files().length, 1);
});

Deno.test("small-file mode, sequential: the first request answers 201 with the file", async () => {
  await using server = await startEmulator({ chunkUploadSize: 1024 });
  const bytes = randomBytes(3);
  const location = await createSession(server, {
    fileName: "small2.bin",
    fileSize: 3,
  });
  const done = await sendChunk(location, bytes, server.token);
  assertEquals([done.status, done.json.data.id, done.json.data.title], [
    201,
    1,
    "small2.bin",
  ]);
  assertEquals(server.emulator.file(1)?.bytes, bytes);
  const thirdParty = await createSession(server, {
    fileName: "tp.bin",
    fileSize: 3,
  }, "sbox-1");
  const stored = await sendChunk(thirdParty, bytes, server.token);
  assertEquals([stored.status, stored.json.data.id], [201, "sbox-1-file-2"]);
});

Deno.test("small-file mode stores a body shorter than announced without an error, and saves nothing longer", async () => {
  await using server = await startEmulator({ chunkUploadSize: 1024 });
  const bytes = randomBytes(600);
  const location = await createSession(server, {
    fileName: "part.bin",
    fileSize: bytes.length,
  });
  // FileDao: saved when bytesTotal >= the chunk's length.
  const partial = await sendChunk(
    location,
    bytes.slice(0, 512),
    server.token,
    1,
  );
  assertEquals([partial.status, partial.json.success], [200, true]);
  assertEquals(server.emulator.file(1)?.bytes, bytes.slice(0, 512));
  const longer = await createSession(server, {
    fileName: "long.bin",
    fileSize: 10,
  });
  assertEquals((await sendChunk(longer, bytes, server.token, 1)).status, 200);
  assertEquals(server.emulator.files().length, 1);
  // Finalize still answers 201, with the session's never-saved file (id 0), as the handler does.
  const done = await finalize(longer, server.token);
  assertEquals([done.status, done.json.data.id], [201, 0]);
  assertEquals(server.emulator.files().length, 1);
});

Deno.test("a 0-byte file is one empty chunk, then finalize", async () => {
  await using server = await startEmulator({ chunkUploadSize: 1024 });
  const location = await createSession(server, {
    fileName: "empty.txt",
    fileSize: 0,
  });
  const stored = await sendChunk(location, new Uint8Array(0), server.token, 1);
  assertEquals([stored.status, stored.json.data.bytes_total], [200, 0]);
  const done = await finalize(location, server.token);
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
  // A 0-byte session takes its first chunk's length (FileDao: BytesTotal = chunkLength when 0).
  const grown = await createSession(server, {
    fileName: "grown.txt",
    fileSize: 0,
  });
  const five = await sendChunk(grown, randomBytes(5), server.token, 1);
  assertEquals(five.json.data.bytes_total, 5);
  assertEquals(server.emulator.file(2)?.contentLength, 5);
});

Deno.test('an empty chunk in a chunked session is stored (the server has no "Empty file" error) and counts nothing', async () => {
  await using server = await startEmulator({ chunkUploadSize: 1024 });
  const location = await createSession(server, {
    fileName: "e.bin",
    fileSize: 2048,
  });
  const empty = await sendChunk(location, new Uint8Array(0), server.token, 1);
  assertEquals([empty.status, empty.json.success], [200, true]);
  assertEquals(server.emulator.sessions()[0]?.chunkNumbers, [1]);
  assertEquals(
    (await finalize(location, server.token)).json.message,
    "uploadSize != bytesTotal",
  );
});

Deno.test("abort on S3 storage answers success without data and drops the session", async () => {
  await using server = await startEmulator({
    chunkUploadSize: 1024,
    dataStore: "s3",
  });
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
