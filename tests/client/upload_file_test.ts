import { assertEquals, assertRejects } from "@std/assert";
import {
  DocSpaceError,
  StreamLengthError,
  uploadFile,
  type UploadProgress,
} from "../../mod.ts";
// dataStore "s3": its abort always succeeds, and these tests are about asking for it (on the default disk
// storage DocSpace keeps a session once a chunk is stored: tests/emulator/storage_test.ts).
import { startEmulator } from "../../testing.ts";
import { byteStreamOf, randomBytes, sha256, streamOf } from "../_helpers.ts";

const CHUNK = 64 * 1024;
const SIZES = [0, 1, 511, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 123];
const FAST_RETRY = { minDelay: 1, maxDelay: 5 };

for (const serverVersion of ["3.7", "3.6"] as const) {
  for (const folderId of [1, "sbox-1"] as const) {
    const mode = typeof folderId === "number" ? "numbered" : "sequential";
    for (const from of ["Blob", "stream", "byte stream"] as const) {
      Deno.test(`uploadFile delivers byte-exact files from a ${from}, ${mode} mode, server ${serverVersion}, sizes ${SIZES}`, async () => {
        await using portal = await startEmulator({
          dataStore: "s3",
          chunkUploadSize: CHUNK,
          serverVersion,
        });
        for (const size of SIZES) {
          const bytes = randomBytes(size);
          const file = await uploadFile(
            from === "Blob"
              ? new Blob([bytes])
              : from === "stream"
              ? streamOf(bytes)
              : byteStreamOf(bytes),
            {
              url: portal.url,
              token: portal.token,
              folderId,
              fileName: `file-${size}.bin`,
              fileSize: size,
            },
          );
          assertEquals(file.title, `file-${size}.bin`);
          assertEquals(file.folderId, folderId);
          assertEquals(typeof file.id, typeof folderId);
          assertEquals(file.version, 1);
          const stored = portal.emulator.file(file.id);
          assertEquals(stored?.bytes.length, size);
          assertEquals(await sha256(stored!.bytes), await sha256(bytes));
        }
        // The server keeps a small file's session after finalize (until it expires); no other stays.
        assertEquals(
          portal.emulator.sessions().map((s) => [s.small, s.bytesTotal]),
          [[true, 0], [true, 1], [true, 511], [true, CHUNK - 1]],
        );
        assertEquals(portal.emulator.files().length, SIZES.length);
        // Chunk sizes follow the server's settings: every chunk but the last is exactly CHUNK bytes.
        const chunks = portal.emulator.log.filter((e) => e.mode === mode);
        const last = chunks.at(-1)!;
        assertEquals(last.computedLength, (3 * CHUNK + 123) % CHUNK);
        assertEquals(chunks.at(-2)?.computedLength, CHUNK);
        assertEquals(
          portal.emulator.log.every((e) =>
            (e.path.includes("/session/") ||
                e.path.endsWith("ChunkedUploader.ashx")) === (
                  e.mode !== "settings" && e.mode !== "create" &&
                  e.mode !== "session"
                ) &&
            e.path.endsWith("ChunkedUploader.ashx") === (
                serverVersion === "3.6" && e.mode !== "settings" &&
                e.mode !== "create" && e.mode !== "session"
              )
          ),
          true,
        );
      });
    }
  }
}

Deno.test("uploadFile sends the exact request sequence for a numbered upload on the REST routes", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    chunkUploadSize: CHUNK,
  });
  const bytes = randomBytes(2 * CHUNK + 5);
  await uploadFile(new Blob([bytes]), {
    url: portal.url,
    token: portal.token,
    folderId: 1,
    fileName: "seq.bin",
    concurrency: 1,
  });
  const uid = portal.emulator.log[2]!.uid;
  const base = `/api/2.0/files/1/session/${uid}`;
  assertEquals(
    portal.emulator.log.map((e) => [
      e.method,
      e.path + e.search,
      e.mode,
      e.chunkNumber,
      e.computedLength,
      e.status,
    ]),
    [
      ["GET", "/api/2.0/files/settings", "settings", undefined, undefined, 200],
      [
        "POST",
        "/api/2.0/files/1/session",
        "session",
        undefined,
        undefined,
        200,
      ],
      ["POST", `${base}/upload?chunkNumber=1`, "numbered", 1, CHUNK, 200],
      ["POST", `${base}/upload?chunkNumber=2`, "numbered", 2, CHUNK, 200],
      ["POST", `${base}/upload?chunkNumber=3`, "numbered", 3, 5, 200],
      ["PUT", `${base}/finalize`, "finalize", undefined, undefined, 201],
    ],
  );
});

