// Failures a person must see at once and act on: permanent network errors are not retried, retries are
// reported as they happen, and a stream of the wrong length is a StreamLengthError, never anything else.
import { assertEquals, assertRejects } from "@std/assert";
import {
  DocSpaceError,
  type RetryNotice,
  SessionClient,
  StreamLengthError,
  uploadFile,
} from "../../mod.ts";
import { nodeFetch } from "../../node_fetch.ts";
// dataStore "s3": its abort always succeeds, and these tests are about asking for it (on the default disk
// storage DocSpace keeps a session once a chunk is stored: tests/emulator/storage_test.ts).
import { startEmulator } from "../../testing.ts";
import { networkFailure } from "../../src/client/_docspace/read_reply.ts";
import { byteStreamOf, randomBytes, streamOf } from "../_helpers.ts";

const CHUNK = 64 * 1024;
const FETCHES = { "Deno's fetch": fetch, nodeFetch } as const;

/** A port on 127.0.0.1 that nothing listens on: bound, then closed. */
function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr;
  listener.close();
  return port;
}

/** Counts the requests a fetch sends. */
function counted(
  fetcher: typeof fetch,
): { fetch: typeof fetch; calls: number } {
  const counter = {
    calls: 0,
    fetch: ((input, init) => {
      counter.calls++;
      return fetcher(input, init);
    }) as typeof fetch,
  };
  return counter;
}

for (const [name, fetcher] of Object.entries(FETCHES)) {
  Deno.test(`uploadFile gives up at once on a refused connection (${name})`, async () => {
    const port = closedPort();
    const counter = counted(fetcher);
    const notices: RetryNotice[] = [];
    const started = performance.now();
    const error = await assertRejects(
      () =>
        uploadFile(new Blob(["hello"]), {
          url: `http://127.0.0.1:${port}`,
          token: "t",
          folderId: 1,
          fileName: "a.txt",
          fetch: counter.fetch,
          onRetry: (notice) => notices.push(notice),
        }),
      DocSpaceError,
    );
    assertEquals(
      error.message,
      `Reading the upload settings failed: cannot reach http://127.0.0.1:${port}: connection refused; check the portal URL (url, DOCSPACE_URL) and that the server is running`,
    );
    assertEquals([error.step, error.status, error.transient], [
      "settings",
      undefined,
      false,
    ]);
    assertEquals(counter.calls, 1);
    assertEquals(notices, []);
    // The default retry policy would wait about half a minute for a transient failure.
    assertEquals(performance.now() - started < 2000, true);
  });

  Deno.test(`uploadFile gives up at once on https:// to an http port (${name})`, async () => {
    await using portal = await startEmulator({
      dataStore: "s3",
      chunkUploadSize: CHUNK,
    });
    const url = portal.url.replace("http://", "https://");
    const counter = counted(fetcher);
    const error = await assertRejects(
      () =>
        uploadFile(new Blob(["hello"]), {
          url,
          token: portal.token,
          folderId: 1,
          fileName: "a.txt",
          fetch: counter.fetch,
        }),
      DocSpaceError,
    );
    assertEquals(
      error.message,
      `Reading the upload settings failed: cannot reach ${url}: the server does not speak TLS on that port; check the URL's scheme (http:// or https://) in url or DOCSPACE_URL`,
    );
    assertEquals([error.status, error.transient], [undefined, false]);
    assertEquals(counter.calls, 1);
    assertEquals(portal.emulator.files(), []);
  });
}

Deno.test("SessionClient reports a refused connection as permanent", async () => {
  const port = closedPort();
  const client = new SessionClient({
    url: `http://127.0.0.1:${port}`,
    token: "t",
  });
  const error = await assertRejects(
    () => client.createSession(1, { fileName: "a", fileSize: 1 }),
    DocSpaceError,
    `Creating the upload session failed: cannot reach http://127.0.0.1:${port}: connection refused`,
  );
  assertEquals(error.transient, false);
  assertEquals(error.message.includes("may or may not"), false);
});

