// The gateway's pass-through of DocSpace 3.7.1's REST session routes: bound to the caller that created the
// session, checked like the legacy chunk endpoint, and answering an older server's 404 as 404.
import {
  assert,
  assertEquals,
  assertMatch,
  assertNotEquals,
  assertStringIncludes,
} from "@std/assert";
import { uploadFile } from "../../mod.ts";
import { randomBytes, sha256 } from "../_helpers.ts";
import {
  bearer,
  CHUNK,
  errorOf,
  type Harness,
  harness,
  openSession,
  PORTAL,
  SECRET,
  send,
  ticket,
  TOKEN,
  WORKER,
} from "./_worker_harness.ts";

const API = `${WORKER}/api/2.0/files`;

/** The REST routes of a session: numbered chunk, sequential chunk, finalize, abort. */
function rest(folderId: number | string, id: string) {
  const session = `${API}/${encodeURIComponent(folderId)}/session/${id}`;
  return {
    chunk: (n: number) => `${session}/upload?chunkNumber=${n}`,
    sequential: session,
    finalize: `${session}/finalize`,
    abort: session,
  };
}

/** Requests that reached DocSpace's REST session routes. */
function upstreamRest(h: Harness): string[] {
  return h.sent.map((s) => s.url).filter((url) => url.includes("/session/"));
}

Deno.test("REST session routes: create, numbered chunks, finalize, byte-exact, with the caller's id swapped for DocSpace's", async () => {
  const h = harness();
  const credential = await ticket(1);
  const bytes = randomBytes(3 * CHUNK + 777);
  const session = await openSession(h, credential, bytes.length, 1, "session");
  const realId = new URL(session.location!).searchParams.get("uid")!;
  assertMatch(realId, /^[0-9a-f]{32}$/);
  assertMatch(session.id!, /^[\w-]+\.[\w-]{43}$/);
  assertEquals(new URL(session.location!).searchParams.get("gw"), session.id);
  const routes = rest(1, session.id!);
  const replies = await Promise.all([0, 1, 2, 3].map((i) =>
    send(
      h,
      credential,
      "POST",
      routes.chunk(i + 1),
      bytes.subarray(i * CHUNK, (i + 1) * CHUNK),
    )
  ));
  for (const reply of replies) {
    const body = await reply.json();
    assertEquals(reply.status, 200, JSON.stringify(body));
    assertEquals(body.response.id, session.id);
    assertEquals(body.response.location, session.location);
    assertEquals(body.links, undefined);
  }
  const finalized = await send(h, credential, "PUT", routes.finalize);
  const body = await finalized.json();
  assertEquals(finalized.status, 201, JSON.stringify(body));
  const file = body.response;
  assertEquals([file.title, file.uploaded, file.folderId], ["a.bin", true, 1]);
  assertEquals(file.file.id, file.id);
  assertEquals(
    await sha256(h.emulator.file(file.id)!.bytes),
    await sha256(bytes),
  );
  const upstream = h.sent.filter((s) => s.url.includes("/session/"));
  assertEquals(
    upstream.map((s) => s.url.replace(realId, "<id>")).sort(),
    [
      `${PORTAL}/api/2.0/files/1/session/<id>/finalize`,
      ...[1, 2, 3, 4].map((n) =>
        `${PORTAL}/api/2.0/files/1/session/<id>/upload?chunkNumber=${n}`
      ),
    ],
  );
  assert(upstream.every((s) => s.authorization === `Bearer ${TOKEN}`));
  assert(h.emulator.log.every((e) => e.user === "admin"));
});

Deno.test("REST session routes take a relativePath upload: its chunks name the subfolder DocSpace made, which the ticket's folder holds", async () => {
  const h = harness();
  const credential = await ticket(1);
  const bytes = randomBytes(2 * CHUNK + 5);
  const file = await uploadFile(new Blob([bytes]), {
    url: WORKER,
    token: credential,
    folderId: 1,
    fileName: "deep.bin",
    relativePath: "a/b",
    routes: "rest",
    fetch: h.fetch,
  });
  const stored = h.emulator.file(file.id)!;
  assertEquals(h.emulator.folderPath(stored.folderId), "a/b");
  assertEquals(await sha256(stored.bytes), await sha256(bytes));
  // The chunks named the subfolder; the caller was checked against the folder its ticket allows.
  const chunks = h.sent.filter((s) => s.url.includes("/upload?chunkNumber="));
  assertEquals(chunks.length, 3);
  // A subfolder that is not the session's own is still outside the ticket.
  const session = await openSession(h, credential, 10, 1, "session");
  const other = await send(
    h,
    credential,
    "POST",
    rest(stored.folderId, session.id!).chunk(1),
    new Uint8Array(10),
  );
  assertStringIncludes(
    await errorOf(other, 403),
    `The upload ticket does not allow folder "${stored.folderId}"`,
  );
});