Deno.test("uploadFile sends the exact request sequence for a numbered upload on a 3.6 server", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    chunkUploadSize: CHUNK,
    serverVersion: "3.6",
  });
  const bytes = randomBytes(2 * CHUNK + 5);
  await uploadFile(new Blob([bytes]), {
    url: portal.url,
    token: portal.token,
    folderId: 1,
    fileName: "seq.bin",
    concurrency: 1,
  });
  const uid = portal.emulator.log[3]!.uid;
  const location = `/ChunkedUploader.ashx?uid=${uid}`;
  assertEquals(
    portal.emulator.log.map((e) => [
      e.method,
      e.path + e.search,
      e.mode,
      e.chunkNumber,
      e.computedLength,
      e.status,
    ]),
    [
      ["GET", "/api/2.0/files/settings", "settings", undefined, undefined, 200],
      [
        "POST",
        "/api/2.0/files/1/session",
        "session",
        undefined,
        undefined,
        404,
      ],
      [
        "POST",
        "/api/2.0/files/1/upload/create_session",
        "create",
        undefined,
        undefined,
        200,
      ],
      [
        "POST",
        `${location}&upload=true&chunkNumber=1`,
        "numbered",
        1,
        CHUNK,
        200,
      ],
      [
        "POST",
        `${location}&upload=true&chunkNumber=2`,
        "numbered",
        2,
        CHUNK,
        200,
      ],
      ["POST", `${location}&upload=true&chunkNumber=3`, "numbered", 3, 5, 200],
      [
        "POST",
        `${location}&finalize=true`,
        "finalize",
        undefined,
        undefined,
        201,
      ],
    ],
  );
  assertEquals(portal.emulator.sessions(), []);
});

Deno.test("uploadFile sends a file smaller than one chunk as one chunk, then finalize", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    chunkUploadSize: CHUNK,
  });
  const bytes = randomBytes(1000);
  const file = await uploadFile(new File([bytes], "small.txt"), {
    url: portal.url,
    token: portal.token,
    folderId: 1,
  });
  assertEquals([file.title, file.version], ["small.txt", 1]);
  assertEquals(
    portal.emulator.log.map((e) => [e.method, e.mode, e.chunkNumber, e.status]),
    [
      ["GET", "settings", undefined, 200],
      ["POST", "session", undefined, 200],
      ["POST", "small", 1, 200],
      ["PUT", "finalize", undefined, 201],
    ],
  );
  assertEquals(
    await sha256(portal.emulator.file(file.id)!.bytes),
    await sha256(bytes),
  );
});

Deno.test("uploadFile runs at most `concurrency` chunk requests at once, capped by the server", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    chunkUploadSize: CHUNK,
    maxUploadThreadCount: 4,
  });
  const bytes = randomBytes(12 * CHUNK);
  const numbered = (e: { mode: string }) => e.mode === "numbered";
  portal.emulator.injectFault({
    kind: "latency",
    ms: 30,
    times: 100,
    match: { mode: "numbered" },
  });
  await uploadFile(new Blob([bytes]), {
    url: portal.url,
    token: portal.token,
    folderId: 1,
    fileName: "a.bin",
  });
  assertEquals(portal.emulator.peakConcurrency(numbered), 3);

  portal.emulator.log.length = 0;
  portal.emulator.injectFault({
    kind: "latency",
    ms: 30,
    times: 100,
    match: { mode: "numbered" },
  });
  const file = await uploadFile(new Blob([bytes]), {
    url: portal.url,
    token: portal.token,
    folderId: 1,
    fileName: "b.bin",
    concurrency: 10,
  });
  assertEquals(portal.emulator.peakConcurrency(numbered), 4);
  assertEquals(
    await sha256(portal.emulator.file(file.id)!.bytes),
    await sha256(bytes),
  );
});

