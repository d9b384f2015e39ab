import { assertEquals } from "@std/assert";
import { createChunkBody } from "../../src/client/chunk_body.ts";
import { startEmulator } from "../../testing.ts";
import {
  api,
  bearer,
  createSession,
  finalize,
  post,
  randomBytes,
  sendChunk,
} from "./_client.ts";

// Rules read from DocSpace-server v3.7.2 that the other emulator tests do not reach.

Deno.test("create_session checks size, then type, then folder, then permission (FileUploader.VerifyChunkedUploadAsync)", async () => {
  await using server = await startEmulator({
    maxFileSize: 1073741824,
    users: [{ id: "admin", tokens: ["t1"] }, { id: "guest", tokens: ["t2"] }],
    folders: [{ id: 1 }, { id: 7, writers: ["admin"] }],
    uploadableExtensions: [".txt"], // files:upload-filter on
  });
  const cases: [number, string, number, string, number, string][] = [
    // folder, file name, size, token → status, message
    [
      99,
      "big.exe",
      2 * 1073741824,
      "t2",
      402,
      "The maximum file size is exceeded (1 GB).",
    ],
    [99, "setup.exe", 1, "t2", 415, "Sorry, this file format isn't supported"],
    [99, "README", 1, "t2", 415, "Sorry, this file format isn't supported"],
    [99, "a.txt", 1, "t2", 404, "The required folder was not found"],
    [7, "a.txt", 1, "t2", 403, "Access denied"],
  ];
  for (const [folder, fileName, fileSize, token, status, message] of cases) {
    const reply = await api(
      server,
      `/api/2.0/files/${folder}/upload/create_session`,
      { fileName, fileSize },
      bearer(token),
    );
    assertEquals([reply.status, reply.json.error?.message], [status, message]);
  }
  assertEquals(server.emulator.sessions(), []);
});

Deno.test("titles and subfolder names are cleaned as Global.ReplaceInvalidCharsAndTruncate does", async () => {
  await using server = await startEmulator({ chunkUploadSize: 1024 });
  const open = async (body: Record<string, unknown>) =>
    (await api(server, "/api/2.0/files/1/upload/create_session", {
      fileSize: 1,
      ...body,
    })).json.response.data;
  await open({ fileName: '  a:b*c?"d"<e>|f\\g/h+i\tj.txt  ' });
  await open({ fileName: "smile😀.txt" }); // .NET's \p{Cs} takes each surrogate
  await open({ fileName: `${"x".repeat(200)}.docx` });
  await open({ fileName: `${"y".repeat(100)}.${"z".repeat(100)}` });
  assertEquals(server.emulator.sessions().map((s) => s.title), [
    "a_b_c__d__e__f_g_h_i_j.txt",
    "smile__.txt",
    `${"x".repeat(165)}.docx`,
    `${"y".repeat(100)}.${"z".repeat(69)}`,
  ]);
  // An empty segment ends the walk: "a:1//b" creates only "a_1".
  const data = await open({ fileName: "f.txt", relativePath: "a:1//b" });
  assertEquals(data.path.length, 2);
});

Deno.test("path: the folder's ids from the root in create replies, [folderId] in chunk replies", async () => {
  await using server = await startEmulator({ chunkUploadSize: 1024 });
  const created = await api(server, "/api/2.0/files/1/upload/create_session", {
    fileName: "p.bin",
    fileSize: 2048,
    relativePath: "a/b",
  });
  const session = created.json.response.data;
  assertEquals(session.path, [1, 2, 3]);
  const chunk = await sendChunk(
    session.location,
    randomBytes(1024),
    server.token,
    1,
  );
  assertEquals(chunk.json.data.path, [3]);
});

Deno.test("the chunk endpoint answers at any path that ends in ChunkedUploader.ashx, in any letter case", async () => {
  await using server = await startEmulator({ chunkUploadSize: 1024 });
  const location = await createSession(server, {
    fileName: "r.bin",
    fileSize: 2048,
  });
  const uid = new URL(location).searchParams.get("uid");
  const bytes = randomBytes(2048);
  const paths = [
    "/products/files/httphandlers/chunkeduploader.ashx",
    "/CHUNKEDUPLOADER.ASHX",
  ];
  for (const [i, path] of paths.entries()) {
    const sent = await sendChunk(
      `${server.url}${path}?uid=${uid}`,
      bytes.slice(i * 1024, (i + 1) * 1024),
      server.token,
      i + 1,
    );
    assertEquals(sent.json.success, true, path);
  }
  const done = await finalize(
    `${server.url}/x/ChunkedUploader.ashx?uid=${uid}`,
    server.token,
  );
  assertEquals(done.status, 201);
  assertEquals(server.emulator.file(1)?.bytes, bytes);
});