Deno.test("REST session routes take a runtime's own FormData framing: the server measures the form file", async () => {
  const h = harness();
  const bytes = randomBytes(CHUNK + 5);
  const session = await openSession(h, SECRET, bytes.length, 1, "session");
  const routes = rest(1, session.id!);
  for (
    const [n, part] of [bytes.subarray(0, CHUNK), bytes.subarray(CHUNK)]
      .entries()
  ) {
    const form = new FormData();
    form.append("file", new Blob([part as Uint8Array<ArrayBuffer>]), "blob");
    const framed = new Request("http://x", { method: "POST", body: form });
    const reply = await h.fetch(routes.chunk(n + 1), {
      method: "POST",
      headers: {
        ...bearer(SECRET),
        "content-type": framed.headers.get("content-type")!,
      },
      body: new Uint8Array(await framed.arrayBuffer()),
    });
    assertEquals(reply.status, 200, await reply.text());
  }
  const finalized = await send(h, SECRET, "PUT", routes.finalize);
  assertEquals(finalized.status, 201);
  const { response } = await finalized.json();
  assertEquals(h.emulator.file(response.id)!.bytes, bytes);
});

Deno.test("a small file through the REST routes and through location: the chunk answers 200 with the session, finalize 201", async () => {
  const h = harness();
  const credential = await ticket(1);
  const bytes = randomBytes(1000);
  // REST, with the session from create_session: an id from either create route works on both.
  const viaRest = await openSession(h, credential, bytes.length);
  const routes = rest(1, viaRest.id!);
  const chunk = await send(h, credential, "POST", routes.chunk(1), bytes);
  const chunkBody = await chunk.json();
  assertEquals(chunk.status, 200, JSON.stringify(chunkBody));
  assertEquals(chunkBody.response.id, viaRest.id);
  const finalized = await send(h, credential, "PUT", routes.finalize);
  assertEquals(finalized.status, 201);
  const restFile = (await finalized.json()).response;
  assertEquals(h.emulator.file(restFile.id)!.bytes, bytes);
  // Legacy, with the session from the REST create route.
  const viaLocation = await openSession(
    h,
    credential,
    bytes.length,
    1,
    "session",
  );
  const stored = await send(
    h,
    credential,
    "POST",
    `${viaLocation.location}&upload=true&chunkNumber=1`,
    bytes,
  );
  const storedBody = await stored.json();
  assertEquals(stored.status, 200, JSON.stringify(storedBody));
  assertEquals(storedBody.data.id, viaLocation.id);
  assertEquals(storedBody.data.location, viaLocation.location);
  const done = await send(
    h,
    credential,
    "POST",
    `${viaLocation.location}&finalize=true`,
  );
  assertEquals(done.status, 201);
  const legacyFile = (await done.json()).data;
  assertEquals(legacyFile.title, "a.bin");
  assertEquals(h.emulator.file(legacyFile.id)!.bytes, bytes);
});

Deno.test("a sequential REST chunk into a third-party folder: 200 until the last, 201 with a string file id", async () => {
  const h = harness();
  const credential = await ticket("sbox-1");
  const bytes = randomBytes(2 * CHUNK + 100);
  const session = await openSession(
    h,
    credential,
    bytes.length,
    "sbox-1",
    "session",
  );
  const routes = rest("sbox-1", session.id!);
  const parts = [
    bytes.subarray(0, CHUNK),
    bytes.subarray(CHUNK, 2 * CHUNK),
    bytes.subarray(2 * CHUNK),
  ];
  const statuses: number[] = [];
  let file: Record<string, unknown> = {};
  for (const part of parts) {
    const reply = await send(h, credential, "POST", routes.sequential, part);
    const body = await reply.json();
    statuses.push(reply.status);
    file = body.response;
  }
  assertEquals(statuses, [200, 200, 201]);
  assertEquals(typeof file.id, "string");
  assertEquals([file.uploaded, file.folderId], [true, "sbox-1"]);
  assertEquals(h.emulator.file(file.id as string)!.bytes, bytes);
  assert(
    upstreamRest(h).every((url) =>
      url.startsWith(`${PORTAL}/api/2.0/files/sbox-1/session/`)
    ),
  );
});

