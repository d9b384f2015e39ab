import { assertEquals, assertRejects } from "@std/assert";
import { DocSpaceError, uploadFile } from "../../mod.ts";
import { nodeFetch } from "../../node_fetch.ts";
import { startEmulator } from "../../testing.ts";
import { byteStreamOf, randomBytes, sha256, streamOf } from "../_helpers.ts";

const CHUNK = 64 * 1024;

Deno.test("nodeFetch carries byte-exact uploads from Blobs and streams", async () => {
  await using portal = await startEmulator({ chunkUploadSize: CHUNK });
  const bytes = randomBytes(5 * CHUNK + 17);
  for (
    const source of [new Blob([bytes]), streamOf(bytes), byteStreamOf(bytes)]
  ) {
    const file = await uploadFile(source, {
      url: portal.url,
      token: portal.token,
      folderId: 1,
      fileName: "n.bin",
      fileSize: bytes.length,
      fetch: nodeFetch,
    });
    assertEquals(
      await sha256(portal.emulator.file(file.id)!.bytes),
      await sha256(bytes),
    );
  }
  // Every chunk arrived with a Content-Length the server could measure.
  const chunks = portal.emulator.log.filter((e) => e.mode === "numbered");
  assertEquals(chunks.length, 18);
  assertEquals(
    chunks.every((e) => e.computedLength === CHUNK || e.computedLength === 17),
    true,
  );
});

Deno.test("nodeFetch turns a lost response into a retried network error", async () => {
  await using portal = await startEmulator({ chunkUploadSize: CHUNK });
  portal.emulator.injectFault({
    kind: "drop-after-store",
    match: { chunkNumber: 2 },
  });
  const bytes = randomBytes(3 * CHUNK);
  const retried: string[] = [];
  const file = await uploadFile(new Blob([bytes]), {
    url: portal.url,
    token: portal.token,
    folderId: 1,
    fileName: "lost.bin",
    fetch: nodeFetch,
    retry: { minDelay: 1, maxDelay: 5 },
    onRetry: ({ error }) => retried.push(error.message),
  });
  assertEquals(
    await sha256(portal.emulator.file(file.id)!.bytes),
    await sha256(bytes),
  );
  assertEquals(retried.length, 1);
  assertEquals(
    retried[0]!.startsWith("Uploading chunk 2 failed: network error ("),
    true,
  );
});

Deno.test("nodeFetch reports a proxy's HTML error page like fetch does", async () => {
  await using portal = await startEmulator({ chunkUploadSize: CHUNK });
  portal.emulator.injectFault({
    kind: "status",
    status: 502,
    times: 5,
    match: { chunkNumber: 1 },
  });
  await assertRejects(
    () =>
      uploadFile(new Blob([randomBytes(2 * CHUNK)]), {
        url: portal.url,
        token: portal.token,
        folderId: 1,
        fileName: "p.bin",
        fetch: nodeFetch,
        retry: { attempts: 2, minDelay: 1, maxDelay: 5 },
      }),
    DocSpaceError,
    "Uploading chunk 1 failed: HTTP 502 Bad Gateway with a non-JSON body (content type text/html)",
  );
});

Deno.test("nodeFetch aborts a request in flight with the signal's reason", async () => {
  await using portal = await startEmulator({ chunkUploadSize: CHUNK });
  portal.emulator.injectFault({
    kind: "latency",
    ms: 300,
    match: { mode: "settings" },
  });
  const reason = new Error("stop");
  const controller = new AbortController();
  const pending = nodeFetch(`${portal.url}/api/2.0/files/settings`, {
    signal: controller.signal,
  });
  setTimeout(() => controller.abort(reason), 20);
  assertEquals(await pending.catch((error) => error), reason);
  await assertRejects(() => nodeFetch("http://127.0.0.1:1/", {}), TypeError);
});

Deno.test("nodeFetch settles at once when a request on a reused keep-alive socket is aborted", async () => {
  await using portal = await startEmulator({ chunkUploadSize: CHUNK });
  const settings = `${portal.url}/api/2.0/files/settings`;
  assertEquals((await nodeFetch(settings)).status, 200);
  portal.emulator.injectFault({
    kind: "latency",
    ms: 300,
    match: { mode: "settings" },
  });
  const controller = new AbortController();
  const reason = new Error("stop");
  const pending = nodeFetch(settings, { signal: controller.signal });
  setTimeout(() => controller.abort(reason), 20);
  assertEquals(await pending.catch((error) => error), reason);
  const next = await nodeFetch(settings);
  assertEquals((await next.json()).response.chunkUploadSize, CHUNK);
});

Deno.test("nodeFetch sends a ReadableStream body as it comes, with the Content-Length it is given", async () => {
  const bytes = randomBytes(300_000);
  const seen: { length: string | null; sha: string }[] = [];
  await using server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (request) => {
      seen.push({
        length: request.headers.get("content-length"),
        sha: await sha256(new Uint8Array(await request.arrayBuffer())),
      });
      return new Response("ok");
    },
  );
  const url = `http://127.0.0.1:${server.addr.port}/`;
  const response = await nodeFetch(url, {
    method: "POST",
    headers: { "content-length": String(bytes.length) },
    body: streamOf(bytes),
  });
  assertEquals([response.status, await response.text()], [200, "ok"]);
  assertEquals(seen, [{
    length: String(bytes.length),
    sha: await sha256(bytes),
  }]);
  // Without a stated length a stream is refused before anything is sent (no chunked encoding).
  await assertRejects(
    () => nodeFetch(url, { method: "POST", body: streamOf(bytes) }),
    TypeError,
    "only with a Content-Length header",
  );
  assertEquals(seen.length, 1);
});
