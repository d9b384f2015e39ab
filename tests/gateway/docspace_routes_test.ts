// The DocSpace-compatible routes: uploadFile through the gateway on either route generation, sessions whose
// locations name the gateway and work only for the caller that opened them, the chunk endpoint's checks and
// its replies, what create_session refuses and passes through, and the settings route.
import {
  assert,
  assertEquals,
  assertFalse,
  assertMatch,
  assertStringIncludes,
} from "@std/assert";
import { uploadFile } from "../../mod.ts";
import type { EmulatorOptions } from "../../testing.ts";
import { randomBytes, sha256, streamOf } from "../_helpers.ts";
import {
  bearer,
  CHUNK,
  createSession,
  errorOf,
  harness,
  PORTAL,
  SECRET,
  ticket,
  TOKEN,
  WORKER,
} from "./_worker_harness.ts";

Deno.test("uploadFile through the gateway uploads with a ticket, one upstream request per chunk, on either generation of routes", async () => {
  const rest =
    /^http:\/\/portal\.test\/api\/2\.0\/files\/1\/session\/[0-9a-f]{32}\/(upload\?chunkNumber=(\d)|finalize)$/;
  const legacy =
    /^http:\/\/portal\.test\/ChunkedUploader\.ashx\?uid=[0-9a-f]{32}&(upload=true&chunkNumber=(\d)|finalize=true)$/;
  const cases: [string, EmulatorOptions, "legacy" | undefined, RegExp][] = [
    ["REST routes on 3.7", {}, undefined, rest],
    ["legacy routes on 3.7", {}, "legacy", legacy],
    [
      "3.6: the REST routes' 404 falls back to location",
      {
        serverVersion: "3.6",
      },
      undefined,
      legacy,
    ],
  ];
  for (const [label, emulatorOptions, routes, expected] of cases) {
    const h = harness({}, emulatorOptions);
    const bytes = randomBytes(5 * CHUNK + 999);
    const file = await uploadFile(new Blob([bytes]), {
      url: WORKER,
      token: await ticket(1, bytes.length),
      folderId: 1,
      fileName: "big.bin",
      fetch: h.fetch,
      ...(routes ? { routes } : {}),
    });
    assertEquals(file.title, "big.bin", label);
    assertEquals(
      await sha256(h.emulator.file(file.id)!.bytes),
      await sha256(bytes),
      label,
    );
    const sent = h.sent.filter((s) => expected.test(s.url));
    const chunks = sent.filter((s) => expected.exec(s.url)![2] !== undefined);
    assertEquals(chunks.length, 6, label);
    assertEquals(sent.length, 7, label);
    for (const chunk of chunks) {
      assert(
        Number(chunk.contentLength) > CHUNK || chunk.url.endsWith("=6"),
        label,
      );
    }
    assert(h.sent.every((s) => s.authorization === `Bearer ${TOKEN}`), label);
    assert(h.emulator.log.every((e) => e.user === "admin"), label);
  }
});

Deno.test("uploadFile through the gateway works for small files, third-party folders and the secret", async () => {
  const h = harness();
  const small = await uploadFile(new Blob(["tiny"]), {
    url: WORKER,
    token: await ticket(1, 4),
    folderId: 1,
    fileName: "tiny.txt",
    fetch: h.fetch,
  });
  assertEquals(
    h.emulator.file(small.id)!.bytes,
    new TextEncoder().encode("tiny"),
  );
  const bytes = randomBytes(2 * CHUNK + 3);
  const sequential = await uploadFile(new Blob([bytes]), {
    url: WORKER,
    token: SECRET,
    folderId: "sbox-1",
    fileName: "seq.bin",
    fetch: h.fetch,
  });
  assertEquals(h.emulator.file(sequential.id)!.bytes, bytes);
});

Deno.test("create_session and session answer a location on the gateway's own origin, bound to the caller", async () => {
  const h = harness();
  const credential = await ticket(1);
  for (const route of ["upload/create_session", "session"]) {
    const response = await createSession(
      h,
      credential,
      {
        FileName: "a.bin",
        FILESIZE: 3 * CHUNK,
        createNewIfExist: true,
      },
      1,
      route,
    );
    assertEquals(response.status, 200);
    const body = await response.json();
    const session = route === "session" ? body.response : body.response.data;
    assertMatch(
      session.location,
      /^http:\/\/worker\.test\/ChunkedUploader\.ashx\?uid=[0-9a-f]{32}&gw=[\w-]+\.[\w-]{43}$/,
    );
    // The id is the gateway's binding of DocSpace's id (the location's uid), the same token as its gw.
    assertMatch(session.id, /^[\w-]+\.[\w-]{43}$/);
    assertEquals(new URL(session.location).searchParams.get("gw"), session.id);
    assertEquals(
      h.emulator.sessions().some((s) =>
        s.id === new URL(session.location).searchParams.get("uid")
      ),
      true,
    );
    assertEquals(body.links, undefined);
    assertFalse(JSON.stringify(body).includes(PORTAL));
  }
  const created = h.sent.filter((s) => s.url.endsWith("session"));
  assertEquals(created.map((s) => s.url), [
    `${PORTAL}/api/2.0/files/1/upload/create_session`,
    `${PORTAL}/api/2.0/files/1/session`,
  ]);
});