Deno.test("uploadFile re-sends chunks after 503s and lost responses and still delivers every byte", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    chunkUploadSize: CHUNK,
  });
  const bytes = randomBytes(5 * CHUNK + 77);
  portal.emulator.injectFault({
    kind: "status",
    status: 503,
    times: 2,
    match: { chunkNumber: 2 },
  });
  portal.emulator.injectFault({
    kind: "drop-after-store",
    match: { chunkNumber: 4 },
  });
  portal.emulator.injectFault({
    kind: "status",
    status: 502,
    match: { mode: "session" },
  });
  const retries: string[] = [];
  const file = await uploadFile(streamOf(bytes), {
    url: portal.url,
    token: portal.token,
    folderId: 1,
    fileName: "flaky.bin",
    fileSize: bytes.length,
    retry: FAST_RETRY,
    onRetry: ({ step, error }) =>
      retries.push(`${step} ${error.status ?? "lost"}`),
  });
  assertEquals(
    await sha256(portal.emulator.file(file.id)!.bytes),
    await sha256(bytes),
  );
  assertEquals(retries.sort(), [
    "chunk 2 503",
    "chunk 2 503",
    "chunk 4 lost",
    "create 502",
  ]);
  const sends = portal.emulator.log.filter((e) => e.mode === "numbered").map((
    e,
  ) => e.chunkNumber);
  assertEquals(sends.filter((n) => n === 2).length, 3);
  assertEquals(sends.filter((n) => n === 4).length, 2);
});

Deno.test("uploadFile honours Retry-After", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    chunkUploadSize: CHUNK,
  });
  portal.emulator.injectFault({
    kind: "status",
    status: 429,
    retryAfter: 1,
    match: { chunkNumber: 1 },
  });
  const waits: number[] = [];
  await uploadFile(new Blob([randomBytes(CHUNK + 1)]), {
    url: portal.url,
    token: portal.token,
    folderId: 1,
    fileName: "slow.bin",
    retry: FAST_RETRY,
    onRetry: ({ delay }) => waits.push(delay),
  });
  assertEquals(waits, [1000]);
});

Deno.test("uploadFile gives up on a persistent 502 proxy page with a clear error", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    chunkUploadSize: CHUNK,
  });
  portal.emulator.injectFault({
    kind: "status",
    status: 502,
    times: 1000,
    match: { chunkNumber: 1 },
  });
  const error = await assertRejects(
    () =>
      uploadFile(new Blob([randomBytes(2 * CHUNK)]), {
        url: portal.url,
        token: portal.token,
        folderId: 1,
        fileName: "down.bin",
        retry: { ...FAST_RETRY, attempts: 3 },
      }),
    DocSpaceError,
    "Uploading chunk 1 failed: HTTP 502 Bad Gateway with a non-JSON body (content type text/html), probably from a proxy in front of the portal",
  );
  assertEquals(error.step, "chunk 1");
  assertEquals(error.status, 502);
  assertEquals(error.transient, true);
  assertEquals(
    portal.emulator.log.filter((e) =>
      e.chunkNumber === 1 && e.mode === "numbered"
    ).length,
    3,
  );
  assertEquals(portal.emulator.log.at(-1)?.mode, "abort");
  assertEquals(portal.emulator.sessions(), []);
});

Deno.test("uploadFile fails at once on 413 from a proxy, naming the fix", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    chunkUploadSize: CHUNK,
  });
  portal.emulator.injectFault({
    kind: "status",
    status: 413,
    match: { chunkNumber: 1 },
  });
  const error = await assertRejects(
    () =>
      uploadFile(new Blob([randomBytes(2 * CHUNK)]), {
        url: portal.url,
        token: portal.token,
        folderId: 1,
        fileName: "big.bin",
        concurrency: 1,
        retry: FAST_RETRY,
      }),
    DocSpaceError,
    "refused the request body as too large; use a smaller chunk size or raise the proxy's limit",
  );
  assertEquals(error.status, 413);
  assertEquals(
    portal.emulator.log.filter((e) =>
      e.chunkNumber === 1 && e.mode === "numbered"
    ).length,
    1,
  );
  assertEquals(portal.emulator.files(), []);
});