Deno.test("another caller's session id is refused with 403 and never reaches DocSpace", async () => {
  const h = harness();
  const owner = await ticket(1);
  const session = await openSession(h, owner, 3 * CHUNK, 1, "session");
  const routes = rest(1, session.id!);
  const strangers = [await ticket(1), SECRET];
  for (const stranger of strangers) {
    const refusals = [
      send(h, stranger, "POST", routes.chunk(1), randomBytes(CHUNK)),
      send(h, stranger, "POST", routes.sequential, randomBytes(CHUNK)),
      send(h, stranger, "PUT", routes.finalize),
      send(h, stranger, "DELETE", routes.abort),
    ];
    for (const refusal of refusals) {
      assertStringIncludes(
        await errorOf(await refusal, 403),
        "belongs to another caller",
      );
    }
  }
  for (
    const response of [
      await h.fetch(routes.finalize, { method: "PUT" }),
      await send(h, TOKEN, "DELETE", routes.abort),
    ]
  ) {
    await errorOf(response, 401);
  }
  assertEquals(upstreamRest(h), []);
  assertEquals(
    h.emulator.log.filter((e) => e.path.includes("/session/")),
    [],
  );
  assertEquals(h.emulator.sessions().length, 1);
  // The owner still can.
  const aborted = await send(h, owner, "DELETE", routes.abort);
  assertEquals(aborted.status, 200, await aborted.text());
  assertEquals(h.emulator.sessions(), []);
});

Deno.test("a forged or altered session id, or a folder outside the ticket or the session, is refused", async () => {
  const h = harness({ ALLOWED_FOLDERS: "1,2,sbox-1" });
  const owner = await ticket(1);
  const session = await openSession(h, owner, CHUNK, 1, "session");
  const [payload, mac] = session.id!.split(".") as [string, string];
  const realId = new URL(session.location!).searchParams.get("uid")!;
  const flip = (text: string, at: number) =>
    text.slice(0, at) + (text[at] === "A" ? "B" : "A") + text.slice(at + 1);
  const otherGateway = harness({
    UPLOAD_SECRET: "another-gateways-secret-0001",
  });
  const foreign = await openSession(
    otherGateway,
    "another-gateways-secret-0001",
    CHUNK,
    1,
    "session",
  );
  const forged = [
    realId,
    `${flip(payload, 5)}.${mac}`,
    `${payload}.${flip(mac, 5)}`,
    `${payload}.${mac}.x`,
    `${payload}`,
    foreign.id!,
    "%00",
  ];
  for (const id of forged) {
    for (const who of [owner, SECRET]) {
      const response = await send(h, who, "PUT", rest(1, id).finalize);
      assertStringIncludes(await errorOf(response, 403), "another caller");
    }
  }
  const secretSession = await openSession(h, SECRET, CHUNK, 1, "session");
  const cases: [string, number | string, string, string][] = [
    [owner, 2, session.id!, "does not allow folder"],
    [owner, "sbox-1", session.id!, "does not allow folder"],
    [SECRET, 2, secretSession.id!, 'opened in folder "1", not "2"'],
    [SECRET, 3, secretSession.id!, "ALLOWED_FOLDERS"],
  ];
  for (const [who, folder, id, expected] of cases) {
    const response = await send(h, who, "PUT", rest(folder, id).finalize);
    assertStringIncludes(await errorOf(response, 403), expected);
  }
  assertEquals(upstreamRest(h), []);
  assertNotEquals(h.emulator.sessions().length, 0);
});

