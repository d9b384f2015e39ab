import { assertEquals } from "@std/assert";
import { createChunkBody } from "../../src/client/chunk_body.ts";
import { type RunningEmulator, startEmulator } from "../../testing.ts";
import { api, bearer, randomBytes, sha256 } from "./_client.ts";

// The REST session routes of DocSpace 3.7.1+ (UploadController.cs): standard envelope, real statuses.

async function call(
  server: RunningEmulator,
  method: string,
  path: string,
  bytes?: Uint8Array<ArrayBuffer>,
  token = server.token,
  // deno-lint-ignore no-explicit-any
): Promise<{ status: number; json: any }> {
  const chunk = bytes && createChunkBody(new Blob([bytes]));
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      ...bearer(token),
      ...(chunk ? { "content-type": chunk.contentType } : {}),
    },
    ...(chunk ? { body: chunk.body } : {}),
  });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : undefined };
}

async function open(
  server: RunningEmulator,
  fileName: string,
  fileSize: number,
  folderId: number | string = 1,
) {
  const created = await api(server, `/api/2.0/files/${folderId}/session`, {
    fileName,
    fileSize,
  });
  assertEquals(created.status, 200);
  const session = created.json.response;
  return `/api/2.0/files/${folderId}/session/${session.id}`;
}

Deno.test("REST session: create answers the session itself, numbered chunks answer it, finalize answers 201 with the file", async () => {
  await using server = await startEmulator({ chunkUploadSize: 1024 });
  const bytes = randomBytes(2500);
  const created = await api(server, "/api/2.0/files/1/session", {
    fileName: "r.bin",
    fileSize: bytes.length,
  });
  assertEquals(Object.keys(created.json.response).sort(), [
    "bytes_total",
    "created",
    "expired",
    "id",
    "location",
    "path",
  ]);
  const base = `/api/2.0/files/1/session/${created.json.response.id}`;
  for (const n of [3, 1, 2]) {
    const sent = await call(
      server,
      "POST",
      `${base}/upload?chunkNumber=${n}`,
      bytes.slice((n - 1) * 1024, n * 1024),
    );
    assertEquals([sent.status, sent.json.statusCode, sent.json.response.path], [
      200,
      200,
      [1],
    ]);
  }
  const done = await call(server, "PUT", `${base}/finalize`);
  assertEquals(
    [done.status, done.json.statusCode, done.json.response.uploaded],
    [201, 201, true],
  );
  assertEquals(done.json.response.id, 1);
  assertEquals(
    await sha256(server.emulator.file(1)!.bytes as Uint8Array<ArrayBuffer>),
    await sha256(bytes),
  );
  assertEquals(
    server.emulator.log.filter((e) => e.path.includes("/session/")).map((
      e,
    ) => [e.method, e.mode, e.chunkNumber ?? null, e.status]),
    [
      ["POST", "numbered", 3, 200],
      ["POST", "numbered", 1, 200],
      ["POST", "numbered", 2, 200],
      ["PUT", "finalize", null, 201],
    ],
  );
  // The session is gone after a chunked finalize: a NullReferenceException, 500.
  const again = await call(server, "PUT", `${base}/finalize`);
  assertEquals([again.status, again.json.error.message], [
    500,
    "Object reference not set to an instance of an object.",
  ]);
});

Deno.test("REST session: chunk lengths are the form file's real length, whatever the framing", async () => {
  await using server = await startEmulator({ chunkUploadSize: 1024 });
  const bytes = randomBytes(2048);
  const base = await open(server, "f.bin", bytes.length);
  for (const n of [1, 2]) {
    // Deno's own FormData leaves out the final CRLF: the legacy route would count 2 bytes short.
    const form = new FormData();
    form.append("file", new Blob([bytes.slice((n - 1) * 1024, n * 1024)]));
    const sent = await fetch(`${server.url}${base}/upload?chunkNumber=${n}`, {
      method: "POST",
      headers: bearer(server.token),
      body: form,
    });
    assertEquals(sent.status, 200);
    await sent.body?.cancel();
  }
  assertEquals(server.emulator.log.at(-1)?.computedLength, 1024);
  assertEquals((await call(server, "PUT", `${base}/finalize`)).status, 201);
  assertEquals(server.emulator.file(1)?.bytes, bytes);
});

Deno.test("REST session: a small file is stored by its chunk (200), finalize answers 201 again and again", async () => {
  await using server = await startEmulator({ chunkUploadSize: 1024 });
  const bytes = randomBytes(10);
  const base = await open(server, "s.txt", bytes.length);
  const sent = await call(
    server,
    "POST",
    `${base}/upload?chunkNumber=1`,
    bytes,
  );
  assertEquals([sent.status, sent.json.response.bytes_total], [200, 10]);
  for (let i = 0; i < 2; i++) {
    const done = await call(server, "PUT", `${base}/finalize`);
    assertEquals([done.status, done.json.response.id], [201, 1]);
  }
  assertEquals(server.emulator.file(1)?.bytes, bytes);
});