Deno.test("networkFailure tells permanent from transient failures of Deno's fetch and nodeFetch", () => {
  const url = "https://portal.test/api/2.0/files/settings?x=1";
  // The errors as Deno 2.9's fetch and nodeFetch reject with them (seen in the wild).
  const deno = (reason: string) =>
    new TypeError("fetch failed", {
      cause: new Error(
        `error sending request for url (${url}): client error (Connect): ${reason}`,
      ),
    });
  const node = (message: string, code: string) =>
    new TypeError(message, {
      cause: Object.assign(new Error(message), { code }),
    });
  const cases: [unknown, boolean, string][] = [
    [
      deno("tcp connect error: Connection refused (os error 111)"),
      false,
      "cannot reach https://portal.test: connection refused;",
    ],
    [
      node("connect ECONNREFUSED 127.0.0.1:9", "ECONNREFUSED"),
      false,
      "cannot reach https://portal.test: connection refused;",
    ],
    [
      deno(
        "dns error: failed to lookup address information: Name or service not known",
      ),
      false,
      "cannot reach https://portal.test: unknown host (DNS found no address);",
    ],
    [
      node("getaddrinfo ENOTFOUND portal.test", "ENOTFOUND"),
      false,
      "cannot reach https://portal.test: unknown host",
    ],
    [
      deno("received corrupt message of type InvalidContentType"),
      false,
      "the server does not speak TLS on that port",
    ],
    [
      node(
        "received corrupt message of type InvalidContentType (SSL routines:ssl3_get_record:wrong version number)",
        "ERR_SSL_WRONG_VERSION_NUMBER",
      ),
      false,
      "the server does not speak TLS on that port",
    ],
    [
      deno("invalid peer certificate: UnknownIssuer"),
      false,
      "cannot reach https://portal.test: the TLS connection failed (invalid peer certificate: UnknownIssuer); check the portal URL and its certificate",
    ],
    [
      node("self-signed certificate", "DEPTH_ZERO_SELF_SIGNED_CERT"),
      false,
      "the TLS connection failed (self-signed certificate)",
    ],
    [
      new TypeError("Url scheme 'ftp' not supported"),
      false,
      "the URL's scheme is not supported; use an http:// or https:// URL",
    ],
    [
      Object.assign(
        new TypeError('Protocol "ftp:" not supported. Expected "http:"'),
        { code: "ERR_INVALID_PROTOCOL" },
      ),
      false,
      "the URL's scheme is not supported",
    ],
    [
      new TypeError("Fetch failed: Requests to port 9 are blocked"),
      false,
      "the runtime refuses that port (Requests to port 9 are blocked)",
    ],
    [
      deno(
        "client error (SendRequest): connection closed before message completed",
      ),
      true,
      "network error (fetch failed); the request may or may not have reached the server",
    ],
    [
      node("socket hang up", "ECONNRESET"),
      true,
      "network error (socket hang up); the request may or may not have reached the server",
    ],
    [
      node("getaddrinfo EAI_AGAIN portal.test", "EAI_AGAIN"),
      true,
      "network error (getaddrinfo EAI_AGAIN portal.test)",
    ],
    [
      new DOMException("Signal timed out.", "TimeoutError"),
      true,
      "network error (Signal timed out.)",
    ],
  ];
  for (const [error, transient, detail] of cases) {
    const failure = networkFailure(error, url);
    assertEquals(failure.transient, transient, String(error));
    assertEquals(failure.detail.includes(detail), true, failure.detail);
    // Only the origin is named: no path, no query.
    assertEquals(failure.detail.includes("/api/2.0"), false, failure.detail);
  }
});

