import { assertEquals, assertRejects, assertThrows } from "@std/assert";
import { DocSpaceError, SessionClient } from "../../mod.ts";
import { authorizationHeader } from "../../src/client/_docspace/portal.ts";
import { DocSpaceEmulator, startEmulator } from "../../testing.ts";
import { sha256 } from "../_helpers.ts";

Deno.test("authorizationHeader keeps a named scheme and adds Bearer otherwise", () => {
  assertEquals(authorizationHeader("sk-abc"), "Bearer sk-abc");
  assertEquals(authorizationHeader("Bearer eyJ"), "Bearer eyJ");
  assertEquals(authorizationHeader("bearer eyJ"), "bearer eyJ");
  assertEquals(authorizationHeader("Basic dTpw"), "Basic dTpw");
  assertEquals(authorizationHeader("Bearer"), "Bearer Bearer");
});

for (const routes of ["rest", "legacy"] as const) {
  Deno.test(`SessionClient runs settings, create, numbered chunks and finalize on the ${routes} routes`, async () => {
    await using portal = await startEmulator({ chunkUploadSize: 1024 });
    const client = new SessionClient({
      url: portal.url + "/",
      token: portal.token,
      routes,
    });
    assertEquals(await client.settings(), {
      chunkUploadSize: 1024,
      maxUploadThreadCount: 15,
      extsMustConvert: [],
    });
    const session = await client.createSession(1, {
      fileName: "a.bin",
      fileSize: 1500,
    });
    assertEquals(
      [session.bytesTotal, session.folderId, session.routes],
      [1500, 1, routes],
    );
    assertEquals(
      session.location,
      `${portal.url}/ChunkedUploader.ashx?uid=${session.id}`,
    );
    const bytes = crypto.getRandomValues(new Uint8Array(1500));
    // Out of order, as parallel requests may land.
    assertEquals(
      await client.uploadChunk(session, new Blob([bytes.subarray(1024)]), {
        chunkNumber: 2,
      }),
      { done: false },
    );
    assertEquals(
      await client.uploadChunk(session, new Blob([bytes.subarray(0, 1024)]), {
        chunkNumber: 1,
      }),
      { done: false },
    );
    const file = await client.finalize(session);
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
    const base = `/api/2.0/files/1/session/${session.id}`;
    assertEquals(
      portal.emulator.log.map((e) => [e.method, e.path + e.search, e.status]),
      routes === "rest"
        ? [
          ["GET", "/api/2.0/files/settings", 200],
          ["POST", "/api/2.0/files/1/session", 200],
          ["POST", `${base}/upload?chunkNumber=2`, 200],
          ["POST", `${base}/upload?chunkNumber=1`, 200],
          ["PUT", `${base}/finalize`, 201],
        ]
        : [
          ["GET", "/api/2.0/files/settings", 200],
          ["POST", "/api/2.0/files/1/upload/create_session", 200],
          [
            "POST",
            `/ChunkedUploader.ashx?uid=${session.id}&upload=true&chunkNumber=2`,
            200,
          ],
          [
            "POST",
            `/ChunkedUploader.ashx?uid=${session.id}&upload=true&chunkNumber=1`,
            200,
          ],
          [
            "POST",
            `/ChunkedUploader.ashx?uid=${session.id}&finalize=true`,
            201,
          ],
        ],
    );
    assertEquals(
      portal.emulator.log.map((e) => e.headers["authorization"]),
      ["Bearer ***", "Bearer ***", "Bearer ***", "Bearer ***", "Bearer ***"],
    );
  });
}