Deno.test("REST session: sequential chunks answer 200 with the pending file, then 201; third-party ids are strings", async () => {
  await using server = await startEmulator({ chunkUploadSize: 1024 });
  const bytes = randomBytes(2000);
  const base = await open(server, "t.bin", bytes.length, "sbox-1");
  const first = await call(server, "POST", base, bytes.slice(0, 700));
  assertEquals([first.status, first.json.response.uploaded], [200, false]);
  // Any size (up to chunkUploadSize) is appended in a provider folder.
  assertEquals(
    (await call(server, "POST", base, bytes.slice(700, 1724))).status,
    200,
  );
  const done = await call(server, "POST", base, bytes.slice(1724));
  assertEquals([
    done.status,
    done.json.response.id,
    done.json.response.uploaded,
  ], [
    201,
    "sbox-1-file-1",
    true,
  ]);
  assertEquals(server.emulator.file("sbox-1-file-1")?.bytes, bytes);
  // Numbered chunks are refused in a provider folder: ArgumentException, 400.
  const numbered = await open(server, "u.bin", 2000, "sbox-1");
  const refused = await call(
    server,
    "POST",
    `${numbered}/upload?chunkNumber=1`,
    bytes.slice(0, 1024),
  );
  assertEquals([refused.status, refused.json.error.message], [
    400,
    "Can not async upload in provider folder.",
  ]);
});

Deno.test("REST session: errors carry the server's statuses; there is no owner check; DELETE aborts", async () => {
  await using server = await startEmulator({
    chunkUploadSize: 1024,
    dataStore: "s3", // DiscDataStore's abort fails after a chunk: storage_test.ts
    users: [{ id: "a", tokens: ["ta"] }, { id: "b", tokens: ["tb"] }],
  });
  const base = await open(server, "e.bin", 2048);
  const tooBig = await call(
    server,
    "POST",
    `${base}/upload?chunkNumber=1`,
    randomBytes(1025),
  );
  assertEquals([tooBig.status, tooBig.json.error.message], [
    402,
    "The maximum file size is exceeded (100 MB).",
  ]);
  const short = await call(server, "PUT", `${base}/finalize`);
  assertEquals([short.status, short.json.error.message], [
    400,
    "uploadSize != bytesTotal",
  ]);
  // Another user's request is served: the REST routes do not compare the session's user.
  const other = await call(
    server,
    "POST",
    `${base}/upload?chunkNumber=1`,
    randomBytes(1024),
    "tb",
  );
  assertEquals(other.status, 200);
  const anonymous = await fetch(`${server.url}${base}/finalize`, {
    method: "PUT",
  });
  assertEquals(anonymous.status, 401);
  await anonymous.body?.cancel();
  const aborted = await call(server, "DELETE", base);
  assertEquals([aborted.status, aborted.json.response, aborted.json.count], [
    200,
    undefined,
    0,
  ]);
  assertEquals(server.emulator.sessions(), []);
  const gone = await call(
    server,
    "POST",
    `${base}/upload?chunkNumber=2`,
    randomBytes(1),
  );
  assertEquals([gone.status, gone.json.error.message], [
    500,
    "Object reference not set to an instance of an object.",
  ]);
});

Deno.test("serverVersion 3.6 has only the legacy routes: the REST session routes answer 404", async () => {
  await using server = await startEmulator({
    chunkUploadSize: 1024,
    serverVersion: "3.6",
  });
  const create = await api(server, "/api/2.0/files/1/session", {
    fileName: "x.bin",
    fileSize: 10,
  });
  assertEquals(create.status, 404);
  assertEquals(server.emulator.sessions(), []);
  const legacy = await api(server, "/api/2.0/files/1/upload/create_session", {
    fileName: "x.bin",
    fileSize: 10,
  });
  const id = legacy.json.response.data.id;
  for (
    const [method, path] of [
      ["POST", `/api/2.0/files/1/session/${id}/upload?chunkNumber=1`],
      ["PUT", `/api/2.0/files/1/session/${id}/finalize`],
      ["POST", `/api/2.0/files/1/session/${id}`],
      ["DELETE", `/api/2.0/files/1/session/${id}`],
    ] as const
  ) {
    const reply = await call(server, method, path, randomBytes(10));
    assertEquals(reply.status, 404, `${method} ${path}`);
  }
  assertEquals(server.emulator.files(), []);
});
