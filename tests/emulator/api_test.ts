import { assertEquals, assertMatch } from "@std/assert";
import { startEmulator } from "../../testing.ts";
import {
  api,
  bearer,
  createSession,
  finalize,
  randomBytes,
  sendChunk,
  uploadNumbered,
} from "./_client.ts";

const CREATE = "/api/2.0/files/1/upload/create_session";

Deno.test("settings answer chunkUploadSize and maxUploadThreadCount anonymously, in the envelope", async () => {
  await using server = await startEmulator({
    chunkUploadSize: 65536,
    maxUploadThreadCount: 9,
  });
  const response = await fetch(`${server.url}/api/2.0/files/settings`);
  assertEquals(response.status, 200);
  const json = await response.json();
  assertEquals(json.response.chunkUploadSize, 65536);
  assertEquals(json.response.maxUploadThreadCount, 9);
  assertEquals(json.count, 1);
  assertEquals(json.status, 0);
  assertEquals(json.statusCode, 200);
  assertEquals(json.links, [{
    href: `${server.url}/api/2.0/files/settings`,
    action: "GET",
  }]);
});

Deno.test("create_session answers the session wrapped in success/data, expiring 12 h after creation", async () => {
  const now = Date.UTC(2025, 0, 1);
  await using server = await startEmulator({ now: () => now });
  const { status, json } = await api(server, CREATE, {
    fileName: "a.docx",
    fileSize: 10,
  });
  assertEquals(status, 200);
  assertEquals(json.statusCode, 200);
  assertEquals(json.success, undefined);
  const { success, data } = json.response;
  assertEquals(success, true);
  assertMatch(data.id, /^[0-9a-f]{32}$/);
  assertEquals(data.path, [1]);
  assertEquals(data.created, "2025-01-01T00:00:00.000Z");
  assertEquals(data.expired, "2025-01-01T12:00:00.000Z");
  assertEquals(
    data.location,
    `${server.url}/ChunkedUploader.ashx?uid=${data.id}`,
  );
  assertEquals(data.bytes_total, 10);
  assertEquals(data.bytes_uploaded, undefined);
});

Deno.test("POST /files/{folderId}/session answers the session object itself", async () => {
  await using server = await startEmulator();
  const { status, json } = await api(server, "/api/2.0/files/1/session", {
    fileName: "a.txt",
    fileSize: 3,
  });
  assertEquals(status, 200);
  assertMatch(json.response.id, /^[0-9a-f]{32}$/);
  assertEquals(json.response.bytes_total, 3);
  assertEquals(json.response.success, undefined);
});

Deno.test("create_session binds JSON keys case-insensitively", async () => {
  await using server = await startEmulator();
  for (
    const body of [{ FileName: "A.txt", FileSize: 4 }, {
      filename: "b.txt",
      filesize: "5",
    }]
  ) {
    const { status, json } = await api(server, CREATE, body);
    assertEquals(status, 200);
    assertEquals(
      json.response.data.bytes_total,
      Object.values(body)[1] === "5" ? 5 : 4,
    );
  }
  assertEquals(server.emulator.sessions().map((s) => s.title), [
    "A.txt",
    "b.txt",
  ]);
});

