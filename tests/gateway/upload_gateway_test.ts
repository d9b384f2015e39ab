import {
  assert,
  assertEquals,
  assertFalse,
  assertMatch,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import { Hono } from "hono";
import { createUploadTicket, uploadFile } from "../../mod.ts";
import { createUploadGateway } from "../../gateway.ts";
import type { EmulatorOptions } from "../../testing.ts";
import { randomBytes, sha256, streamOf } from "../_helpers.ts";
import {
  bearer,
  CHUNK,
  type Harness,
  harness,
  PORTAL,
  SECRET,
  ticket,
  TOKEN,
  WORKER,
} from "./_worker_harness.ts";

async function errorOf(response: Response, status: number): Promise<string> {
  const text = await response.text();
  assertEquals(response.status, status, text);
  assertEquals(
    response.headers.get("content-type"),
    "application/json; charset=utf-8",
  );
  const message = JSON.parse(text).error?.message;
  assertEquals(typeof message, "string", text);
  return message;
}

function direct(
  h: Harness,
  path: string,
  body: BodyInit | ReadableStream<Uint8Array> | null,
  headers: Record<string, string>,
): Promise<Response> {
  return Promise.resolve(h.app.request(path, {
    method: "POST",
    headers,
    body,
    duplex: "half",
  } as RequestInit));
}

function createSession(
  h: Harness,
  credential: string,
  body: unknown,
  folderId: number | string = 1,
  route = "upload/create_session",
): Promise<Response> {
  return h.fetch(`${WORKER}/api/2.0/files/${folderId}/${route}`, {
    method: "POST",
    headers: { ...bearer(credential), "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

Deno.test("GET /health answers 200", async () => {
  const h = harness();
  const response = await h.app.request("/health");
  assertEquals(response.status, 200);
  assertEquals(await response.json(), { status: "ok" });
});

Deno.test("a missing or invalid setting answers 500 naming it, without the secrets' values", async () => {
  const cases: [Record<string, unknown>, string[]][] = [
    [{ DOCSPACE_TOKEN: undefined }, ["DOCSPACE_TOKEN is not set"]],
    [{ UPLOAD_SECRET: "" }, ["UPLOAD_SECRET is not set"]],
    [{ DOCSPACE_URL: "  " }, ["DOCSPACE_URL is not set"]],
    [{ DOCSPACE_URL: "ftp://portal" }, ["DOCSPACE_URL must be"]],
    [{ UPLOAD_SECRET: "short" }, [
      "UPLOAD_SECRET must be at least 24 characters long (it has 5); make one with `openssl rand -base64 32`",
    ]],
    // Issue 16: long enough, but low in entropy.
    [{ UPLOAD_SECRET: "abababababababababababababababab" }, [
      "UPLOAD_SECRET looks too easy to guess (2 distinct characters, about 32 bits",
      "openssl rand -base64 32",
    ]],
    [{ UPLOAD_SECRET: "passwordpasswordpasswordpassword" }, [
      "UPLOAD_SECRET looks too easy to guess (7 distinct characters, about 88 bits; at least 12 and 100 are required)",
    ]],
    [{ MAX_FILE_SIZE: "100MB" }, ["MAX_FILE_SIZE must be a positive whole"]],
    [{ MAX_BODY_SIZE: "-1" }, ["MAX_BODY_SIZE must be"]],
    [{ CORS_ORIGINS: "https://app.example.com/" }, ["CORS_ORIGINS must"]],
    [
      { DOCSPACE_URL: undefined, DOCSPACE_TOKEN: undefined },
      ["DOCSPACE_URL is not set", "DOCSPACE_TOKEN is not set"],
    ],
  ];
  for (const [env, expected] of cases) {
    const h = harness(env);
    for (const path of ["/health", "/upload/1", "/api/2.0/files/settings"]) {
      const message = await errorOf(await h.app.request(path), 500);
      for (const part of expected) assertStringIncludes(message, part);
      assertFalse(message.includes(TOKEN) || message.includes(SECRET));
    }
    assertEquals(h.logs.length, 1);
    assertFalse(h.logs[0]!.includes(TOKEN));
    assertEquals(h.sent, []);
  }
});

Deno.test("POST /upload/:folderId streams the body into numbered chunks, two at a time, and answers 201", async () => {
  const h = harness();
  const bytes = randomBytes(3 * CHUNK + 12345);
  const response = await direct(h, "/upload/1", streamOf(bytes), {
    ...bearer(SECRET),
    "content-length": String(bytes.length),
    "x-file-name": encodeURIComponent("Отчёт за 2024 (финал).bin"),
  });
  assertEquals(response.status, 201);
  const file = await response.json();
  assertEquals(file.title, "Отчёт за 2024 (финал).bin");
  assertEquals(file.folderId, 1);
  assertEquals(
    await sha256(h.emulator.file(file.id)!.bytes),
    await sha256(bytes),
  );
  const numbered = h.emulator.log.filter((e) => e.mode === "numbered");
  assertEquals(numbered.map((e) => e.chunkNumber).sort(), [1, 2, 3, 4]);
  assert(h.emulator.peakConcurrency((e) => e.mode === "numbered") <= 2);
  assert(h.emulator.log.every((e) => e.user === "admin"));
  assert(h.sent.every((s) => s.url.startsWith(`${PORTAL}/`)));
});

Deno.test("POST /upload/:folderId takes ?name=, a ticket, an empty file, and a third-party folder", async () => {
  const h = harness();
  const small = await direct(h, "/upload/1?name=notes%20%231.txt", "hello", {
    ...bearer(await ticket(1, 5)),
    "content-length": "5",
  });
  assertEquals(small.status, 201);
  assertEquals((await small.json()).title, "notes #1.txt");
  const empty = await direct(h, "/upload/1?name=empty.txt", null, {
    ...bearer(SECRET),
    "content-length": "0",
  });
  assertEquals(empty.status, 201);
  const bytes = randomBytes(2 * CHUNK + 1);
  const sequential = await direct(
    h,
    "/upload/sbox-1?name=seq.bin",
    streamOf(bytes),
    { ...bearer(SECRET), "content-length": String(bytes.length) },
  );
  assertEquals(sequential.status, 201);
  const file = await sequential.json();
  assertEquals(file.folderId, "sbox-1");
  assertEquals(h.emulator.file(file.id)!.bytes, bytes);
  assert(h.emulator.log.some((e) => e.mode === "sequential"));
});

Deno.test("POST /upload/:folderId makes a new version, or a new file with ?createNewIfExist=true", async () => {
  const h = harness();
  const upload = async (query: string) => {
    const response = await direct(h, `/upload/1?name=same.txt${query}`, "abc", {
      ...bearer(SECRET),
      "content-length": "3",
    });
    return [response.status, await response.json()];
  };
  const [, first] = await upload("");
  const [, version] = await upload("&createNewIfExist=false");
  assertEquals([version.id, version.version], [first.id, 2]);
  const [, copy] = await upload("&createNewIfExist=true");
  assertEquals(copy.title, "same (1).txt");
  const [status, error] = await upload("&createNewIfExist=yes");
  assertEquals([status, error.error.message], [
    400,
    "createNewIfExist must be true or false",
  ]);
});

Deno.test("POST /upload/:folderId refuses callers without a valid credential with 401", async () => {
  const h = harness();
  const expired = await createUploadTicket({
    secret: SECRET,
    folderId: 1,
    maxBytes: 100,
    expiresIn: 1,
    now: () => Date.now() - 10_000,
  });
  const forged = await createUploadTicket({
    secret: "someone-elses-secret-0000",
    folderId: 1,
    maxBytes: 100,
    expiresIn: 60,
  });
  const cases: [Record<string, string>, string][] = [
    [{}, "Authorization required"],
    [{ authorization: SECRET }, "Authorization required"],
    [{ authorization: `Basic ${btoa("a:b")}` }, "Authorization required"],
    [bearer(TOKEN), "neither UPLOAD_SECRET nor a valid upload ticket"],
    [bearer(SECRET + "x"), "neither UPLOAD_SECRET"],
    [bearer(forged), "neither UPLOAD_SECRET"],
    [bearer(expired), "expired at"],
  ];
  for (const [headers, expected] of cases) {
    const response = await direct(h, "/upload/1?name=a.txt", "abc", {
      ...headers,
      "content-length": "3",
    });
    assertEquals(
      response.headers.get("www-authenticate"),
      'Bearer realm="docspace-upload"',
    );
    assertStringIncludes(await errorOf(response, 401), expected);
  }
  assertEquals(h.sent, []);
});

Deno.test("POST /upload/:folderId refuses folders outside the ticket or ALLOWED_FOLDERS with 403", async () => {
  const h = harness({ ALLOWED_FOLDERS: "1, sbox-1" });
  const headers = { "content-length": "3" };
  assertStringIncludes(
    await errorOf(
      await direct(h, "/upload/2?name=a.txt", "abc", {
        ...headers,
        ...bearer(await ticket(1)),
      }),
      403,
    ),
    "does not allow folder",
  );
  assertStringIncludes(
    await errorOf(
      await direct(h, "/upload/2?name=a.txt", "abc", {
        ...headers,
        ...bearer(SECRET),
      }),
      403,
    ),
    "ALLOWED_FOLDERS",
  );
  assertStringIncludes(
    await errorOf(
      await direct(h, "/upload/2?name=a.txt", "abc", {
        ...headers,
        ...bearer(await ticket(2)),
      }),
      403,
    ),
    "ALLOWED_FOLDERS",
  );
  assertEquals(h.sent, []);
});

Deno.test("POST /upload/:folderId answers 411 without Content-Length and 413 above a limit", async () => {
  const h = harness({ MAX_FILE_SIZE: "1000", MAX_BODY_SIZE: "500" });
  assertStringIncludes(
    await errorOf(
      await direct(h, "/upload/1?name=a.txt", streamOf(randomBytes(10)), {
        ...bearer(SECRET),
      }),
      411,
    ),
    "Content-Length is required",
  );
  assertStringIncludes(
    await errorOf(
      await direct(h, "/upload/1?name=a.txt", "abc", {
        ...bearer(SECRET),
        "content-length": "3e2",
      }),
      400,
    ),
    "Bad Content-Length",
  );
  const tooBig = async (credential: string, size: number) =>
    await errorOf(
      await direct(h, "/upload/1?name=a.txt", null, {
        ...bearer(credential),
        "content-length": String(size),
      }),
      413,
    );
  assertStringIncludes(
    await tooBig(await ticket(1, 100), 101),
    "the upload ticket allows at most 100",
  );
  assertStringIncludes(await tooBig(SECRET, 1001), "MAX_FILE_SIZE");
  assertStringIncludes(
    await tooBig(SECRET, 501),
    "more than the platform's request body limit of 500",
  );
  assertEquals(h.sent, []);
});

Deno.test("POST /upload/:folderId answers 400 for a missing or bad file name", async () => {
  const h = harness();
  const cases: [string, Record<string, string>, string][] = [
    ["/upload/1", {}, "file name is missing"],
    ["/upload/1?name=%20", {}, "file name is missing"],
    ["/upload/1?name=a%2Fb.txt", {}, "not a path"],
    ["/upload/1", { "x-file-name": "..%5Csecret" }, "not a path"],
    ["/upload/1", { "x-file-name": "a%0Ab.txt" }, "control characters"],
    ["/upload/1", { "x-file-name": "%E0%A4%A" }, "percent-encoded UTF-8"],
    ["/upload/1", { "x-file-name": "caf\u00e9.txt" }, "percent-encoded UTF-8"],
    ["/upload/1", { "x-file-name": "x".repeat(256) }, "longer than 255"],
  ];
  for (const [path, headers, expected] of cases) {
    const response = await direct(h, path, "abc", {
      ...bearer(SECRET),
      "content-length": "3",
      ...headers,
    });
    assertStringIncludes(await errorOf(response, 400), expected);
  }
  assertEquals(h.sent, []);
});

Deno.test("POST /upload/:folderId aborts the session and answers 400 when the body is shorter or longer than Content-Length", async () => {
  for (
    const [declared, actual] of [
      [3 * CHUNK, 2 * CHUNK + 7],
      [2 * CHUNK, 2 * CHUNK + 1],
      [100, 99],
      [100, 101],
    ]
  ) {
    const h = harness();
    const response = await direct(
      h,
      "/upload/1?name=a.bin",
      streamOf(randomBytes(actual!)),
      { ...bearer(SECRET), "content-length": String(declared) },
    );
    assertStringIncludes(
      await errorOf(response, 400),
      "does not match its Content-Length",
    );
    assertEquals(h.emulator.files(), []);
    assertEquals(h.emulator.sessions(), []);
    const modes = h.emulator.log.map((e) => e.mode);
    assertFalse(modes.includes("finalize"));
    if (declared! >= CHUNK) assert(modes.includes("abort"), String(modes));
  }
});

Deno.test("POST /upload/:folderId answers 400 and aborts the session when the body fails mid-way", async () => {
  const h = harness();
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= 2 * CHUNK) {
        return controller.error(new TypeError("connection reset by peer"));
      }
      controller.enqueue(randomBytes(65536));
      sent += 65536;
    },
  });
  const response = await direct(h, "/upload/1?name=a.bin", body, {
    ...bearer(SECRET),
    "content-length": String(5 * CHUNK),
  });
  assertStringIncludes(
    await errorOf(response, 400),
    "connection reset by peer",
  );
  assertEquals(h.emulator.sessions(), []);
  assertEquals(h.emulator.files(), []);
});

Deno.test("POST /upload/:folderId maps DocSpace's refusals, and a refused token is a 502 that does not show it", async () => {
  const h = harness({}, {
    maxFileSize: 10,
    folders: [{ id: 1 }, { id: 5, writers: ["nobody"] }],
    uploadableExtensions: [".txt"], // files:upload-filter on
  });
  const upload = async (path: string, size = 3) =>
    await direct(h, path, "x".repeat(size), {
      ...bearer(SECRET),
      "content-length": String(size),
    });
  assertStringIncludes(
    await errorOf(await upload("/upload/9?name=a.txt"), 404),
    "folder was not found",
  );
  assertStringIncludes(
    await errorOf(await upload("/upload/5?name=a.txt"), 403),
    "Access denied",
  );
  assertStringIncludes(
    await errorOf(await upload("/upload/1?name=a.exe"), 415),
    "format isn't supported",
  );
  assertStringIncludes(
    await errorOf(await upload("/upload/1?name=a.txt", 11), 413),
    "maximum file size",
  );
  const wrongToken = harness({ DOCSPACE_TOKEN: "sk-wrong-token-value" });
  const message = await errorOf(
    await direct(wrongToken, "/upload/1?name=a.txt", "abc", {
      ...bearer(SECRET),
      "content-length": "3",
    }),
    502,
  );
  assertStringIncludes(message, "DocSpace did not accept DOCSPACE_TOKEN");
  assertFalse(message.includes("sk-wrong-token-value"));
  assertFalse(wrongToken.logs.join("\n").includes("sk-wrong-token-value"));
});

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

Deno.test("a location on another origin is refused before any credential is sent there", async () => {
  // An upstream whose sessions point elsewhere; as a 3.6 server (no `…/session` route) on `legacy`.
  let legacy = false;
  const h = harness({}, {}, (request) => {
    const url = new URL(request.url);
    const session = {
      id: "f".repeat(32),
      location: `http://evil.test/ChunkedUploader.ashx?uid=${"f".repeat(32)}`,
    };
    // Both create routes: upload/create_session wraps the session, session (3.7.1+) does not.
    if (url.pathname.endsWith("/create_session")) {
      return Response.json({
        response: { success: true, data: session },
        status: 0,
        statusCode: 200,
      });
    }
    if (url.pathname.endsWith("/session")) {
      return legacy
        ? Response.json({
          error: { message: "The requested resource was not found" },
          status: 1,
          statusCode: 404,
        }, { status: 404 })
        : Response.json({ response: session, status: 0, statusCode: 200 });
    }
    return undefined;
  });
  for (const route of ["upload/create_session", "session"]) {
    const response = await createSession(
      h,
      SECRET,
      {
        fileName: "a.bin",
        fileSize: 3,
      },
      1,
      route,
    );
    assertStringIncludes(
      await errorOf(response, 502),
      "not on DOCSPACE_URL's origin",
    );
  }
  // The direct route's client uses `location` only on a server without the REST routes, and refuses it there.
  legacy = true;
  const direct_ = await direct(h, "/upload/1?name=a.bin", "abc", {
    ...bearer(SECRET),
    "content-length": "3",
  });
  assertStringIncludes(
    await errorOf(direct_, 502),
    "not on the portal's origin",
  );
  assert(h.sent.every((s) => s.url.startsWith(`${PORTAL}/`)));
  assert(h.logs.length >= 2);
  assertFalse(h.logs.join("\n").includes(TOKEN));
});

Deno.test("a redirect or a proxy page from upstream is not followed and becomes a 502 or its own status", async () => {
  let mode = "redirect";
  const h = harness({}, {}, () =>
    mode === "redirect"
      ? new Response(null, {
        status: 302,
        headers: { location: "http://evil.test/steal", "set-cookie": "a=b" },
      })
      : new Response("<html>busy</html>", {
        status: 503,
        headers: { "retry-after": "7", "content-type": "text/html" },
      }));
  const redirected = await h.fetch(`${WORKER}/api/2.0/files/settings`, {
    headers: bearer(SECRET),
  });
  assertStringIncludes(
    await errorOf(redirected, 502),
    "a redirect, not followed",
  );
  assertEquals(redirected.headers.get("set-cookie"), null);
  mode = "busy";
  const busy = await h.fetch(`${WORKER}/api/2.0/files/settings`, {
    headers: bearer(SECRET),
  });
  assertEquals(busy.headers.get("retry-after"), "7");
  assertStringIncludes(await errorOf(busy, 503), "HTTP 503");
  assertEquals(h.sent.length, 2);
});

Deno.test("the DocSpace token and the upload secret never appear in responses, headers or logs", async () => {
  const h = harness({ CORS_ORIGINS: "https://app.test" });
  const credential = await ticket(1);
  const seen: string[] = [];
  const keep = async (response: Response | Promise<Response>) => {
    const r = await response;
    seen.push(r.status + JSON.stringify([...r.headers]) + await r.text());
  };
  await keep(h.app.request("/"));
  await keep(h.app.request("/upload-page.js"));
  await keep(h.app.request("/health"));
  await keep(
    direct(h, "/upload/1?name=a.txt", "abc", {
      ...bearer(SECRET),
      "content-length": "3",
    }),
  );
  await keep(
    direct(h, "/upload/1?name=b.txt", "abcd", {
      ...bearer(SECRET),
      "content-length": "3",
    }),
  );
  await keep(
    direct(h, "/upload/9?name=b.txt", "abc", {
      ...bearer(SECRET),
      "content-length": "3",
    }),
  );
  await keep(
    h.fetch(`${WORKER}/api/2.0/files/settings`, {
      headers: bearer(credential),
    }),
  );
  await keep(createSession(h, credential, { fileName: "c.bin", fileSize: 2 }));
  await keep(createSession(h, SECRET, { fileName: "c.bin", fileSize: 2 }, 777));
  await keep(
    h.fetch(`${WORKER}/api/2.0/files/settings`, {
      headers: { ...bearer(TOKEN), origin: "https://app.test" },
    }),
  );
  await uploadFile(new Blob([randomBytes(CHUNK + 1)]), {
    url: WORKER,
    token: credential,
    folderId: 1,
    fileName: "d.bin",
    fetch: async (input, init) => {
      const response = await h.fetch(input, init);
      seen.push(
        JSON.stringify([...response.headers]) + await response.clone().text(),
      );
      return response;
    },
  });
  const everything = seen.join("\n") + h.logs.join("\n") +
    JSON.stringify(h.emulator.files().map((f) => f.title));
  assertFalse(everything.includes(TOKEN));
  assertFalse(everything.includes(SECRET));
  assert(h.sent.every((s) => s.url.startsWith(`${PORTAL}/`)));
  assert(h.sent.every((s) => s.authorization === `Bearer ${TOKEN}`));
});

Deno.test("CORS: preflights and headers for CORS_ORIGINS only", async () => {
  const h = harness({ CORS_ORIGINS: "https://app.test,https://admin.test" });
  const preflight = (origin: string) =>
    h.app.request("/upload/1", {
      method: "OPTIONS",
      headers: {
        origin,
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, x-file-name",
      },
    });
  const allowed = await preflight("https://admin.test");
  assertEquals(allowed.status, 204);
  assertEquals(
    allowed.headers.get("access-control-allow-origin"),
    "https://admin.test",
  );
  assertStringIncludes(
    allowed.headers.get("access-control-allow-headers")!,
    "x-file-name",
  );
  assertStringIncludes(
    allowed.headers.get("access-control-allow-methods")!,
    "POST",
  );
  const refused = await preflight("https://evil.test");
  assertStringIncludes(await errorOf(refused, 403), "CORS_ORIGINS");
  assertEquals(refused.headers.get("access-control-allow-origin"), null);
  const simple = await h.app.request("/health", {
    headers: { origin: "https://app.test" },
  });
  assertEquals(
    simple.headers.get("access-control-allow-origin"),
    "https://app.test",
  );
  assertStringIncludes(simple.headers.get("vary")!, "Origin");
  const error = await h.app.request("/upload/1", {
    method: "POST",
    headers: { origin: "https://app.test" },
  });
  assertEquals(error.status, 401);
  assertEquals(
    error.headers.get("access-control-allow-origin"),
    "https://app.test",
  );
  const other = await h.app.request("/health", {
    headers: { origin: "https://evil.test" },
  });
  assertEquals(other.headers.get("access-control-allow-origin"), null);
  const none = harness();
  assertEquals(
    (await none.app.request("/upload/1", {
      method: "OPTIONS",
      headers: {
        origin: "https://app.test",
        "access-control-request-method": "POST",
      },
    })).status,
    403,
  );
  const any = harness({ CORS_ORIGINS: "*" });
  assertEquals(
    (await any.app.request("/health", {
      headers: { origin: "https://anywhere.test" },
    })).headers.get("access-control-allow-origin"),
    "https://anywhere.test",
  );
});

Deno.test("GET / serves the upload page and its script with a strict content security policy", async () => {
  const h = harness();
  const page = await h.app.request("/");
  assertEquals(page.status, 200);
  assertEquals(page.headers.get("content-type"), "text/html; charset=utf-8");
  assertStringIncludes(
    page.headers.get("content-security-policy")!,
    "script-src 'self'",
  );
  const html = await page.text();
  assertStringIncludes(
    html,
    '<script type="module" src="/upload-page.js"></script>',
  );
  for (
    const id of [
      "ticket",
      "folder",
      "files",
      "folder-files",
      "drop",
      "upload",
      "list",
      "summary",
    ]
  ) {
    assertStringIncludes(html, `id="${id}"`);
  }
  const script = await h.app.request("/upload-page.js");
  assertEquals(
    script.headers.get("content-type"),
    "text/javascript; charset=utf-8",
  );
  assertStringIncludes(await script.text(), "/api/2.0/files/settings");
  assertEquals((await h.app.request("/nowhere")).status, 404);
});

Deno.test("the gateway works mounted under a path in another Hono app", async () => {
  const h = harness();
  const parent = new Hono();
  parent.get("/", (c) => c.text("the app's own home"));
  parent.route("/docspace", h.app);
  const viaParent: typeof fetch = (input, init) => {
    const request = new Request(input, init);
    const headers = new Headers(request.headers);
    if (init?.body instanceof Blob) {
      headers.set("content-length", String(init.body.size));
    }
    return Promise.resolve(parent.fetch(new Request(request, { headers })));
  };
  const page = await (await parent.request("/docspace")).text();
  assertStringIncludes(page, 'src="/docspace/upload-page.js"');
  assertEquals((await parent.request("/docspace/upload-page.js")).status, 200);
  const bytes = randomBytes(2 * CHUNK + 5);
  const file = await uploadFile(new Blob([bytes]), {
    url: `${WORKER}/docspace`,
    token: await ticket(1),
    folderId: 1,
    fileName: "mounted.bin",
    fetch: viaParent,
    onState: (state) =>
      assert(
        state.location.startsWith(
          `${WORKER}/docspace/ChunkedUploader.ashx?uid=`,
        ),
      ),
  });
  assertEquals(h.emulator.file(file.id)!.bytes, bytes);
});

Deno.test("createUploadGateway checks concurrency", () => {
  assertThrows(
    () => createUploadGateway({ env: {}, concurrency: 0 }),
    RangeError,
    "concurrency must be a positive integer",
  );
});