Deno.test("a session location works only for the caller that opened it", async () => {
  const h = harness();
  const owner = await ticket(1);
  const other = await ticket(1);
  const body = await (await createSession(h, owner, {
    fileName: "a.bin",
    fileSize: 3,
  })).json();
  const location: string = body.response.data.location;
  const chunk = (credential: string, url = location) =>
    h.fetch(`${url}&upload=true&chunkNumber=1`, {
      method: "POST",
      headers: {
        ...bearer(credential),
        "content-type": "multipart/form-data; boundary=B",
      },
      body:
        '--B\r\nContent-Disposition: form-data; name="file"; filename="blob"\r\n' +
        "Content-Type: application/octet-stream\r\n\r\nabc\r\n--B--\r\n",
    });
  const url = new URL(location);
  const gw = url.searchParams.get("gw")!;
  const otherUid = new URL(location);
  otherUid.searchParams.set("uid", "0".repeat(32));
  const noGw = new URL(location);
  noGw.searchParams.delete("gw");
  const tampered = new URL(location);
  tampered.searchParams.set("gw", `${gw.split(".")[0]}x.${gw.split(".")[1]}`);
  const refusals: [Promise<Response>, number, string][] = [
    [chunk(other), 403, "belongs to another caller"],
    [chunk(SECRET), 403, "belongs to another caller"],
    [chunk(owner, otherUid.href), 403, "belongs to another caller"],
    [chunk(owner, tampered.href), 403, "belongs to another caller"],
    [chunk(owner, noGw.href), 400, "no gw parameter"],
    [chunk(TOKEN), 401, "neither UPLOAD_SECRET"],
  ];
  for (const [response, status, expected] of refusals) {
    const reply = await response;
    const message = await errorOf(reply.clone(), status);
    assertStringIncludes(message, expected);
    const json = await reply.json();
    assertEquals([json.success, json.message], [false, message]);
  }
  assertEquals(h.sent.filter((s) => s.url.includes("ChunkedUploader")), []);
  const accepted = await chunk(owner);
  assertEquals(accepted.status, 200);
  assertEquals((await accepted.json()).data.location, location);
  const finalized = await h.fetch(`${location}&finalize=true`, {
    method: "POST",
    headers: bearer(owner),
  });
  assertEquals(finalized.status, 201);
  assertEquals((await finalized.json()).data.title, "a.bin");
});

Deno.test("the chunk endpoint rewrites locations in replies, passes finalize and abort, and keeps DocSpace's errors", async () => {
  const h = harness();
  const credential = await ticket(1);
  const body = await (await createSession(h, credential, {
    fileName: "a.bin",
    fileSize: 2 * CHUNK,
  })).json();
  const location: string = body.response.data.location;
  const bytes = randomBytes(CHUNK);
  const form = (data: Uint8Array) =>
    new Blob([
      '--B\r\nContent-Disposition: form-data; name="file"; filename="blob"\r\n' +
      "Content-Type: application/octet-stream\r\n\r\n",
      data as Uint8Array<ArrayBuffer>,
      "\r\n--B--\r\n",
    ]);
  const post = (query: string, payload?: Blob) =>
    h.fetch(`${location}&${query}`, {
      method: "POST",
      headers: {
        ...bearer(credential),
        "content-type": "multipart/form-data; boundary=B",
      },
      ...(payload ? { body: payload } : {}),
    });
  const first = await post("upload=true&chunkNumber=1", form(bytes));
  assertEquals(first.status, 200);
  assertEquals((await first.json()).data.location, location);
  const early = await post("finalize=true");
  assertEquals(early.status, 200);
  assertEquals(await early.json(), {
    success: false,
    message: "uploadSize != bytesTotal",
  });
  const aborted = await post("abort=true");
  assertEquals((await aborted.json()).success, true);
  assertEquals(h.emulator.sessions(), []);
  assertEquals(
    h.sent.filter((s) => s.url.includes("ChunkedUploader")).map((s) =>
      new URL(s.url).search.replace(/uid=\w+&/, "")
    ),
    ["?upload=true&chunkNumber=1", "?finalize=true", "?abort=true"],
  );
});

