// Direct uploads, `POST /upload/:folderId`: the body streamed into numbered chunks, the caller's credential,
// folder, Content-Length and file name checked before a session is opened, the session aborted when the body
// falls short, runs long or fails, and DocSpace's refusals mapped to the gateway's statuses.
import {
  assert,
  assertEquals,
  assertFalse,
  assertStringIncludes,
} from "@std/assert";
import { createUploadTicket } from "../../mod.ts";
import { randomBytes, sha256, streamOf } from "../_helpers.ts";
import {
  bearer,
  CHUNK,
  errorOf,
  harness,
  PORTAL,
  post,
  SECRET,
  ticket,
  TOKEN,
} from "./_worker_harness.ts";

Deno.test("POST /upload/:folderId streams the body into numbered chunks, two at a time, and answers 201", async () => {
  const h = harness();
  const bytes = randomBytes(3 * CHUNK + 12345);
  const response = await post(h, "/upload/1", streamOf(bytes), {
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
  const small = await post(h, "/upload/1?name=notes%20%231.txt", "hello", {
    ...bearer(await ticket(1, 5)),
    "content-length": "5",
  });
  assertEquals(small.status, 201);
  assertEquals((await small.json()).title, "notes #1.txt");
  const empty = await post(h, "/upload/1?name=empty.txt", null, {
    ...bearer(SECRET),
    "content-length": "0",
  });
  assertEquals(empty.status, 201);
  const bytes = randomBytes(2 * CHUNK + 1);
  const sequential = await post(
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
    const response = await post(h, `/upload/1?name=same.txt${query}`, "abc", {
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
    const response = await post(h, "/upload/1?name=a.txt", "abc", {
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
      await post(h, "/upload/2?name=a.txt", "abc", {
        ...headers,
        ...bearer(await ticket(1)),
      }),
      403,
    ),
    "does not allow folder",
  );
  assertStringIncludes(
    await errorOf(
      await post(h, "/upload/2?name=a.txt", "abc", {
        ...headers,
        ...bearer(SECRET),
      }),
      403,
    ),
    "ALLOWED_FOLDERS",
  );
  assertStringIncludes(
    await errorOf(
      await post(h, "/upload/2?name=a.txt", "abc", {
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
      await post(h, "/upload/1?name=a.txt", streamOf(randomBytes(10)), {
        ...bearer(SECRET),
      }),
      411,
    ),
    "Content-Length is required",
  );
  assertStringIncludes(
    await errorOf(
      await post(h, "/upload/1?name=a.txt", "abc", {
        ...bearer(SECRET),
        "content-length": "3e2",
      }),
      400,
    ),
    "Bad Content-Length",
  );
  const tooBig = async (credential: string, size: number) =>
    await errorOf(
      await post(h, "/upload/1?name=a.txt", null, {
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
    const response = await post(h, path, "abc", {
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
    const response = await post(
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
  const response = await post(h, "/upload/1?name=a.bin", body, {
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
    await post(h, path, "x".repeat(size), {
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
    await post(wrongToken, "/upload/1?name=a.txt", "abc", {
      ...bearer(SECRET),
      "content-length": "3",
    }),
    502,
  );
  assertStringIncludes(message, "DocSpace did not accept DOCSPACE_TOKEN");
  assertFalse(message.includes("sk-wrong-token-value"));
  assertFalse(wrongToken.logs.join("\n").includes("sk-wrong-token-value"));
});