Deno.test("upload=true without chunkNumber numbers chunks by arrival (FileDao's ChunksUploaded counter)", async () => {
  await using server = await startEmulator({ chunkUploadSize: 1024 });
  const bytes = randomBytes(2000);
  const location = await createSession(server, {
    fileName: "u.bin",
    fileSize: bytes.length,
  });
  for (const [from, to] of [[0, 1024], [1024, 2000]]) {
    const chunk = createChunkBody(new Blob([bytes.slice(from, to)]));
    const sent = await post(`${location}&upload=true`, chunk.body, {
      ...bearer(server.token),
      "content-type": chunk.contentType,
    });
    assertEquals([sent.status, sent.json.success], [200, true]);
  }
  assertEquals(server.emulator.sessions()[0]?.chunkNumbers, [1, 2]);
  assertEquals((await finalize(location, server.token)).status, 201);
  assertEquals(server.emulator.file(1)?.bytes, bytes);
});

/** A numbered chunk framed with an extra part header: the server counts it 2 bytes long (10 + 2 − 12 + 2). */
function withExtraHeader(
  bytes: Uint8Array<ArrayBuffer>,
): { body: Uint8Array<ArrayBuffer>; type: string } {
  const head = new TextEncoder().encode(
    '--B\r\nContent-Disposition: form-data; name="file"; filename="blob"\r\n' +
      "Content-Type: application/octet-stream\r\nX-Extra: 1\r\n\r\n",
  );
  const tail = new TextEncoder().encode("\r\n--B--\r\n");
  const body = new Uint8Array(head.length + bytes.length + tail.length);
  body.set(head);
  body.set(bytes, head.length);
  body.set(tail, head.length + bytes.length);
  return { body, type: "multipart/form-data; boundary=B" };
}

Deno.test("a numbered chunk stores the part's body; the Content-Length formula only counts (ChunkedUploaderHandler.cs, DiscDataStore)", async () => {
  await using server = await startEmulator({ chunkUploadSize: 1024 });
  const bytes = randomBytes(2048);
  // Chunk 1 has one header too many (counted +2), chunk 2 is framed without the final CRLF (counted −2):
  // the errors cancel, finalize passes, and the stored bytes are the real bodies: the file is exact.
  const location = await createSession(server, {
    fileName: "even.bin",
    fileSize: 2048,
  });
  const first = withExtraHeader(bytes.slice(0, 1022));
  // The server would refuse chunk 1 counted at 1024 + 2 > 1024, so send 1022 real bytes counted as 1024.
  await post(`${location}&upload=true&chunkNumber=1`, first.body, {
    ...bearer(server.token),
    "content-type": first.type,
  });
  assertEquals(server.emulator.log.at(-1)?.computedLength, 1024);
  const second = createChunkBody(new Blob([bytes.slice(1022)]), {
    boundary: "B",
  });
  const trimmed = new Uint8Array(await second.body.arrayBuffer()).slice(
    0,
    second.contentLength - 2,
  );
  await post(`${location}&upload=true&chunkNumber=2`, trimmed, {
    ...bearer(server.token),
    "content-type": second.contentType,
  });
  assertEquals(server.emulator.log.at(-1)?.computedLength, 1024);
  const done = await finalize(location, server.token);
  // The server completes a file of 2048 announced bytes from 1022 + 1026 real ones: here too.
  assertEquals([done.status, done.json.data.file.pureContentLength], [
    201,
    2048,
  ]);
  assertEquals(server.emulator.file(1)?.bytes, bytes);
  // One miscounted chunk whose count still adds up: the server completes a file with the wrong bytes
  // (2046 real bytes, 2048 announced). The emulator does the same, so a client's framing bug shows here.
  const off = await createSession(server, {
    fileName: "off.bin",
    fileSize: 2048,
  });
  const only = withExtraHeader(bytes.slice(0, 1022));
  await post(`${off}&upload=true&chunkNumber=1`, only.body, {
    ...bearer(server.token),
    "content-type": only.type,
  });
  await sendChunk(off, bytes.slice(1022, 2046), server.token, 2);
  const wrong = await finalize(off, server.token);
  assertEquals([wrong.status, wrong.json.data.id], [201, 2]);
  assertEquals(server.emulator.file(2)?.bytes, bytes.slice(0, 2046));
});
