// The two server generations: the REST session routes (3.7.1+) and the legacy `location` routes (all
// versions), chosen by `routes` ("auto" finds out when the session opens), kept by resume.
import { assertEquals, assertRejects } from "@std/assert";
import { DocSpaceError, uploadFile, type UploadState } from "../../mod.ts";
import { type RunningEmulator, startEmulator } from "../../testing.ts";
import { randomBytes, sha256, streamOf } from "../_helpers.ts";
import { crashedUpload } from "./_crashed_upload.ts";

const CHUNK = 64 * 1024;

function paths(portal: RunningEmulator): string[] {
  return portal.emulator.log.map((e) =>
    `${e.method} ${e.path.replace(/\/session\/[0-9a-f]+/, "/session/{id}")}${
      e.search.replace(/uid=[0-9a-f]+/, "uid={id}")
    } ${e.status}`
  );
}

for (const serverVersion of ["3.7", "3.6"] as const) {
  Deno.test(`uploadFile with routes legacy uses only create_session and location (server ${serverVersion})`, async () => {
    await using portal = await startEmulator({
      dataStore: "s3",
      chunkUploadSize: CHUNK,
      serverVersion,
    });
    const bytes = randomBytes(CHUNK + 10);
    const file = await uploadFile(new Blob([bytes]), {
      url: portal.url,
      token: portal.token,
      folderId: 1,
      fileName: "legacy.bin",
      routes: "legacy",
      concurrency: 1,
    });
    assertEquals(paths(portal), [
      "GET /api/2.0/files/settings 200",
      "POST /api/2.0/files/1/upload/create_session 200",
      "POST /ChunkedUploader.ashx?uid={id}&upload=true&chunkNumber=1 200",
      "POST /ChunkedUploader.ashx?uid={id}&upload=true&chunkNumber=2 200",
      "POST /ChunkedUploader.ashx?uid={id}&finalize=true 201",
    ]);
    assertEquals(
      await sha256(portal.emulator.file(file.id)!.bytes),
      await sha256(bytes),
    );
    assertEquals(portal.emulator.sessions(), []);
  });
}

Deno.test("uploadFile with routes auto on a 3.6 server falls back to the legacy routes with one session", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    chunkUploadSize: CHUNK,
    serverVersion: "3.6",
  });
  const bytes = randomBytes(CHUNK + 10);
  const states: UploadState[] = [];
  const file = await uploadFile(new Blob([bytes]), {
    url: portal.url,
    token: portal.token,
    folderId: 1,
    fileName: "auto.bin",
    concurrency: 1,
    onState: (state) => states.push(state),
  });
  assertEquals(paths(portal), [
    "GET /api/2.0/files/settings 200",
    "POST /api/2.0/files/1/session 404",
    "POST /api/2.0/files/1/upload/create_session 200",
    "POST /ChunkedUploader.ashx?uid={id}&upload=true&chunkNumber=1 200",
    "POST /ChunkedUploader.ashx?uid={id}&upload=true&chunkNumber=2 200",
    "POST /ChunkedUploader.ashx?uid={id}&finalize=true 201",
  ]);
  // The 404 opened nothing: one session, now finalized and gone.
  assertEquals(
    new Set(portal.emulator.log.flatMap((e) => e.uid ? [e.uid] : [])).size,
    1,
  );
  assertEquals(portal.emulator.sessions(), []);
  assertEquals(states[0]?.routes, "legacy");
  assertEquals(
    await sha256(portal.emulator.file(file.id)!.bytes),
    await sha256(bytes),
  );
});

Deno.test("uploadFile with routes rest uses the REST session routes throughout", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    chunkUploadSize: CHUNK,
  });
  const bytes = randomBytes(CHUNK + 10);
  const file = await uploadFile(new Blob([bytes]), {
    url: portal.url,
    token: portal.token,
    folderId: 1,
    fileName: "rest.bin",
    routes: "rest",
    concurrency: 1,
  });
  assertEquals(paths(portal), [
    "GET /api/2.0/files/settings 200",
    "POST /api/2.0/files/1/session 200",
    "POST /api/2.0/files/1/session/{id}/upload?chunkNumber=1 200",
    "POST /api/2.0/files/1/session/{id}/upload?chunkNumber=2 200",
    "PUT /api/2.0/files/1/session/{id}/finalize 201",
  ]);
  assertEquals(
    await sha256(portal.emulator.file(file.id)!.bytes),
    await sha256(bytes),
  );
});