Deno.test("SessionClient turns an HTTP-200 success:false reply on location into a DocSpaceError", async () => {
  await using portal = await startEmulator({
    chunkUploadSize: 1024,
    users: [{ id: "alice", tokens: ["alice-token"] }, {
      id: "bob",
      tokens: ["bob-token"],
    }],
  });
  const alice = new SessionClient({
    url: portal.url,
    token: "alice-token",
    routes: "legacy",
  });
  const bob = new SessionClient({ url: portal.url, token: "bob-token" });
  const session = await alice.createSession(1, {
    fileName: "a.bin",
    fileSize: 5000,
  });
  const error = await assertRejects(
    () => bob.uploadChunk(session, new Blob(["x"]), { chunkNumber: 1 }),
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
  await alice.abort(session);
  const gone = await assertRejects(
    () => alice.abort(session.location),
    DocSpaceError,
    "Aborting the upload session failed: Object reference not set to an instance of an object.",
  );
  assertEquals([gone.status, gone.transient, gone.sessionGone], [
    200,
    false,
    true,
  ]);
});

Deno.test("SessionClient reads the REST routes' error envelopes with their real statuses", async () => {
  await using portal = await startEmulator({ chunkUploadSize: 1024 });
  const client = new SessionClient({ url: portal.url, token: portal.token });
  const session = await client.createSession(1, {
    fileName: "a.bin",
    fileSize: 5000,
  });
  assertEquals(session.routes, "rest");
  const tooBig = await assertRejects(
    () => client.uploadChunk(session, new Uint8Array(2048), { chunkNumber: 1 }),
    DocSpaceError,
    "Uploading chunk 1 failed: The maximum file size is exceeded",
  );
  assertEquals([tooBig.status, tooBig.transient], [402, false]);
  const missing = await assertRejects(
    () => client.finalize(session),
    DocSpaceError,
    "Finalizing the upload failed: uploadSize != bytesTotal (HTTP 400)",
  );
  assertEquals([missing.status, missing.transient], [400, false]);
  await client.abort(session);
  // An unknown session is a NullReferenceException: HTTP 500, but sending it again cannot help.
  const gone = await assertRejects(
    () => client.abort(session),
    DocSpaceError,
    "Aborting the upload session failed: Object reference not set to an instance of an object. (HTTP 500)",
  );
  assertEquals([gone.status, gone.transient, gone.sessionGone], [
    500,
    false,
    true,
  ]);
  assertEquals(portal.emulator.sessions(), []);
  assertEquals(
    portal.emulator.log.slice(-2).map((e) => [e.method, e.mode, e.status]),
    [["DELETE", "abort", 200], ["DELETE", "abort", 500]],
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
    routes: "legacy",
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
  // The REST routes never use `location`: they go to the portal's own URL.
  const rest = new SessionClient({
    url: "http://portal.test",
    token: "secret",
    routes: "rest",
    fetch: (input, init) => {
      seen.push(String(input));
      return Promise.resolve(emulator.app.fetch(new Request(input, init)));
    },
  });
  const session = await rest.createSession(1, {
    fileName: "b.bin",
    fileSize: 1,
  });
  await rest.uploadChunk(session, new Blob(["x"]), { chunkNumber: 1 });
  await rest.finalize(session);
  assertEquals(seen.slice(1), [
    "http://portal.test/api/2.0/files/1/session",
    `http://portal.test/api/2.0/files/1/session/${session.id}/upload?chunkNumber=1`,
    `http://portal.test/api/2.0/files/1/session/${session.id}/finalize`,
  ]);
});

Deno.test("SessionClient rejects a bad URL, an empty token or one no header can carry", () => {
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
  // A control character cannot go in a header (node:http refuses it at every request); nor can U+0100 on.
  assertThrows(
    () => new SessionClient({ url: "https://p.example", token: "ab\x1bc" }),
    TypeError,
    "Cannot create SessionClient: token has a character that cannot go in an HTTP header (U+001B at position 3); copy the token again without it",
  );
  assertThrows(
    () => new SessionClient({ url: "https://p.example", token: "ключ" }),
    TypeError,
    "(U+043A at position 1)",
  );
});

Deno.test("SessionClient reports a lost connection as transient", async () => {
  const client = new SessionClient({
    url: "http://portal.test",
    token: "t",
    fetch: () => Promise.reject(new TypeError("connection reset by peer")),
  });
  const error = await assertRejects(
    () => client.settings(),
    DocSpaceError,
    "Reading the upload settings failed: network error (connection reset by peer); the request may or may not have reached the server",
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
  await client.uploadChunk(session, new Blob(["hi"]), { chunkNumber: 1 });
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

Deno.test("SessionClient rejects an unknown routes option", () => {
  assertThrows(
    () =>
      new SessionClient({
        url: "https://p.example",
        token: "t",
        routes: "soap" as never,
      }),
    TypeError,
    'Cannot create SessionClient: routes must be "auto", "rest" or "legacy", received "soap"',
  );
});

Deno.test("SessionClient with routes auto uses the REST routes on 3.7 and keeps using them", async () => {
  await using portal = await startEmulator({ chunkUploadSize: 1024 });
  const client = new SessionClient({ url: portal.url, token: portal.token });
  const first = await client.createSession(1, { fileName: "a", fileSize: 1 });
  // An absent folder on a 3.7 server is its 404, not a reason to try the legacy route.
  await assertRejects(
    () => client.createSession(99, { fileName: "b", fileSize: 1 }),
    DocSpaceError,
    "Creating the upload session failed: The required folder was not found (HTTP 404",
  );
  assertEquals(first.routes, "rest");
  assertEquals(
    portal.emulator.log.map((e) => [e.path, e.status]),
    [["/api/2.0/files/1/session", 200], ["/api/2.0/files/99/session", 404]],
  );
});

Deno.test("SessionClient with routes auto falls back to create_session on 3.6 without a second session, and remembers", async () => {
  await using portal = await startEmulator({
    chunkUploadSize: 1024,
    serverVersion: "3.6",
  });
  const client = new SessionClient({ url: portal.url, token: portal.token });
  const first = await client.createSession(1, { fileName: "a", fileSize: 1 });
  assertEquals(first.routes, "legacy");
  assertEquals(portal.emulator.sessions().map((s) => s.id), [first.id]);
  const second = await client.createSession(1, { fileName: "b", fileSize: 1 });
  assertEquals(second.routes, "legacy");
  assertEquals(
    portal.emulator.log.map((e) => [e.method, e.path, e.status]),
    [
      ["POST", "/api/2.0/files/1/session", 404],
      ["POST", "/api/2.0/files/1/upload/create_session", 200],
      ["POST", "/api/2.0/files/1/upload/create_session", 200],
    ],
  );
  assertEquals(portal.emulator.sessions().length, 2);
});

Deno.test("SessionClient with routes auto reports an absent folder on 3.6 once both routes said 404", async () => {
  await using portal = await startEmulator({ serverVersion: "3.6" });
  const client = new SessionClient({ url: portal.url, token: portal.token });
  const error = await assertRejects(
    () => client.createSession(99, { fileName: "a", fileSize: 1 }),
    DocSpaceError,
    "Creating the upload session failed: The required folder was not found (HTTP 404: check the folder id and the portal URL)",
  );
  assertEquals([error.step, error.status], ["create", 404]);
  assertEquals(portal.emulator.log.map((e) => [e.path, e.status]), [
    ["/api/2.0/files/99/session", 404],
    ["/api/2.0/files/99/upload/create_session", 404],
  ]);
  assertEquals(portal.emulator.sessions(), []);
});

Deno.test("SessionClient with routes rest on 3.6 fails at create and says why", async () => {
  await using portal = await startEmulator({ serverVersion: "3.6" });
  const client = new SessionClient({
    url: portal.url,
    token: portal.token,
    routes: "rest",
  });
  const error = await assertRejects(
    () => client.createSession(1, { fileName: "a", fileSize: 1 }),
    DocSpaceError,
    'if the folder exists, the server predates the REST session routes (DocSpace 3.7.1): use routes "auto" or "legacy"',
  );
  assertEquals([error.step, error.status, error.transient], [
    "create",
    404,
    false,
  ]);
  assertEquals(portal.emulator.log.map((e) => e.path), [
    "/api/2.0/files/1/session",
  ]);
  assertEquals(portal.emulator.sessions(), []);
});

Deno.test("SessionClient takes a session's folder from its path: the subfolder relativePath made", async () => {
  await using portal = await startEmulator({ chunkUploadSize: 1024 });
  const client = new SessionClient({ url: portal.url, token: portal.token });
  const session = await client.createSession(1, {
    fileName: "deep.txt",
    fileSize: 2,
    relativePath: "a/b",
  });
  assertEquals(typeof session.folderId, "number");
  assertEquals(session.folderId === 1, false);
  assertEquals(portal.emulator.sessions()[0]?.folderId, session.folderId);
  await client.uploadChunk(session, new Blob(["hi"]), { chunkNumber: 1 });
  const file = await client.finalize(session);
  assertEquals([file.folderId, file.title], [session.folderId, "deep.txt"]);
  assertEquals(
    portal.emulator.log.at(-1)?.path,
    `/api/2.0/files/${session.folderId}/session/${session.id}/finalize`,
  );
});

for (const routes of ["rest", "legacy"] as const) {
  Deno.test(`SessionClient returns a third-party folder's string file id as it is (${routes} routes)`, async () => {
    await using portal = await startEmulator({ chunkUploadSize: 1024 });
    const client = new SessionClient({
      url: portal.url,
      token: portal.token,
      routes,
    });
    const bytes = crypto.getRandomValues(new Uint8Array(1500));
    const session = await client.createSession("sbox-1", {
      fileName: "tp.bin",
      fileSize: bytes.length,
    });
    assertEquals(session.folderId, "sbox-1");
    assertEquals(
      await client.uploadChunk(session, bytes.subarray(0, 1024), {
        chunkNumber: 1,
        numbered: false,
      }),
      { done: false },
    );
    const last = await client.uploadChunk(session, bytes.subarray(1024), {
      chunkNumber: 2,
      numbered: false,
    });
    assertEquals(last.done, true);
    const file = last.done ? last.file : undefined;
    assertEquals(typeof file?.id, "string");
    assertEquals(file?.file.id, file?.id);
    assertEquals(file?.folderId, "sbox-1");
    assertEquals(
      await sha256(portal.emulator.file(file!.id)!.bytes),
      await sha256(bytes),
    );
    // Numbered chunks are refused in third-party storage, with the server's message.
    const other = await client.createSession("sbox-1", {
      fileName: "n.bin",
      fileSize: 1500,
    });
    await assertRejects(
      () => client.uploadChunk(other, new Uint8Array(1024), { chunkNumber: 1 }),
      DocSpaceError,
      "Uploading chunk 1 failed: Can not async upload in provider folder.",
    );
  });
}