Deno.test("uploadFile reports every retry, of every step, before its wait", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    chunkUploadSize: CHUNK,
  });
  // Retry-After: 0 makes every delay exact.
  for (
    const [mode, chunkNumber, times] of [
      ["settings", undefined, 1],
      ["session", undefined, 2],
      ["numbered", 2, 1],
      ["finalize", undefined, 1],
    ] as const
  ) {
    portal.emulator.injectFault({
      kind: "status",
      status: 503,
      retryAfter: 0,
      times,
      match: { mode, ...(chunkNumber ? { chunkNumber } : {}) },
    });
  }
  const notices: RetryNotice[] = [];
  const bytes = randomBytes(3 * CHUNK);
  await uploadFile(new Blob([bytes]), {
    url: portal.url,
    token: portal.token,
    folderId: 1,
    fileName: "r.bin",
    routes: "rest",
    onRetry: (notice) => notices.push(notice),
  });
  assertEquals(
    notices.map(({ step, attempt, delay, error }) => ({
      step,
      attempt,
      delay,
      status: error.status,
      errorStep: error.step,
      error: error instanceof DocSpaceError,
    })),
    [
      ["settings", 1],
      ["create", 1],
      ["create", 2],
      ["chunk 2", 1],
      ["finalize", 1],
    ].map(([step, attempt]) => ({
      step,
      attempt,
      delay: 0,
      status: 503,
      errorStep: step,
      error: true,
    })),
  );
});

Deno.test("uploadFile reports the backoff it waits, attempt by attempt", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    chunkUploadSize: CHUNK,
  });
  portal.emulator.injectFault({
    kind: "status",
    status: 502,
    times: 3,
    match: { chunkNumber: 1 },
  });
  const notices: RetryNotice[] = [];
  await uploadFile(new Blob([randomBytes(2 * CHUNK)]), {
    url: portal.url,
    token: portal.token,
    folderId: 1,
    fileName: "b.bin",
    retry: { minDelay: 4, maxDelay: 10 },
    onRetry: (notice) => notices.push(notice),
  });
  assertEquals(notices.map((n) => [n.step, n.attempt]), [
    ["chunk 1", 1],
    ["chunk 1", 2],
    ["chunk 1", 3],
  ]);
  // Exponential backoff with jitter: between half and all of 4, 8, then 16 capped at 10.
  const [first, second, third] = notices.map((n) => n.delay);
  assertEquals(first! >= 2 && first! <= 4, true, `${first}`);
  assertEquals(second! >= 4 && second! <= 8, true, `${second}`);
  assertEquals(third! >= 5 && third! <= 10, true, `${third}`);
});

/** A byte stream that delivers its bytes quickly and its end late, as a pipe on stdin does. */
function lateEndByteStream(bytes: Uint8Array): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    type: "bytes",
    async pull(controller) {
      const request = controller.byobRequest!;
      if (offset >= bytes.length) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        controller.close();
        request.respond(0);
        return;
      }
      const view = new Uint8Array(
        request.view!.buffer,
        request.view!.byteOffset,
        request.view!.byteLength,
      );
      const n = Math.min(view.length, 4099, bytes.length - offset);
      view.set(bytes.subarray(offset, offset + n));
      offset += n;
      request.respond(n);
    },
  });
}

for (
  const [name, streamOfBytes] of [
    ["byte stream ending late", lateEndByteStream],
    ["byte stream", byteStreamOf],
    ["stream", streamOf],
  ] as const
) {
  for (const length of [CHUNK / 2, CHUNK + 5, 2 * CHUNK + 5, 3 * CHUNK]) {
    Deno.test(
      `uploadFile refuses a ${name} of ${length} bytes for fileSize ${
        6 * CHUNK
      } at concurrency 3 with StreamLengthError`,
      async () => {
        await using portal = await startEmulator({
          dataStore: "s3",
          chunkUploadSize: CHUNK,
        });
        const error = await assertRejects(
          () =>
            uploadFile(streamOfBytes(randomBytes(length)), {
              url: portal.url,
              token: portal.token,
              folderId: 1,
              fileName: "stdin.bin",
              fileSize: 6 * CHUNK,
              concurrency: 3,
            }),
          StreamLengthError,
          `Cannot upload "stdin.bin": the stream ended after ${length} bytes but fileSize is ${
            6 * CHUNK
          }; nothing was finalized`,
        );
        assertEquals([error.expected, error.received], [6 * CHUNK, length]);
        assertEquals(portal.emulator.files(), []);
        assertEquals(portal.emulator.sessions(), []);
        const modes = portal.emulator.log.map((entry) => entry.mode);
        assertEquals(modes.includes("finalize"), false);
        assertEquals(modes.at(-1), "abort");
      },
    );
  }
}