Deno.test("uploadFile with routes rest on a 3.6 server fails at create, opening no session", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    chunkUploadSize: CHUNK,
    serverVersion: "3.6",
  });
  const error = await assertRejects(
    () =>
      uploadFile(new Blob([randomBytes(10)]), {
        url: portal.url,
        token: portal.token,
        folderId: 1,
        fileName: "rest.bin",
        routes: "rest",
      }),
    DocSpaceError,
    'Creating the upload session failed: The requested resource was not found (HTTP 404: check the folder id and the portal URL); if the folder exists, the server predates the REST session routes (DocSpace 3.7.1): use routes "auto" or "legacy"',
  );
  assertEquals([error.step, error.status], ["create", 404]);
  assertEquals(paths(portal), [
    "GET /api/2.0/files/settings 200",
    "POST /api/2.0/files/1/session 404",
  ]);
  assertEquals(portal.emulator.sessions(), []);
});

Deno.test("uploadFile aborts a REST session with DELETE when it fails", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    chunkUploadSize: CHUNK,
  });
  portal.emulator.injectFault({
    kind: "status",
    status: 403,
    match: { mode: "numbered", chunkNumber: 2 },
  });
  await assertRejects(
    () =>
      uploadFile(new Blob([randomBytes(3 * CHUNK)]), {
        url: portal.url,
        token: portal.token,
        folderId: 1,
        fileName: "x.bin",
        concurrency: 1,
      }),
    DocSpaceError,
    "Uploading chunk 2 failed: HTTP 403 Forbidden with a non-JSON body",
  );
  assertEquals(
    paths(portal).at(-1),
    "DELETE /api/2.0/files/1/session/{id} 200",
  );
  assertEquals(portal.emulator.sessions(), []);
  assertEquals(portal.emulator.files(), []);
});

for (const serverVersion of ["3.7", "3.6"] as const) {
  Deno.test(`uploadFile resumes on the routes its session was opened on (server ${serverVersion})`, async () => {
    await using portal = await startEmulator({
      dataStore: "s3",
      chunkUploadSize: CHUNK,
      serverVersion,
    });
    const bytes = randomBytes(5 * CHUNK + 9);
    // A fetch that dies on the fourth chunk request, as a killed process would.
    const state = await crashedUpload(portal, bytes, 4);
    const [session] = portal.emulator.sessions();
    const routes = serverVersion === "3.7" ? "rest" : "legacy";
    assertEquals(state, {
      location: `${portal.url}/ChunkedUploader.ashx?uid=${session!.id}`,
      routes,
      sessionId: session!.id,
      sessionFolderId: 1,
      folderId: 1,
      fileName: "resume.bin",
      fileSize: bytes.length,
      chunkSize: CHUNK,
      confirmedChunks: [1, 2, 3],
    });
    portal.emulator.log.length = 0;
    const file = await uploadFile(streamOf(bytes), {
      url: portal.url,
      token: portal.token,
      folderId: 1,
      fileName: "resume.bin",
      fileSize: bytes.length,
      resume: state,
      concurrency: 1,
    });
    assertEquals(
      paths(portal),
      routes === "rest"
        ? [
          "GET /api/2.0/files/settings 200",
          "POST /api/2.0/files/1/session/{id}/upload?chunkNumber=4 200",
          "POST /api/2.0/files/1/session/{id}/upload?chunkNumber=5 200",
          "POST /api/2.0/files/1/session/{id}/upload?chunkNumber=6 200",
          "PUT /api/2.0/files/1/session/{id}/finalize 201",
        ]
        : [
          "GET /api/2.0/files/settings 200",
          "POST /ChunkedUploader.ashx?uid={id}&upload=true&chunkNumber=4 200",
          "POST /ChunkedUploader.ashx?uid={id}&upload=true&chunkNumber=5 200",
          "POST /ChunkedUploader.ashx?uid={id}&upload=true&chunkNumber=6 200",
          "POST /ChunkedUploader.ashx?uid={id}&finalize=true 201",
        ],
    );
    assertEquals(
      portal.emulator.log.every((e) => !e.uid || e.uid === session!.id),
      true,
    );
    assertEquals(
      await sha256(portal.emulator.file(file.id)!.bytes),
      await sha256(bytes),
    );
  });
}