Deno.test("REST chunks need Content-Length, fit the session, and have a positive chunkNumber", async () => {
  const h = harness({ MAX_FILE_SIZE: String(100 * CHUNK) });
  const credential = await ticket(1);
  const session = await openSession(h, credential, 10, 1, "session");
  const routes = rest(1, session.id!);
  const post = (url: string, headers: Record<string, string>, body: BodyInit) =>
    h.app.fetch(
      new Request(url, {
        method: "POST",
        headers: {
          ...bearer(credential),
          "content-type": "multipart/form-data; boundary=B",
          ...headers,
        },
        body,
      }),
    );
  const stream = () => new Blob([randomBytes(100)]).stream();
  for (const url of [routes.chunk(1), routes.sequential]) {
    assertStringIncludes(
      await errorOf(await post(url, {}, stream()), 411),
      "Content-Length is required",
    );
    assertStringIncludes(
      await errorOf(
        await post(
          url,
          { "content-length": String(10 + 16385) },
          new Uint8Array(10 + 16385),
        ),
        413,
      ),
      "more than this session's file or chunk size allows",
    );
  }
  for (const n of ["0", "-1", "1.5", "x", "99999999999"]) {
    const url = routes.chunk(1).replace(/chunkNumber=1$/, `chunkNumber=${n}`);
    assertStringIncludes(
      await errorOf(await post(url, { "content-length": "3" }, "abc"), 400),
      "chunkNumber must be a positive integer",
    );
  }
  assertEquals(upstreamRest(h), []);
});

Deno.test("DocSpace's errors on the REST routes pass through with their status", async () => {
  const h = harness();
  const session = await openSession(h, SECRET, 2 * CHUNK, 1, "session");
  const routes = rest(1, session.id!);
  const stored = await send(
    h,
    SECRET,
    "POST",
    routes.chunk(1),
    randomBytes(CHUNK),
  );
  assertEquals(stored.status, 200);
  const early = await send(h, SECRET, "PUT", routes.finalize);
  assertStringIncludes(await errorOf(early, 400), "uploadSize != bytesTotal");
  assertEquals((await send(h, SECRET, "DELETE", routes.abort)).status, 200);
  const gone = await send(h, SECRET, "PUT", routes.finalize);
  assertStringIncludes(await errorOf(gone, 500), "Object reference not set");
});

Deno.test("an older DocSpace (3.6) answers the REST routes 404, and so does the gateway; location still works", async () => {
  const h = harness({}, { serverVersion: "3.6" });
  const credential = await ticket(1);
  const missing = await h.fetch(`${API}/1/session`, {
    method: "POST",
    headers: { ...bearer(credential), "content-type": "application/json" },
    body: JSON.stringify({ fileName: "a.bin", fileSize: 5 }),
  });
  await errorOf(missing, 404);
  const bytes = randomBytes(5);
  const session = await openSession(h, credential, 5);
  const routes = rest(1, session.id!);
  for (
    const response of [
      await send(h, credential, "POST", routes.chunk(1), bytes),
      await send(h, credential, "POST", routes.sequential, bytes),
      await send(h, credential, "PUT", routes.finalize),
      await send(h, credential, "DELETE", routes.abort),
    ]
  ) {
    await errorOf(response, 404);
  }
  const chunk = await send(
    h,
    credential,
    "POST",
    `${session.location}&upload=true&chunkNumber=1`,
    bytes,
  );
  assertEquals(chunk.status, 200);
  const done = await send(
    h,
    credential,
    "POST",
    `${session.location}&finalize=true`,
  );
  assertEquals(done.status, 201);
  assertEquals(h.emulator.file((await done.json()).data.id)!.bytes, bytes);
});

Deno.test("a 404 without DocSpace JSON on a route DocSpace added in 3.7.1 is a 404 too", async () => {
  let old = false;
  const h = harness(
    {},
    {},
    (request) =>
      old && new URL(request.url).pathname.includes("/session")
        ? new Response("<html>Not Found</html>", { status: 404 })
        : undefined,
  );
  const session = await openSession(h, SECRET, 5);
  old = true;
  const response = await send(h, SECRET, "PUT", rest(1, session.id!).finalize);
  assertStringIncludes(await errorOf(response, 404), "older than 3.7.1");
  const created = await h.fetch(`${API}/1/session`, {
    method: "POST",
    headers: { ...bearer(SECRET), "content-type": "application/json" },
    body: JSON.stringify({ fileName: "a.bin", fileSize: 5 }),
  });
  assertStringIncludes(await errorOf(created, 404), "older than 3.7.1");
});

Deno.test("CORS preflights allow the REST routes' PUT and DELETE", async () => {
  const h = harness({ CORS_ORIGINS: "https://app.test" });
  const preflight = await h.app.request("/api/2.0/files/1/session/x/finalize", {
    method: "OPTIONS",
    headers: {
      origin: "https://app.test",
      "access-control-request-method": "PUT",
    },
  });
  assertEquals(preflight.status, 204);
  const methods = preflight.headers.get("access-control-allow-methods")!;
  assertStringIncludes(methods, "PUT");
  assertStringIncludes(methods, "DELETE");
});