Deno.test("create_session errors come in the error envelope with their real status", async () => {
  await using server = await startEmulator({
    users: [{ id: "admin", tokens: ["t1"] }, { id: "guest", tokens: ["t2"] }],
    folders: [{ id: 1, title: "My documents" }, {
      id: 7,
      title: "Read-only room",
      writers: ["admin"],
    }],
    maxFileSize: 100 * 1048576,
    uploadableExtensions: [".txt", ".iso", ""], // "": titles without an extension
  });
  // [path, body, headers, status, message, type (undefined: sent without type and stack)]
  const cases: [
    string,
    unknown,
    Record<string, string>,
    number,
    string,
    string | undefined,
  ][] = [
    [
      CREATE,
      { fileName: "", fileSize: 1 },
      bearer("t1"),
      400,
      "The value cannot be an empty string. (Parameter 'title')",
      "System.ArgumentException",
    ],
    [
      CREATE,
      { fileName: null, fileSize: 1 },
      bearer("t1"),
      400,
      "Value cannot be null. (Parameter 'title')",
      "System.ArgumentNullException",
    ],
    [
      "/api/2.0/files/99/upload/create_session",
      { fileName: "a.txt", fileSize: 1 },
      bearer("t1"),
      404,
      "The required folder was not found",
      "System.IO.DirectoryNotFoundException",
    ],
    [
      "/api/2.0/files/7/upload/create_session",
      { fileName: "a.txt", fileSize: 1 },
      bearer("t2"),
      403,
      "Access denied",
      "System.Security.SecurityException",
    ],
    [
      CREATE,
      { fileName: "setup.EXE", fileSize: 1 },
      bearer("t1"),
      415,
      "Sorry, this file format isn't supported",
      undefined,
    ],
    [
      CREATE,
      { fileName: "big.iso", fileSize: 100 * 1048576 + 1 },
      bearer("t1"),
      402,
      "The maximum file size is exceeded (100 MB).",
      "ASC.Core.Tenants.TenantQuotaException",
    ],
  ];
  for (const [path, body, headers, status, message, type] of cases) {
    const reply = await api(server, path, body, headers);
    assertEquals(
      [reply.status, reply.json.error?.message, reply.json.error?.type],
      [status, message, type],
      JSON.stringify(body),
    );
    assertEquals(reply.json.status, 1);
    assertEquals(reply.json.statusCode, status);
    // CommonApiError.FromException: stack and hresult come with the type; without it hresult is 0
    assertEquals(typeof reply.json.error.stack, type ? "string" : "undefined");
    assertEquals(reply.json.error.hresult === 0, type === undefined);
  }
  assertEquals(
    (await api(server, "/api/2.0/files/7/upload/create_session", {
      fileName: "a.txt",
      fileSize: 1,
    }, bearer("t1"))).status,
    200,
  );
  assertEquals(server.emulator.sessions().length, 1);
});

