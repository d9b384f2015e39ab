import { assertEquals, assertMatch } from "@std/assert";
import { createChunkBody } from "../../src/client/chunk_body.ts";
import { startEmulator } from "../../testing.ts";
import {
  bearer,
  createSession,
  finalize,
  post,
  randomBytes,
  sendChunk,
  sha256,
  uploadNumbered,
} from "./_client.ts";

const encoder = new TextEncoder();

Deno.test("numbered chunks, finalized, store exactly the bytes sent", async () => {
  await using server = await startEmulator({ chunkUploadSize: 1024 });
  const bytes = randomBytes(2560);
  const location = await createSession(server, {
    fileName: "data.bin",
    fileSize: bytes.length,
  });
  const chunk = await sendChunk(
    location,
    bytes.slice(0, 1024),
    server.token,
    1,
  );
  assertEquals(chunk.status, 200);
  assertEquals(Object.keys(chunk.json), ["success", "data", "message"]);
  assertEquals([
    chunk.json.success,
    chunk.json.message,
    chunk.json.data.bytes_total,
  ], [true, "", 2560]);
  assertEquals(chunk.json.data.location, location);
  const done = await uploadNumbered(location, bytes, 1024, server.token);
  assertEquals(done.status, 201);
  const { data } = done.json;
  assertEquals([done.json.success, done.json.message], [true, ""]);
  assertEquals([
    data.id,
    data.folderId,
    data.version,
    data.title,
    data.uploaded,
  ], [1, 1, 1, "data.bin", true]);
  assertEquals([data.file.id, data.file.title, data.file.pureContentLength], [
    1,
    "data.bin",
    2560,
  ]);
  assertEquals(data.file.contentLength, "2.5 KB");
  const stored = server.emulator.file(1);
  assertEquals(
    await sha256(stored!.bytes as Uint8Array<ArrayBuffer>),
    await sha256(bytes),
  );
  assertEquals(server.emulator.sessions(), []);
  const again = await finalize(location, server.token);
  assertEquals(again.json, {
    success: false,
    message: "Object reference not set to an instance of an object.",
  });
});

Deno.test("numbered chunks may arrive in any order and concurrently; chunks need not be 512-aligned", async () => {
  await using server = await startEmulator({ chunkUploadSize: 1000 });
  const bytes = randomBytes(4500);
  const location = await createSession(server, {
    fileName: "c.bin",
    fileSize: bytes.length,
  });
  await Promise.all(
    [5, 3, 1, 4, 2].map((n) =>
      sendChunk(
        location,
        bytes.slice((n - 1) * 1000, n * 1000),
        server.token,
        n,
      )
    ),
  );
  const done = await finalize(location, server.token);
  assertEquals(done.status, 201);
  assertEquals(
    await sha256(server.emulator.file(1)!.bytes as Uint8Array<ArrayBuffer>),
    await sha256(bytes),
  );
});

Deno.test("re-sending a chunk number overwrites it", async () => {
  await using server = await startEmulator({ chunkUploadSize: 1024 });
  const bytes = randomBytes(2048);
  const location = await createSession(server, {
    fileName: "o.bin",
    fileSize: bytes.length,
  });
  await sendChunk(location, randomBytes(1024), server.token, 2);
  await sendChunk(location, bytes.slice(0, 1024), server.token, 1);
  await sendChunk(location, bytes.slice(1024), server.token, 2);
  assertEquals((await finalize(location, server.token)).status, 201);
  assertEquals(
    await sha256(server.emulator.file(1)!.bytes as Uint8Array<ArrayBuffer>),
    await sha256(bytes),
  );
});

