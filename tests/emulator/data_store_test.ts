import { assertEquals, assertStringIncludes } from "@std/assert";
import { startEmulator } from "../../testing.ts";
import { api, bearer, createSession, post, sendChunk } from "./_client.ts";

// Aborting a chunked session on each data store (common/ASC.Data.Storage): DiscDataStore deletes the
// chunk directory without recursion, S3Storage aborts the multipart upload.

const CHUNK = 1024;

async function abortLegacy(
  dataStore: "disk" | "s3",
  chunks: number,
) {
  await using server = await startEmulator({
    chunkUploadSize: CHUNK,
    dataStore,
  });
  const location = await createSession(server, {
    fileName: "a.bin",
    fileSize: 2 * CHUNK,
  });
  for (let n = 1; n <= chunks; n++) {
    await sendChunk(location, new Uint8Array(CHUNK), server.token, n);
  }
  const aborted = await post(
    `${location}&abort=true`,
    undefined,
    bearer(server.token),
  );
  return {
    status: aborted.status,
    json: aborted.json,
    sessions: server.emulator.sessions().length,
  };
}

async function abortRest(dataStore: "disk" | "s3", chunks: number) {
  await using server = await startEmulator({
    chunkUploadSize: CHUNK,
    dataStore,
  });
  const created = await api(server, "/api/2.0/files/1/session", {
    fileName: "a.bin",
    fileSize: 2 * CHUNK,
  });
  const base = `/api/2.0/files/1/session/${created.json.response.id}`;
  for (let n = 1; n <= chunks; n++) {
    const form = new FormData();
    form.append("file", new Blob([new Uint8Array(CHUNK)]), "blob");
    const sent = await fetch(`${server.url}${base}/upload?chunkNumber=${n}`, {
      method: "POST",
      headers: bearer(server.token),
      body: form,
    });
    assertEquals(sent.status, 200);
    await sent.body?.cancel();
  }
  const response = await fetch(`${server.url}${base}`, {
    method: "DELETE",
    headers: bearer(server.token),
  });
  return {
    status: response.status,
    json: await response.json(),
    sessions: server.emulator.sessions().length,
  };
}

Deno.test("disk storage: abort before any chunk succeeds (no chunk directory yet)", async () => {
  const legacy = await abortLegacy("disk", 0);
  assertEquals([legacy.status, legacy.json, legacy.sessions], [200, {
    success: true,
    message: "",
  }, 0]);
  const rest = await abortRest("disk", 0);
  assertEquals([rest.status, rest.json.status, rest.sessions], [200, 0, 0]);
});

Deno.test("disk storage: abort after a chunk fails with Directory not empty and the session stays", async () => {
  const legacy = await abortLegacy("disk", 1);
  // ChunkedUploaderHandler: HTTP 200, success false, the IOException's message
  assertEquals([legacy.status, legacy.json.success, legacy.sessions], [
    200,
    false,
    1,
  ]);
  assertStringIncludes(legacy.json.message, "Directory not empty : '");
  const rest = await abortRest("disk", 1);
  // CustomExceptionHandler: an IOException is a 500
  assertEquals([rest.status, rest.json.error.type, rest.sessions], [
    500,
    "System.IO.IOException",
    1,
  ]);
  assertStringIncludes(rest.json.error.message, "Directory not empty : '");
});

Deno.test("S3 storage: abort succeeds after 0 and after 1 chunk", async () => {
  for (const chunks of [0, 1]) {
    const legacy = await abortLegacy("s3", chunks);
    assertEquals([legacy.status, legacy.json.success, legacy.sessions], [
      200,
      true,
      0,
    ]);
    const rest = await abortRest("s3", chunks);
    assertEquals([rest.status, rest.json.status, rest.sessions], [200, 0, 0]);
  }
});

Deno.test("dataStore defaults to disk and refuses other values", async () => {
  await using server = await startEmulator();
  assertEquals(server.emulator.options.dataStore, "disk");
  let message = "";
  try {
    // @ts-expect-error: not a data store
    await startEmulator({ dataStore: "ftp" });
  } catch (error) {
    message = (error as Error).message;
  }
  assertEquals(
    message,
    'Cannot create DocSpaceEmulator: dataStore must be "disk" or "s3", received "ftp"',
  );
});