Deno.test("uploadFile reports the server's refusals with step, status and message", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    uploadableExtensions: [".bin"], // files:upload-filter on: .exe refused
    chunkUploadSize: CHUNK,
    maxFileSize: 10 * CHUNK,
    users: [{ id: "admin", tokens: ["good"] }, {
      id: "guest",
      tokens: ["guest"],
    }],
    folders: [{ id: 1 }, { id: 2, writers: ["admin"] }],
  });
  const upload = (
    token: string,
    folderId: number,
    fileName = "x.bin",
    size = 10,
  ) =>
    uploadFile(new Blob([new Uint8Array(size)]), {
      url: portal.url,
      token,
      folderId,
      fileName,
      retry: FAST_RETRY,
    });
  const cases: [() => Promise<unknown>, number, string][] = [
    [() => upload("bad", 1), 401, "Creating the upload session failed: "],
    [
      () => upload("good", 404),
      404,
      "The required folder was not found (HTTP 404: check the folder id and the portal URL)",
    ],
    [
      () => upload("guest", 2),
      403,
      "Access denied (HTTP 403: the token's user may not upload into this folder)",
    ],
    [
      () => upload("good", 1, "huge.bin", 11 * CHUNK),
      402,
      "The maximum file size is exceeded",
    ],
    [
      () => upload("good", 1, "virus.exe"),
      415,
      "Sorry, this file format isn't supported (HTTP 415)",
    ],
  ];
  for (const [promise, status, message] of cases) {
    const error = await assertRejects(promise, DocSpaceError, message);
    assertEquals([error.step, error.status, error.transient], [
      "create",
      status,
      false,
    ]);
  }
  assertEquals(portal.emulator.files(), []);
});

Deno.test("uploadFile never puts the token in an error", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    chunkUploadSize: CHUNK,
  });
  portal.emulator.injectFault({ kind: "status", status: 500, times: 10 });
  const error = await assertRejects(
    () =>
      uploadFile(new Blob([randomBytes(2 * CHUNK)]), {
        url: portal.url,
        token: portal.token,
        folderId: 1,
        fileName: "t.bin",
        retry: { ...FAST_RETRY, attempts: 2 },
      }),
    DocSpaceError,
  );
  const seen = [
    error.message,
    String(error.stack),
    JSON.stringify(error),
    Deno.inspect(error),
  ].join("\n");
  assertEquals(seen.includes(portal.token), false);
  for (const entry of portal.emulator.log) {
    assertEquals(JSON.stringify(entry).includes(portal.token), false);
  }
});

Deno.test("uploadFile aborted mid-upload aborts in-flight requests and the session", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    chunkUploadSize: CHUNK,
  });
  portal.emulator.injectFault({
    kind: "latency",
    ms: 50,
    times: 100,
    match: { mode: "numbered" },
  });
  const controller = new AbortController();
  const reason = new Error("user cancelled");
  const promise = uploadFile(new Blob([randomBytes(20 * CHUNK)]), {
    url: portal.url,
    token: portal.token,
    folderId: 1,
    fileName: "cancel.bin",
    signal: controller.signal,
    onProgress: (p) => {
      if (p.chunksConfirmed === 2) controller.abort(reason);
    },
  });
  const error = await assertRejects(() => promise);
  assertEquals(error, reason);
  assertEquals(portal.emulator.sessions(), []);
  assertEquals(portal.emulator.files(), []);
  assertEquals(portal.emulator.log.filter((e) => e.mode === "abort").length, 1);
  const sent = portal.emulator.log.filter((e) => e.mode === "numbered").length;
  assertEquals(sent < 20, true, `${sent} chunks sent after the abort`);
});