Deno.test("unauthenticated /api/2.0 requests get the challenge: 401 with an empty body", async () => {
  await using server = await startEmulator({
    users: [{ id: "u", tokens: ["tok"], email: "u@e.com", password: "pw" }],
  });
  const body = { fileName: "a.txt", fileSize: 1 };
  for (
    const [path, headers] of [
      [CREATE, {}],
      [CREATE, bearer("wrong")],
      ["/api/2.0/files/1/upload/check", {}],
      ["/api/2.0/files/file/1/edit_session?fileSize=1", {}],
      ["/api/2.0/files/folder/1", {}],
    ] as [string, Record<string, string>][]
  ) {
    const response = await fetch(`${server.url}${path}`, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    assertEquals([response.status, await response.text()], [401, ""], path);
  }
  // BasicAuthHandler adds `WWW-Authenticate: Basic` when the header chose it
  const basic = await fetch(`${server.url}${CREATE}`, {
    method: "POST",
    headers: { authorization: `Basic ${btoa("u@e.com:no")}` },
    body: JSON.stringify(body),
  });
  assertEquals(
    [basic.status, basic.headers.get("www-authenticate"), await basic.text()],
    [401, "Basic", ""],
  );
  // The settings route is [AllowAnonymous]
  const settings = await fetch(`${server.url}/api/2.0/files/settings`);
  assertEquals(settings.status, 200);
  await settings.body?.cancel();
});

Deno.test("create_session binding: automatic 400s in the envelope; a missing fileSize is 0, a negative one passes", async () => {
  await using server = await startEmulator({ chunkUploadSize: 1024 });
  const cases: [unknown, string, string][] = [
    [
      { fileSize: 1 },
      "$",
      "JSON deserialization for type 'ASC.Files.ApiModels.RequestDto.SessionRequest' was missing required properties including: 'fileName'.",
    ],
    [
      { fileName: "a.txt", fileSize: 1.5 },
      "$.fileSize",
      "The JSON value could not be converted to System.Int64. Path: $.fileSize",
    ],
  ];
  for (const [body, field, message] of cases) {
    const response = await fetch(`${server.url}${CREATE}`, {
      method: "POST",
      headers: { ...bearer(server.token), "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    assertEquals(response.status, 400);
    const json = await response.json();
    assertEquals([json.status, json.statusCode, json.count], [1, 400, 1]);
    assertEquals(
      json.response.title,
      "One or more validation errors occurred.",
    );
    assertEquals(json.response.errors, { [field]: [message] });
  }
  // SessionRequest.FileSize is a plain long: absent binds to 0; FileUploader refuses neither 0 nor -5
  for (
    const body of [{ fileName: "zero.txt" }, {
      fileName: "neg.txt",
      fileSize: -5,
    }]
  ) {
    const { status, json } = await api(server, CREATE, body);
    assertEquals([status, json.response.success], [200, true]);
  }
  assertEquals(
    server.emulator.sessions().map((s) => [s.title, s.bytesTotal, s.small]),
    [["zero.txt", 0, true], ["neg.txt", -5, true]],
  );
});

Deno.test("tokens are accepted as Bearer, raw, Basic credentials, the cookie, and from /authentication", async () => {
  await using server = await startEmulator({
    users: [{
      id: "u",
      tokens: ["tok"],
      email: "u@example.com",
      password: "pw",
    }],
  });
  const body = { fileName: "a.txt", fileSize: 1 };
  const basic = `Basic ${btoa("u@example.com:pw")}`;
  for (const authorization of ["Bearer tok", "tok", basic]) {
    assertEquals(
      (await api(server, CREATE, body, { authorization })).status,
      200,
      authorization,
    );
  }
  assertEquals(
    (await api(server, CREATE, body, { cookie: "asc_auth_key=tok" })).status,
    200,
  );
  // The policy scheme's StartsWith("Basic ") and CookieAuthHandler's IndexOf("Bearer") are case-sensitive
  for (
    const authorization of [
      "bearer tok",
      "BEARER tok",
      `basic ${btoa("u@example.com:pw")}`,
    ]
  ) {
    assertEquals(
      (await api(server, CREATE, body, { authorization })).status,
      401,
      authorization,
    );
  }
  assertEquals(
    (await api(server, CREATE, body, {
      authorization: `Basic ${btoa("u@example.com:no")}`,
    })).status,
    401,
  );
  const auth = await api(server, "/api/2.0/authentication", {
    userName: "u@example.com",
    password: "pw",
  }, {});
  assertEquals(auth.json.response.token, "tok");
  const refused = await api(server, "/api/2.0/authentication", {
    userName: "u@example.com",
    password: "x",
  }, {});
  assertEquals([refused.status, refused.json.error.message], [
    401,
    "User authentication failed",
  ]);
});

Deno.test("an existing title becomes a new version unless createNewIfExist picks a free name", async () => {
  await using server = await startEmulator({ chunkUploadSize: 1024 });
  const upload = async (
    body: Record<string, unknown>,
    bytes: Uint8Array<ArrayBuffer>,
  ) => {
    const location = await createSession(server, {
      ...body,
      fileSize: bytes.length,
    });
    assertEquals(
      (await sendChunk(location, bytes, server.token, 1)).status,
      200,
    );
    return (await finalize(location, server.token)).json.data;
  };
  const first = await upload({ fileName: "report.docx" }, randomBytes(10));
  assertEquals([first.id, first.version, first.title], [1, 1, "report.docx"]);
  const second = await upload({ fileName: "report.docx" }, randomBytes(20));
  assertEquals([second.id, second.version, second.title], [
    1,
    2,
    "report.docx",
  ]);
  assertEquals(server.emulator.file(1)?.contentLength, 20);
  const copy1 = await upload({
    fileName: "report.docx",
    createNewIfExist: true,
  }, randomBytes(5));
  const copy2 = await upload({
    fileName: "report.docx",
    CreateNewIfExist: true,
  }, randomBytes(5));
  assertEquals([copy1.title, copy1.version, copy2.title], [
    "report (1).docx",
    1,
    "report (2).docx",
  ]);
  assertEquals(server.emulator.files().map((f) => f.id), [1, 2, 3]);
  // Decided when the session is created: two sessions opened before either stores get the same free name.
  const a = await createSession(server, {
    fileName: "report.docx",
    fileSize: 1,
    createNewIfExist: true,
  });
  const b = await createSession(server, {
    fileName: "report.docx",
    fileSize: 1,
    createNewIfExist: true,
  });
  assertEquals(
    // (small sessions stay open after finalize, as on the server)
    server.emulator.sessions().slice(-2).map((session) => session.title),
    ["report (3).docx", "report (3).docx"],
  );
  // A version session made before a rename still writes file 1.
  const version = await createSession(server, {
    fileName: "report.docx",
    fileSize: 1,
  });
  for (const location of [a, b, version]) {
    await sendChunk(location, randomBytes(1), server.token, 1);
  }
  assertEquals(server.emulator.file(1)?.version, 3);
  assertEquals(server.emulator.files().length, 5);
});

Deno.test("relativePath creates subfolders and is kept on the stored file", async () => {
  await using server = await startEmulator({ chunkUploadSize: 1024 });
  const bytes = randomBytes(2048);
  const { json } = await api(server, CREATE, {
    fileName: "x.bin",
    fileSize: 2048,
    relativePath: "a/b",
  });
  assertEquals(json.response.data.path.length, 3);
  const reply = await uploadNumbered(
    json.response.data.location,
    bytes,
    1024,
    server.token,
  );
  assertEquals(reply.status, 201);
  const file = server.emulator.file(reply.json.data.id);
  assertEquals(file?.relativePath, "a/b");
  assertEquals(file?.folderId, json.response.data.path[2]);
});

Deno.test("edit_session answers {success, data} and replaces the current version's content", async () => {
  await using server = await startEmulator({ chunkUploadSize: 1024 });
  const location = await createSession(server, {
    fileName: "n.txt",
    fileSize: 3,
  });
  await sendChunk(location, new TextEncoder().encode("abc"), server.token, 1);
  assertEquals((await finalize(location, server.token)).status, 201);
  const { status, json } = await api(
    server,
    "/api/2.0/files/file/1/edit_session?fileSize=4",
    {},
  );
  // UploadController.CreateEditSession wraps the session as create_session does
  assertEquals([status, json.response.success], [200, true]);
  const edit = json.response.data.location;
  await sendChunk(edit, new TextEncoder().encode("abcd"), server.token, 1);
  const done = await finalize(edit, server.token);
  // keepVersion (UploadControllerHelper.CreateEditSessionAsync, FileDao.GetFileForCommitAsync): still version 1
  assertEquals([done.status, done.json.data.id, done.json.data.version], [
    201,
    1,
    1,
  ]);
  const file = server.emulator.files()[0]!;
  assertEquals([file.version, new TextDecoder().decode(file.bytes)], [
    1,
    "abcd",
  ]);
  const missing = await api(
    server,
    "/api/2.0/files/file/9/edit_session?fileSize=4",
    {},
  );
  assertEquals([
    missing.status,
    missing.json.error.message,
    missing.json.error.type,
  ], [
    404,
    "The required file was not found",
    "System.IO.FileNotFoundException",
  ]);
  const bad = await api(
    server,
    "/api/2.0/files/file/1/edit_session?fileSize=x",
    {},
  );
  assertEquals([bad.status, bad.json.response.errors], [400, {
    fileSize: ["The value 'x' is not valid for FileSize."],
  }]);
});