Deno.test("the chunk endpoint answers 411 without Content-Length and 413 for a chunk bigger than the session allows", async () => {
  const h = harness();
  const credential = await ticket(1);
  const body = await (await createSession(h, credential, {
    fileName: "a.bin",
    fileSize: 10,
  })).json();
  const location: string = body.response.data.location;
  const chunk = (headers: Record<string, string>, payload: BodyInit) =>
    h.app.fetch(
      new Request(`${location}&upload=true&chunkNumber=1`, {
        method: "POST",
        headers: {
          ...bearer(credential),
          "content-type": "multipart/form-data; boundary=B",
          ...headers,
        },
        body: payload,
      }),
    );
  assertStringIncludes(
    await errorOf(await chunk({}, streamOf(randomBytes(100))), 411),
    "Content-Length is required",
  );
  assertStringIncludes(
    await errorOf(
      await chunk(
        { "content-length": String(10 + 16385) },
        new Uint8Array(10 + 16385),
      ),
      413,
    ),
    "more than this session's file or chunk size allows",
  );
  assertEquals(h.sent.filter((s) => s.url.includes("ChunkedUploader")), []);
});

Deno.test("create_session refuses folders, sizes and names the caller may not use", async () => {
  const h = harness({ MAX_FILE_SIZE: String(50 * CHUNK) });
  const credential = await ticket(1, 1000);
  const cases: [string, unknown, number | string, number, string][] = [
    [
      credential,
      { fileName: "a.bin", fileSize: 1 },
      2,
      403,
      "does not allow folder",
    ],
    [
      credential,
      { fileName: "a.bin", fileSize: 1001 },
      1,
      413,
      "allows at most 1000",
    ],
    [
      SECRET,
      { fileName: "a.bin", fileSize: 50 * CHUNK + 1 },
      1,
      413,
      "MAX_FILE_SIZE",
    ],
    [credential, { fileName: "a.bin" }, 1, 411, "fileSize is required"],
    [
      credential,
      { fileName: "a.bin", fileSize: -1 },
      1,
      400,
      "non-negative integer",
    ],
    [
      credential,
      { fileName: "a.bin", fileSize: 1, FileSize: 1e9 },
      1,
      400,
      "given twice",
    ],
    [credential, { fileName: "../a.bin", fileSize: 1 }, 1, 400, "not a path"],
    [credential, { fileSize: 1 }, 1, 400, "file name is missing"],
    [
      credential,
      { fileName: "a.bin", fileSize: 1, relativePath: "a/../b" },
      1,
      400,
      "relativePath",
    ],
    [credential, [1, 2], 1, 400, "JSON object"],
    ["", { fileName: "a.bin", fileSize: 1 }, 1, 401, "Authorization required"],
  ];
  for (const [who, body, folder, status, expected] of cases) {
    const response = await createSession(h, who, body, folder);
    assertStringIncludes(await errorOf(response, status), expected);
  }
  const notJson = await h.fetch(
    `${WORKER}/api/2.0/files/1/upload/create_session`,
    {
      method: "POST",
      headers: bearer(credential),
      body: "fileName=a",
    },
  );
  assertStringIncludes(await errorOf(notJson, 400), "must be JSON");
  assertEquals(h.sent, []);
  const relative = await createSession(h, credential, {
    fileName: "a.bin",
    fileSize: 1,
    relativePath: "reports/2024",
  });
  assertEquals(relative.status, 200);
});

Deno.test("create_session passes DocSpace's errors through with their status", async () => {
  // uploadableExtensions: the server's files:upload-filter, off by default
  const h = harness({}, { maxFileSize: 100, uploadableExtensions: [".bin"] });
  const missing = await createSession(h, SECRET, {
    fileName: "a.bin",
    fileSize: 1,
  }, 404);
  assertStringIncludes(await errorOf(missing, 404), "folder was not found");
  const blocked = await createSession(h, SECRET, {
    fileName: "a.exe",
    fileSize: 1,
  });
  assertStringIncludes(await errorOf(blocked, 415), "format");
  const tooBig = await createSession(h, SECRET, {
    fileName: "a.bin",
    fileSize: 101,
  });
  assertStringIncludes(await errorOf(tooBig, 402), "maximum file size");
});

Deno.test("GET /api/2.0/files/settings needs a credential and answers DocSpace's settings", async () => {
  const h = harness();
  assertEquals(
    (await h.fetch(`${WORKER}/api/2.0/files/settings`)).status,
    401,
  );
  const response = await h.fetch(`${WORKER}/api/2.0/files/settings`, {
    headers: bearer(await ticket()),
  });
  assertEquals(response.status, 200);
  const body = await response.json();
  assertEquals(body.response.chunkUploadSize, CHUNK);
  assertEquals(body.links, undefined);
  assertEquals(h.sent.map((s) => [s.url, s.authorization]), [
    [`${PORTAL}/api/2.0/files/settings`, `Bearer ${TOKEN}`],
  ]);
});