for (const kind of ["stream", "byte stream"] as const) {
  for (
    const [label, mode, folderId, bytes, declared] of [
      ["longer", "numbered", 1, 3 * CHUNK + 10, 3 * CHUNK],
      ["shorter", "numbered", 1, 2 * CHUNK, 3 * CHUNK],
      ["longer", "sequential", "sbox-1", 2 * CHUNK + 1, 2 * CHUNK],
      ["shorter", "sequential", "sbox-1", CHUNK + 7, 2 * CHUNK],
      ["longer", "small-file", 1, 100, 99],
      ["shorter", "small-file", 1, 98, 99],
    ] as const
  ) {
    Deno.test(`uploadFile refuses a ${kind} ${label} than fileSize (${mode}) and creates no file`, async () => {
      await using portal = await startEmulator({
        dataStore: "s3",
        chunkUploadSize: CHUNK,
      });
      const message = label === "longer"
        ? `Cannot upload "w.bin": the stream has more bytes than fileSize (${declared}); nothing was finalized`
        : `Cannot upload "w.bin": the stream ended after ${bytes} bytes but fileSize is ${declared}; nothing was finalized`;
      const error = await assertRejects(
        () =>
          uploadFile(
            (kind === "stream" ? streamOf : byteStreamOf)(randomBytes(bytes)),
            {
              url: portal.url,
              token: portal.token,
              folderId,
              fileName: "w.bin",
              fileSize: declared,
              abortSessionOnFailure: false,
            },
          ),
        StreamLengthError,
        message,
      );
      assertEquals(error.expected, declared);
      if (label === "shorter") assertEquals(error.received, bytes);
      else assertEquals(error.received > declared, true);
      assertEquals(portal.emulator.files(), []);
      assertEquals(portal.emulator.sessions(), []);
      assertEquals(
        portal.emulator.log.some((e) => e.mode === "finalize"),
        false,
      );
    });
  }

  Deno.test("uploadFile reports monotonic byte-level progress that ends at the total", async () => {
    await using portal = await startEmulator({
      dataStore: "s3",
      chunkUploadSize: CHUNK,
    });
    const size = 7 * CHUNK + 3;
    const seen: UploadProgress[] = [];
    await uploadFile(new Blob([randomBytes(size)]), {
      url: portal.url,
      token: portal.token,
      folderId: 1,
      fileName: "p.bin",
      onProgress: (p) => seen.push(p),
    });
    for (let i = 1; i < seen.length; i++) {
      const [a, b] = [seen[i - 1]!, seen[i]!];
      assertEquals(
        b.bytesSent >= a.bytesSent && b.bytesConfirmed >= a.bytesConfirmed,
        true,
      );
      assertEquals(b.bytesConfirmed <= b.bytesSent, true);
    }
    assertEquals(seen[0], {
      bytesSent: 0,
      bytesConfirmed: 0,
      totalBytes: size,
      chunksConfirmed: 0,
      totalChunks: 8,
    });
    assertEquals(seen.at(-1), {
      bytesSent: size,
      bytesConfirmed: size,
      totalBytes: size,
      chunksConfirmed: 8,
      totalChunks: 8,
    });
  });
}

Deno.test("uploadFile resumes a crashed upload, re-sending only the missing chunks", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    chunkUploadSize: CHUNK,
  });
  const bytes = randomBytes(6 * CHUNK + 9);
  let state: unknown;
  const crash = new Error("process killed");
  let chunkRequests = 0;
  // A fetch that dies on the fifth chunk request, as a killed process would.
  const dying: typeof fetch = (input, init) => {
    if (String(input).includes("chunkNumber=") && ++chunkRequests === 5) {
      return Promise.reject(crash);
    }
    return fetch(input, init);
  };
  await assertRejects(() =>
    uploadFile(new Blob([bytes]), {
      url: portal.url,
      token: portal.token,
      folderId: 1,
      fileName: "resume.bin",
      concurrency: 1,
      fetch: dying,
      retry: { attempts: 1 },
      abortSessionOnFailure: false,
      onState: (s) => state = JSON.parse(JSON.stringify(s)),
    })
  );
  assertEquals(portal.emulator.sessions().length, 1);
  assertEquals((state as { confirmedChunks: number[] }).confirmedChunks, [
    1,
    2,
    3,
    4,
  ]);
  portal.emulator.log.length = 0;
  const file = await uploadFile(streamOf(bytes), {
    url: portal.url,
    token: portal.token,
    folderId: 1,
    fileName: "resume.bin",
    fileSize: bytes.length,
    resume: state as never,
  });
  assertEquals(
    portal.emulator.log.filter((e) => e.mode === "numbered").map((e) =>
      e.chunkNumber
    ).sort(),
    [5, 6, 7],
  );
  assertEquals(portal.emulator.log.some((e) => e.mode === "create"), false);
  assertEquals(
    await sha256(portal.emulator.file(file.id)!.bytes),
    await sha256(bytes),
  );
});

Deno.test("uploadFile explains a lost finalize reply instead of claiming failure blindly", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    chunkUploadSize: CHUNK,
  });
  portal.emulator.injectFault({
    kind: "drop-after-store",
    match: { mode: "finalize" },
  });
  const error = await assertRejects(
    () =>
      uploadFile(new Blob([randomBytes(2 * CHUNK)]), {
        url: portal.url,
        token: portal.token,
        folderId: 1,
        fileName: "lost.bin",
        retry: FAST_RETRY,
      }),
    DocSpaceError,
    "Finalizing the upload failed: the reply to an earlier attempt was lost and the session is now gone, so the file was most likely created; check the folder before uploading again",
  );
  assertEquals(error.step, "finalize");
  assertEquals(portal.emulator.files().length, 1);
});