Deno.test("uploadFile resumes a state saved before routes existed on the legacy routes", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    chunkUploadSize: CHUNK,
  });
  const bytes = randomBytes(2 * CHUNK + 1);
  const created = await fetch(
    `${portal.url}/api/2.0/files/1/upload/create_session`,
    {
      method: "POST",
      headers: {
        authorization: `Bearer ${portal.token}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({ fileName: "old.bin", fileSize: bytes.length }),
    },
  );
  const { location } = (await created.json()).response.data;
  const old = {
    location,
    folderId: 1,
    fileName: "old.bin",
    fileSize: bytes.length,
    chunkSize: CHUNK,
    confirmedChunks: [],
  } as unknown as UploadState;
  portal.emulator.log.length = 0;
  const file = await uploadFile(new Blob([bytes]), {
    url: portal.url,
    token: portal.token,
    folderId: 1,
    fileName: "old.bin",
    resume: old,
    concurrency: 1,
  });
  assertEquals(paths(portal), [
    "GET /api/2.0/files/settings 200",
    "POST /ChunkedUploader.ashx?uid={id}&upload=true&chunkNumber=1 200",
    "POST /ChunkedUploader.ashx?uid={id}&upload=true&chunkNumber=2 200",
    "POST /ChunkedUploader.ashx?uid={id}&upload=true&chunkNumber=3 200",
    "POST /ChunkedUploader.ashx?uid={id}&finalize=true 201",
  ]);
  assertEquals(
    await sha256(portal.emulator.file(file.id)!.bytes),
    await sha256(bytes),
  );
});

Deno.test("uploadFile refuses to resume a session on routes other than its own", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    chunkUploadSize: CHUNK,
  });
  const state: UploadState = {
    location: `${portal.url}/ChunkedUploader.ashx?uid=abc`,
    routes: "rest",
    sessionId: "abc",
    sessionFolderId: 1,
    folderId: 1,
    fileName: "r.bin",
    fileSize: 10,
    chunkSize: CHUNK,
    confirmedChunks: [],
  };
  await assertRejects(
    () =>
      uploadFile(new Blob([new Uint8Array(10)]), {
        url: portal.url,
        token: portal.token,
        folderId: 1,
        fileName: "r.bin",
        resume: state,
        routes: "legacy",
      }),
    RangeError,
    'Cannot resume "r.bin": the saved session uses the rest routes, but routes is "legacy"',
  );
  await assertRejects(
    () =>
      uploadFile(new Blob([new Uint8Array(10)]), {
        url: portal.url,
        token: portal.token,
        folderId: 1,
        fileName: "r.bin",
        resume: { ...state, sessionId: undefined as never },
      }),
    TypeError,
    'Cannot resume "r.bin": the saved state names no session the client can address (routes "rest")',
  );
  assertEquals(portal.emulator.log, []);
});

Deno.test("uploadFile puts a relativePath upload's chunks under the subfolder the session names", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    chunkUploadSize: CHUNK,
  });
  const bytes = randomBytes(CHUNK + 1);
  const file = await uploadFile(new Blob([bytes]), {
    url: portal.url,
    token: portal.token,
    folderId: 1,
    fileName: "deep.bin",
    relativePath: "x/y",
    concurrency: 1,
  });
  assertEquals(file.folderId === 1, false);
  assertEquals(paths(portal).slice(1), [
    "POST /api/2.0/files/1/session 200",
    `POST /api/2.0/files/${file.folderId}/session/{id}/upload?chunkNumber=1 200`,
    `POST /api/2.0/files/${file.folderId}/session/{id}/upload?chunkNumber=2 200`,
    `PUT /api/2.0/files/${file.folderId}/session/{id}/finalize 201`,
  ]);
  assertEquals(
    await sha256(portal.emulator.file(file.id)!.bytes),
    await sha256(bytes),
  );
});

Deno.test("uploadFile refuses numbered mode for a third-party folder before any request", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    chunkUploadSize: CHUNK,
  });
  await assertRejects(
    () =>
      uploadFile(new Blob([new Uint8Array(10)]), {
        url: portal.url,
        token: portal.token,
        folderId: "sbox-1",
        fileName: "n.bin",
        mode: "numbered",
      }),
    TypeError,
    'Cannot upload "n.bin": folder "sbox-1" is in third-party storage, which takes only sequential chunks; leave mode out or set it to "sequential"',
  );
  assertEquals(portal.emulator.log, []);
});

Deno.test("uploadFile treats a folder id of digits as DocSpace's own: numbered chunks", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    chunkUploadSize: CHUNK,
  });
  const bytes = randomBytes(CHUNK + 1);
  const file = await uploadFile(new Blob([bytes]), {
    url: portal.url,
    token: portal.token,
    folderId: "1",
    fileName: "digits.bin",
  });
  assertEquals(typeof file.id, "number");
  assertEquals(
    portal.emulator.log.filter((e) => e.mode === "numbered").length,
    2,
  );
  assertEquals(
    await sha256(portal.emulator.file(file.id)!.bytes),
    await sha256(bytes),
  );
});