Deno.test("a gap, a short middle chunk or an extra chunk makes finalize answer uploadSize != bytesTotal", async () => {
  await using server = await startEmulator({ chunkUploadSize: 1024 });
  const bytes = randomBytes(3000);
  const location = await createSession(server, {
    fileName: "g.bin",
    fileSize: bytes.length,
  });
  const failed = { success: false, message: "uploadSize != bytesTotal" };
  await sendChunk(location, bytes.slice(0, 1024), server.token, 1);
  await sendChunk(location, bytes.slice(2048), server.token, 3);
  const gap = await finalize(location, server.token);
  assertEquals([gap.status, gap.json], [200, failed]);
  assertEquals(server.emulator.sessions().length, 1);
  await sendChunk(location, bytes.slice(1024, 1536), server.token, 2);
  assertEquals((await finalize(location, server.token)).json, failed);
  await sendChunk(location, bytes.slice(1024, 2048), server.token, 2);
  // Chunk 4 is past ceil(total / chunkUploadSize): not counted, not stored in the file.
  await sendChunk(location, randomBytes(10), server.token, 4);
  assertEquals((await finalize(location, server.token)).status, 201);
  assertEquals(
    await sha256(server.emulator.file(1)!.bytes as Uint8Array<ArrayBuffer>),
    await sha256(bytes),
  );
});

Deno.test("a chunk larger than chunkUploadSize is refused", async () => {
  await using server = await startEmulator({
    chunkUploadSize: 1024,
    maxFileSize: 1048576,
  });
  const location = await createSession(server, {
    fileName: "big.bin",
    fileSize: 4096,
  });
  const reply = await sendChunk(location, randomBytes(1025), server.token, 1);
  assertEquals([reply.status, reply.json], [200, {
    success: false,
    message: "The maximum file size is exceeded (1 MB).",
  }]);
  assertEquals(server.emulator.sessions()[0]?.chunkNumbers, []);
});

function framed(
  head: string,
  bytes: Uint8Array,
  tail: string,
): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(
    encoder.encode(head).length + bytes.length + encoder.encode(tail).length,
  );
  out.set(encoder.encode(head));
  out.set(bytes, encoder.encode(head).length);
  out.set(encoder.encode(tail), encoder.encode(head).length + bytes.length);
  return out;
}

Deno.test("an extra part header makes the server count 2 bytes too many, and finalize fails", async () => {
  await using server = await startEmulator({ chunkUploadSize: 1024 });
  const bytes = randomBytes(1000);
  const location = await createSession(server, {
    fileName: "x.bin",
    fileSize: 2000,
  });
  const head =
    '--B\r\nContent-Disposition: form-data; name="file"; filename="blob"\r\n' +
    "Content-Type: application/octet-stream\r\nX-Extra: 1\r\n\r\n";
  const body = framed(head, bytes, "\r\n--B--\r\n");
  for (const n of [1, 2]) {
    const reply = await post(`${location}&upload=true&chunkNumber=${n}`, body, {
      ...bearer(server.token),
      "content-type": "multipart/form-data; boundary=B",
    });
    assertEquals(reply.json.success, true);
  }
  assertEquals(server.emulator.log.at(-1)?.computedLength, 1002);
  assertEquals(
    (await finalize(location, server.token)).json.message,
    "uploadSize != bytesTotal",
  );
});

async function formDataBody(
  form: FormData,
): Promise<[Uint8Array<ArrayBuffer>, string]> {
  const serialized = new Response(form);
  return [await serialized.bytes(), serialized.headers.get("content-type")!];
}

Deno.test("the runtime's own FormData framing stores the wrong length; createChunkBody's framing is right", async () => {
  await using server = await startEmulator({ chunkUploadSize: 2048 });
  const bytes = randomBytes(2000);
  const location = await createSession(server, {
    fileName: "f.bin",
    fileSize: 4000,
  });
  const url = `${location}&upload=true&chunkNumber=1`;
  const single = new FormData();
  single.append("file", new Blob([bytes]), "blob");
  const [body, contentType] = await formDataBody(single);
  const reply = await post(url, body, {
    ...bearer(server.token),
    "content-type": contentType,
  });
  assertEquals(reply.json.success, true);
  // Deno ends the body at "--B--" without the final CRLF the formula allows for.
  assertEquals(server.emulator.log.at(-1)?.computedLength, 1998);
  const withNote = new FormData();
  withNote.append("file", new Blob([bytes.slice(0, 1500)]), "blob");
  withNote.append("note", "hello");
  const [body2, contentType2] = await formDataBody(withNote);
  await post(url, body2, {
    ...bearer(server.token),
    "content-type": contentType2,
  });
  assertEquals((server.emulator.log.at(-1)?.computedLength ?? 0) > 1500, true);
  await sendChunk(location, bytes, server.token, 2);
  assertEquals(
    (await finalize(location, server.token)).json.message,
    "uploadSize != bytesTotal",
  );
  await sendChunk(location, bytes, server.token, 1);
  assertEquals(server.emulator.log.at(-1)?.computedLength, 2000);
  assertEquals((await finalize(location, server.token)).status, 201);
});