Deno.test("uploadFile does not blindly re-send a sequential chunk", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    chunkUploadSize: CHUNK,
  });
  portal.emulator.injectFault({
    kind: "status",
    status: 503,
    match: { mode: "sequential" },
  });
  const error = await assertRejects(
    () =>
      uploadFile(new Blob([randomBytes(3 * CHUNK)]), {
        url: portal.url,
        token: portal.token,
        folderId: "sbox-1",
        fileName: "s.bin",
        retry: FAST_RETRY,
      }),
    DocSpaceError,
    "sequential chunks are not re-sent because the server may have counted this one, so start the upload again",
  );
  assertEquals(error.step, "chunk 1");
  assertEquals(
    portal.emulator.log.filter((e) => e.mode === "sequential").length,
    1,
  );
  assertEquals(portal.emulator.sessions(), []);
});

Deno.test("uploadFile checks its options before any request", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    chunkUploadSize: CHUNK,
  });
  const base = {
    url: portal.url,
    token: portal.token,
    folderId: 1,
    fileName: "o.bin",
  };
  const blob = new Blob([new Uint8Array(10)]);
  await assertRejects(
    () => uploadFile(blob, { ...base, chunkSize: 1000 }),
    RangeError,
    "multiple of 512",
  );
  await assertRejects(
    () => uploadFile(blob, { ...base, fileSize: 11 }),
    RangeError,
    "fileSize is 11 but the Blob has 10 bytes",
  );
  await assertRejects(
    () => uploadFile(streamOf(new Uint8Array(3)), base),
    TypeError,
    "fileSize is required for a stream",
  );
  await assertRejects(
    () => uploadFile(blob, { ...base, fileName: undefined as never }),
    TypeError,
    "fileName is required",
  );
  await assertRejects(
    () => uploadFile(blob, { ...base, folderId: 0 }),
    TypeError,
    "folderId must be a positive integer",
  );
  await assertRejects(
    () => uploadFile(blob, { ...base, concurrency: 0 }),
    RangeError,
    "concurrency must be a positive integer",
  );
  await assertRejects(
    () => uploadFile(blob, { ...base, url: "ftp://x" }),
    TypeError,
    "url must be the portal's http(s) URL",
  );
  await assertRejects(
    () => uploadFile(blob, { ...base, token: "" }),
    TypeError,
    "token is empty",
  );
  assertEquals(portal.emulator.log, []);
  await assertRejects(
    () =>
      uploadFile(new Blob([new Uint8Array(3 * CHUNK)]), {
        ...base,
        chunkSize: CHUNK / 2,
      }),
    RangeError,
    `chunkSize ${CHUNK / 2} differs from the server's chunkUploadSize ${CHUNK}`,
  );
  assertEquals(portal.emulator.log.map((e) => e.mode), ["settings"]);
});

Deno.test("uploadFile refuses a chunk size other than the server's in sequential mode for a numeric folder", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    chunkUploadSize: CHUNK,
  });
  const base = {
    url: portal.url,
    token: portal.token,
    fileName: "small-chunks.bin",
    mode: "sequential",
  } as const;
  const blob = new Blob([randomBytes(2 * CHUNK + 1)]);
  for (const folderId of [1, "1"]) {
    await assertRejects(
      () => uploadFile(blob, { ...base, folderId, chunkSize: CHUNK / 4 }),
      RangeError,
      `Cannot upload "small-chunks.bin": chunkSize ${
        CHUNK / 4
      } differs from the server's chunkUploadSize ${CHUNK}; folders with numeric ids need the server's size in both modes (other sizes work only in third-party folders), so leave chunkSize out`,
    );
  }
  // The server refuses chunks larger than its own size everywhere.
  await assertRejects(
    () =>
      uploadFile(blob, { ...base, folderId: "sbox-1", chunkSize: 2 * CHUNK }),
    RangeError,
    `Cannot upload "small-chunks.bin": chunkSize ${
      2 * CHUNK
    } is larger than the server's chunkUploadSize ${CHUNK}, and the server refuses larger chunks`,
  );
  assertEquals(portal.emulator.log.map((e) => e.mode), [
    "settings",
    "settings",
    "settings",
  ]);
  assertEquals(portal.emulator.sessions(), []);
});

