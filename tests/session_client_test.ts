import { assertEquals, assertRejects, assertThrows } from "@std/assert";
import { authorizationHeader, DocSpaceError, SessionClient } from "../mod.ts";
import { DocSpaceEmulator, startEmulator } from "../testing.ts";
import { sha256 } from "./_helpers.ts";

Deno.test("authorizationHeader keeps a named scheme and adds Bearer otherwise", () => {
  assertEquals(authorizationHeader("sk-abc"), "Bearer sk-abc");
  assertEquals(authorizationHeader("Bearer eyJ"), "Bearer eyJ");
  assertEquals(authorizationHeader("bearer eyJ"), "bearer eyJ");
  assertEquals(authorizationHeader("Basic dTpw"), "Basic dTpw");
  assertEquals(authorizationHeader("Bearer"), "Bearer Bearer");
});

Deno.test("SessionClient runs settings, create, numbered chunks and finalize", async () => {
  await using portal = await startEmulator({ chunkUploadSize: 1024 });
  const client = new SessionClient({
    url: portal.url + "/",
    token: portal.token,
  });
  assertEquals(await client.settings(), {
    chunkUploadSize: 1024,
    maxUploadThreadCount: 15,
  });
  const session = await client.createSession(1, {
    fileName: "a.bin",
    fileSize: 1500,
  });
  assertEquals(session.bytesTotal, 1500);
  assertEquals(
    session.location,
    `${portal.url}/ChunkedUploader.ashx?uid=${session.id}`,
  );
  const bytes = crypto.getRandomValues(new Uint8Array(1500));
  // Out of order, as parallel requests may land.
  assertEquals(
    await client.uploadChunk(
      session.location,
      new Blob([bytes.subarray(1024)]),
      { chunkNumber: 2 },
    ),
    { done: false },
  );
  assertEquals(
    await client.uploadChunk(
      session.location,
      new Blob([bytes.subarray(0, 1024)]),
      { chunkNumber: 1 },
    ),
    { done: false },
  );
  const file = await client.finalize(session.location);
  assertEquals([file.title, file.version, file.folderId, file.uploaded], [
    "a.bin",
    1,
    1,
    true,
  ]);
  assertEquals(
    await sha256(portal.emulator.file(file.id)!.bytes),
    await sha256(bytes),
  );
  assertEquals(
    portal.emulator.log.map((e) => e.headers["authorization"]),
    ["Bearer ***", "Bearer ***", "Bearer ***", "Bearer ***", "Bearer ***"],
  );
});

Deno.test("SessionClient turns an HTTP-200 success:false reply into a DocSpaceError", async () => {
  await using portal = await startEmulator({
    chunkUploadSize: 1024,
    users: [{ id: "alice", tokens: ["alice-token"] }, {
      id: "bob",
      tokens: ["bob-token"],
    }],
  });
  const alice = new SessionClient({ url: portal.url, token: "alice-token" });
  const bob = new SessionClient({ url: portal.url, token: "bob-token" });
  const session = await alice.createSession(1, {
    fileName: "a.bin",
    fileSize: 5000,
  });
  const error = await assertRejects(
    () =>
      bob.uploadChunk(session.location, new Blob(["x"]), { chunkNumber: 1 }),
    DocSpaceError,
    "Uploading chunk 1 failed: Not authorized or session with specified upload id already expired",
  );
  assertEquals([error.status, error.transient, error.step], [
    200,
    false,
    "chunk 1",
  ]);
  await assertRejects(
    () => alice.finalize(session.location),
    DocSpaceError,
    "Finalizing the upload failed: uploadSize != bytesTotal",
  );
  await alice.abort(session.location);
  await assertRejects(
    () => alice.abort(session.location),
    DocSpaceError,
    "Aborting the upload session failed: Object reference not set to an instance of an object.",
  );
});

Deno.test("SessionClient refuses to send credentials to a location on another origin", async () => {
  const emulator = new DocSpaceEmulator({
    publicUrl: "http://elsewhere.test",
    users: [{ id: "u", tokens: ["secret"] }],
  });
  const seen: string[] = [];
  const client = new SessionClient({
    url: "http://portal.test",
    token: "secret",
    fetch: (input, init) => {
      seen.push(String(input));
      return Promise.resolve(emulator.app.fetch(new Request(input, init)));
    },
  });
  await assertRejects(
    () => client.createSession(1, { fileName: "a.bin", fileSize: 1 }),
    DocSpaceError,
    'Creating the upload session failed: the session location "http://elsewhere.test/ChunkedUploader.ashx?uid=',
  );
  await assertRejects(
    () =>
      client.uploadChunk("http://evil.test/x?uid=1", new Blob(["x"]), {
        chunkNumber: 1,
      }),
    DocSpaceError,
    "is not on the portal's origin http://portal.test; credentials are only sent there",
  );
  assertEquals(seen, [
    "http://portal.test/api/2.0/files/1/upload/create_session",
  ]);
});

Deno.test("SessionClient rejects a bad URL or empty token", () => {
  assertThrows(
    () => new SessionClient({ url: "portal.example.com", token: "t" }),
    TypeError,
    'Cannot create SessionClient: url must be the portal\'s http(s) URL, received "portal.example.com"',
  );
  assertThrows(
    () => new SessionClient({ url: "https://p.example", token: " " }),
    TypeError,
    "Cannot create SessionClient: token is empty",
  );
});

Deno.test("SessionClient reports a network failure as transient", async () => {
  const client = new SessionClient({
    url: "http://portal.test",
    token: "t",
    fetch: () => Promise.reject(new TypeError("connection refused")),
  });
  const error = await assertRejects(
    () => client.settings(),
    DocSpaceError,
    "Reading the upload settings failed: network error (connection refused); the request may or may not have reached the server",
  );
  assertEquals([error.transient, error.status], [true, undefined]);
});

Deno.test("SessionClient.existingTitles lists the titles already in a folder", async () => {
  await using portal = await startEmulator({ chunkUploadSize: 1024 });
  const client = new SessionClient({ url: portal.url, token: portal.token });
  const session = await client.createSession(1, {
    fileName: "there.txt",
    fileSize: 2,
  });
  await client.uploadChunk(session.location, new Blob(["hi"]), {
    chunkNumber: 1,
  });
  assertEquals(await client.existingTitles(1, ["there.txt", "missing.txt"]), [
    "there.txt",
  ]);
  assertEquals(await client.existingTitles("sbox-1", ["there.txt"]), []);
  await assertRejects(
    () => client.existingTitles(99, ["x"]),
    DocSpaceError,
    "Checking for existing files failed: The required folder was not found (HTTP 404",
  );
});
