// One structured log line (JSON) per upload and per refused request: route, folder, bytes,
// duration, outcome, caller kind; never a credential, a full ticket or a session token.
import { assert, assertEquals, assertFalse } from "@std/assert";
import { uploadFile, verifyUploadTicket } from "../../mod.ts";
import { createUploadGateway } from "../../gateway.ts";
import { randomBytes } from "../_helpers.ts";
import {
  bearer,
  CHUNK,
  harness,
  SECRET,
  ticket,
  TOKEN,
  WORKER,
} from "./_worker_harness.ts";

/** The log lines, parsed, without the fields that vary from run to run. */
function lines(logs: string[]): Record<string, unknown>[] {
  return logs.map((line) => {
    const { time, durationMs, ...rest } = JSON.parse(line);
    assertEquals(new Date(time).toISOString(), time);
    assert(Number.isInteger(durationMs) && durationMs >= 0, line);
    return rest;
  });
}

Deno.test("a direct upload logs one line, and each refused request one line with why", async () => {
  const h = harness();
  const credential = await ticket(1, 1000);
  const short = (await verifyUploadTicket(credential, { secret: SECRET })).id
    .slice(0, 8);
  const upload = (path: string, headers: Record<string, string>) =>
    h.app.request(path, {
      method: "POST",
      headers: { "content-length": "5", ...headers },
      body: "hello",
    });
  assertEquals(
    (await upload("/upload/1?name=a.txt", bearer(credential))).status,
    201,
  );
  assertEquals((await upload("/upload/1?name=a.txt", {})).status, 401);
  assertEquals(
    (await upload("/upload/2?name=a.txt", bearer(credential))).status,
    403,
  );
  assertEquals((await h.app.request("/nowhere")).status, 404);
  assertEquals((await h.app.request("/health")).status, 200);
  assertEquals(lines(h.logs), [
    {
      outcome: "uploaded",
      status: 201,
      method: "POST",
      route: "/upload/:folderId",
      folder: "1",
      bytes: 5,
      caller: "ticket",
      ticket: short,
    },
    {
      outcome: "refused",
      status: 401,
      method: "POST",
      route: "/upload/:folderId",
      folder: null,
      bytes: null,
      caller: null,
      message:
        "Authorization required: send Authorization: Bearer <upload ticket or UPLOAD_SECRET>",
    },
    {
      outcome: "refused",
      status: 403,
      method: "POST",
      route: "/upload/:folderId",
      folder: "2",
      bytes: null,
      caller: "ticket",
      ticket: short,
      message: 'The upload ticket does not allow folder "2"',
    },
    {
      outcome: "refused",
      status: 404,
      method: "GET",
      route: null,
      folder: null,
      bytes: null,
      caller: null,
    },
  ]);
  const everything = h.logs.join("\n");
  for (
    const secret of [credential, credential.split(".").at(-1)!, SECRET, TOKEN]
  ) {
    assertFalse(everything.includes(secret));
  }
});

Deno.test("an upload through the DocSpace-compatible routes logs one line when it completes, none per chunk", async () => {
  const h = harness();
  const credential = await ticket(1);
  const bytes = randomBytes(3 * CHUNK + 1);
  const tokens = new Set<string>();
  for (const routes of ["rest", "legacy"] as const) {
    await uploadFile(new Blob([bytes]), {
      url: WORKER,
      token: credential,
      folderId: 1,
      fileName: `${routes}.bin`,
      routes,
      fetch: h.fetch,
      onState: (state) => {
        if (state.sessionId) tokens.add(state.sessionId);
        tokens.add(new URL(state.location).searchParams.get("gw")!);
      },
    });
  }
  const logged = lines(h.logs);
  assertEquals(logged.map((line) => [line.route, line.outcome, line.bytes]), [
    [
      "/api/2.0/files/:folderId/session/:sessionId/finalize",
      "uploaded",
      bytes.length,
    ],
    ["/ChunkedUploader.ashx", "uploaded", bytes.length],
  ]);
  assert(
    logged.every((line) => line.folder === "1" && line.caller === "ticket"),
  );
  // Neither the ticket nor the sessions' tokens (their ids and gw) are logged.
  assertEquals(tokens.size, 2);
  for (const secret of [credential, ...tokens]) {
    assertFalse(h.logs.join("\n").includes(secret));
  }
});