for (const serverVersion of ["3.7", "3.6"] as const) {
  Deno.test(`uploadFile sends a smaller chunk size into a third-party folder when asked (server ${serverVersion})`, async () => {
    await using portal = await startEmulator({
      dataStore: "s3",
      chunkUploadSize: CHUNK,
      serverVersion,
    });
    const bytes = randomBytes(2 * CHUNK + 1);
    const file = await uploadFile(new Blob([bytes]), {
      url: portal.url,
      token: portal.token,
      folderId: "sbox-1",
      fileName: "small-chunks.bin",
      chunkSize: CHUNK / 4,
    });
    assertEquals(typeof file.id, "string");
    assertEquals(file.id, file.file.id);
    const sent = portal.emulator.log.filter((e) => e.mode === "sequential");
    assertEquals(sent.map((e) => e.computedLength), [
      ...Array(8).fill(CHUNK / 4),
      1,
    ]);
    assertEquals(sent.map((e) => e.status), [...Array(8).fill(200), 201]);
    assertEquals(
      await sha256(portal.emulator.file(file.id)!.bytes),
      await sha256(bytes),
    );
  });
}

Deno.test("uploadFile reads a file's byte stream straight into its buffers, byte-exact", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    chunkUploadSize: CHUNK,
  });
  const bytes = randomBytes(9 * CHUNK + 1234);
  const path = await Deno.makeTempFile();
  try {
    await Deno.writeFile(path, bytes);
    using file = await Deno.open(path);
    const uploaded = await uploadFile(file.readable, {
      url: portal.url,
      token: portal.token,
      folderId: 1,
      fileName: "disk.bin",
      fileSize: bytes.length,
    });
    assertEquals(
      await sha256(portal.emulator.file(uploaded.id)!.bytes),
      await sha256(bytes),
    );
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("uploadFile reports a small file's progress in full even with a smaller chunk size asked", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    chunkUploadSize: CHUNK,
  });
  const seen: UploadProgress[] = [];
  const bytes = randomBytes(CHUNK / 2 + 5);
  await uploadFile(new Blob([bytes]), {
    url: portal.url,
    token: portal.token,
    folderId: "sbox-1",
    fileName: "small-seq.bin",
    chunkSize: CHUNK / 8,
    onProgress: (p) => seen.push(p),
  });
  assertEquals(seen.at(-1), {
    bytesSent: bytes.length,
    bytesConfirmed: bytes.length,
    totalBytes: bytes.length,
    chunksConfirmed: 1,
    totalChunks: 1,
  });
  // A sequential chunk completes a small file at once (201): no finalize.
  assertEquals(
    portal.emulator.log.map((e) => [e.method, e.mode, e.status]),
    [
      ["GET", "settings", 200],
      ["POST", "session", 200],
      ["POST", "small", 201],
    ],
  );
});

for (const serverVersion of ["3.7", "3.6"] as const) {
  Deno.test(`uploadFile sends sequential chunks of the server's size into a numeric folder (server ${serverVersion})`, async () => {
    await using portal = await startEmulator({
      dataStore: "s3",
      chunkUploadSize: CHUNK,
      serverVersion,
    });
    const bytes = randomBytes(2 * CHUNK + 7);
    const file = await uploadFile(streamOf(bytes), {
      url: portal.url,
      token: portal.token,
      folderId: 1,
      fileName: "seq-native.bin",
      fileSize: bytes.length,
      mode: "sequential",
    });
    assertEquals([typeof file.id, file.version], ["number", 1]);
    // The server numbers them by arrival and counts chunkUploadSize pieces; the last completes the file.
    const sent = portal.emulator.log.filter((e) => e.mode === "sequential");
    assertEquals(sent.map((e) => [e.method, e.computedLength, e.status]), [
      ["POST", CHUNK, 200],
      ["POST", CHUNK, 200],
      ["POST", 7, 201],
    ]);
    assertEquals(
      sent.every((e) =>
        serverVersion === "3.7"
          ? e.path.endsWith(`/api/2.0/files/1/session/${e.uid}`) &&
            e.search === ""
          : e.search === `?uid=${e.uid}`
      ),
      true,
    );
    assertEquals(portal.emulator.log.some((e) => e.mode === "finalize"), false);
    assertEquals(
      await sha256(portal.emulator.file(file.id)!.bytes),
      await sha256(bytes),
    );
    assertEquals(portal.emulator.sessions(), []);
  });
}