Deno.test("a non-ASCII header value is counted in UTF-16 units, so the chunk is miscounted", async () => {
  await using server = await startEmulator({ chunkUploadSize: 1024 });
  const bytes = randomBytes(600);
  const location = await createSession(server, {
    fileName: "n.bin",
    fileSize: 1200,
  });
  // "ï" is 2 UTF-8 bytes but 1 UTF-16 unit; "😀" is 4 bytes but 2 units: 3 bytes uncounted.
  const head =
    '--B\r\nContent-Disposition: form-data; name="file"; filename="naïve😀.bin"\r\n' +
    "Content-Type: application/octet-stream\r\n\r\n";
  const reply = await post(
    `${location}&upload=true&chunkNumber=1`,
    framed(head, bytes, "\r\n--B--\r\n"),
    {
      ...bearer(server.token),
      "content-type": "multipart/form-data; boundary=B",
    },
  );
  assertEquals(reply.json.success, true);
  assertEquals(server.emulator.log.at(-1)?.computedLength, 603);
  const encoded = createChunkBody(new Blob([bytes]), {
    fileName: "naïve😀.bin",
  });
  await post(`${location}&upload=true&chunkNumber=2`, encoded.body, {
    ...bearer(server.token),
    "content-type": encoded.contentType,
  });
  assertEquals(server.emulator.log.at(-1)?.computedLength, 600);
});

Deno.test("numbered requests without Content-Length, boundary or a file part are refused; chunk numbers are int.TryParse'd", async () => {
  await using server = await startEmulator({ chunkUploadSize: 1024 });
  const location = await createSession(server, {
    fileName: "e.bin",
    fileSize: 2000,
  });
  const chunk = createChunkBody(new Blob([randomBytes(1000)]), {
    boundary: "B",
  });
  const headers = {
    ...bearer(server.token),
    "content-type": chunk.contentType,
  };
  const url = `${location}&upload=true&chunkNumber=1`;
  const streamed = await post(
    url,
    chunk.body.stream(),
    headers,
  );
  assertEquals(streamed.json, {
    success: false,
    message: "Nullable object must have a value.",
  });
  const noBoundary = await post(url, chunk.body, {
    ...headers,
    "content-type": "multipart/form-data",
  });
  assertEquals(noBoundary.json.message, "Missing content-type boundary.");
  // MultipartReader finds no section before the stream ends.
  const noPart = await post(url, "--B--\r\n", headers);
  assertEquals(
    noPart.json.message,
    "Unexpected end of Stream, the content may have already been read by another component. ",
  );
  assertEquals(server.emulator.sessions()[0]?.chunkNumbers, []);
  // int.TryParse: "0" and "-1" are numbers (stored, never counted); "x" is none, so it is numbered by arrival.
  for (const n of ["0", "x", "-1"]) {
    const stored = await post(
      `${location}&upload=true&chunkNumber=${n}`,
      chunk.body,
      headers,
    );
    assertEquals([stored.status, stored.json.success], [200, true]);
  }
  assertMatch(server.emulator.log.at(-1)?.search ?? "", /chunkNumber=-1/);
  assertEquals(server.emulator.sessions()[0]?.chunkNumbers, [-1, 0, 1]);
  assertEquals(
    (await finalize(location, server.token)).json.message,
    "uploadSize != bytesTotal",
  );
});