Deno.test("an abort, a 408 and a 503 are logged with their outcome", async () => {
  const h = harness({
    IDLE_TIMEOUT: "0.1",
    MAX_CONCURRENT_UPLOADS: "1",
    QUEUE_TIMEOUT: "0.05",
  });
  const created = await h.fetch(`${WORKER}/api/2.0/files/1/session`, {
    method: "POST",
    headers: { ...bearer(SECRET), "content-type": "application/json" },
    body: JSON.stringify({ fileName: "a.bin", fileSize: 2 * CHUNK }),
  });
  const session = (await created.json()).response;
  const aborted = await h.fetch(
    `${WORKER}/api/2.0/files/1/session/${session.id}`,
    { method: "DELETE", headers: bearer(SECRET) },
  );
  assertEquals(aborted.status, 200);
  let release = () => {};
  const stalled = h.app.request("/upload/1?name=a.bin", {
    method: "POST",
    headers: { ...bearer(SECRET), "content-length": "10" },
    body: new ReadableStream({
      pull: () => new Promise<void>((resolve) => release = resolve),
    }),
    duplex: "half",
  } as RequestInit);
  await new Promise((resolve) => setTimeout(resolve, 20));
  const busy = await h.app.request("/upload/1?name=b.bin", {
    method: "POST",
    headers: { ...bearer(SECRET), "content-length": "1" },
    body: "x",
  });
  assertEquals(busy.status, 503);
  assertEquals((await stalled).status, 408);
  release();
  assertEquals(
    lines(h.logs).map((line) => [line.route, line.outcome, line.status]),
    [
      ["/api/2.0/files/:folderId/session/:sessionId", "aborted", 200],
      ["/upload/:folderId", "refused", 503],
      ["/upload/:folderId", "timed-out", 408],
    ],
  );
  assertFalse(h.logs.join("\n").includes(session.id));
});

Deno.test("log fields are escaped: no control, C1 or line-separator character reaches a log line", async () => {
  const h = harness();
  const credential = await ticket("1");
  // U+009B (a terminal's CSI), U+2028 (a line separator) and U+202E (a bidi override), in the folder id.
  const folder = "1\u009b31m\u2028x\u202e";
  const response = await h.app.request(
    `/upload/${encodeURIComponent(folder)}?name=a.txt`,
    {
      method: "POST",
      headers: { ...bearer(credential), "content-length": "5" },
      body: "hello",
    },
  );
  assertEquals(response.status, 400);
  assertEquals(h.logs.length, 1);
  const line = h.logs[0]!;
  assertFalse(
    // deno-lint-ignore no-control-regex
    /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202e]/.test(line),
    line,
  );
  assert(line.includes('"folder":"1\\u009b31m\\u2028x\\u202e"'), line);
  assertEquals(JSON.parse(line).folder, folder);
});

Deno.test("refusals are summarised: one line per source and reason per LOG_INTERVAL, then one line with the repeats", async () => {
  let clock = Date.parse("2026-01-01T00:00:00Z");
  const logs: string[] = [];
  const app = createUploadGateway({
    env: {
      DOCSPACE_URL: "http://portal.test",
      DOCSPACE_TOKEN: TOKEN,
      UPLOAD_SECRET: SECRET,
      LOG_INTERVAL: "10",
    },
    fetch: () => Promise.reject(new Error("no upstream in this test")),
    log: (line) => logs.push(line),
    now: () => clock,
  });
  const refused = async (path: string, env?: Record<string, unknown>) => {
    const response = await app.request(path, { method: "POST" }, env);
    assertEquals(response.status, 401);
  };
  for (let i = 0; i < 500; i++) {
    await refused("/upload/1", { remoteAddress: "203.0.113.7" });
    clock += 10;
  }
  await refused("/upload/1", { remoteAddress: "198.51.100.1" });
  assertEquals(
    logs.map((l) => [JSON.parse(l).source, JSON.parse(l).repeated]),
    [["203.0.113.7", undefined], ["198.51.100.1", undefined]],
  );
  clock += 5000;
  await refused("/upload/1", { remoteAddress: "203.0.113.7" });
  const parsed = logs.map((l) => JSON.parse(l));
  assertEquals(parsed.length, 4);
  assertEquals(
    [parsed[2].source, parsed[2].repeated, parsed[2].status, parsed[2].route],
    ["203.0.113.7", 499, 401, "/upload/:folderId"],
  );
  assertEquals(parsed[2].intervalMs, 10_000);
  // The next interval starts with a line of its own.
  assertEquals([parsed[3].source, parsed[3].repeated], [
    "203.0.113.7",
    undefined,
  ]);
});
