// Replies carry known fields only (session, file and settings objects rebuilt from the fields
// DocSpace documents), and the locations the gateway hands out name its public origin: PUBLIC_URL when set,
// else the request URL's.
import { assert, assertEquals, assertFalse } from "@std/assert";
import { createChunkBody, uploadFile } from "../../mod.ts";
import { randomBytes } from "../_helpers.ts";
import {
  bearer,
  CHUNK,
  type Harness,
  harness,
  SECRET,
  WORKER,
} from "./_worker_harness.ts";

const LEAK = "upstream-only-value-must-not-pass";

/** Adds unknown fields everywhere in a DocSpace reply: the envelope, the object, nested objects. */
function spoil(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(spoil);
  if (typeof value !== "object" || value === null) return value;
  const out: Record<string, unknown> = { token: LEAK, secretNote: { LEAK } };
  for (const [key, inner] of Object.entries(value)) out[key] = spoil(inner);
  if ("id" in out && "title" in out) out.createdBy = { id: "u", email: LEAK };
  return out;
}

Deno.test("session, file and settings objects reach the caller with DocSpace's documented fields only", async () => {
  const emulatorRef: { h?: Harness } = {};
  const h = harness({}, {}, async (request) => {
    const reply = await emulatorRef.h!.emulator.app.fetch(request);
    const json = await reply.json();
    return Response.json(spoil(json), {
      status: reply.status,
      headers: { "x-upstream": LEAK },
    });
  });
  emulatorRef.h = h;
  const seen: string[] = [];
  const bytes = randomBytes(2 * CHUNK + 7);
  for (const routes of ["rest", "legacy"] as const) {
    const file = await uploadFile(new Blob([bytes]), {
      url: WORKER,
      token: SECRET,
      folderId: 1,
      fileName: `${routes}.bin`,
      routes,
      fetch: async (input, init) => {
        const response = await h.fetch(input, init);
        seen.push(JSON.stringify([...response.headers]));
        seen.push(await response.clone().text());
        return response;
      },
    });
    assertEquals(file.title, `${routes}.bin`);
    assertEquals(file.file.pureContentLength, bytes.length);
    assertEquals(file.file.createdBy, { id: "u" });
  }
  const direct = await h.app.request("/upload/1?name=direct.bin", {
    method: "POST",
    headers: { ...bearer(SECRET), "content-length": "5" },
    body: "hello",
  });
  const directFile = await direct.json();
  assertEquals(direct.status, 201);
  seen.push(JSON.stringify(directFile));
  assertEquals(Object.keys(directFile).sort(), [
    "file",
    "folderId",
    "id",
    "title",
    "uploaded",
    "version",
  ]);
  const settings = await h.fetch(`${WORKER}/api/2.0/files/settings`, {
    headers: bearer(SECRET),
  });
  const settingsBody = await settings.json();
  seen.push(JSON.stringify(settingsBody));
  assertEquals(Object.keys(settingsBody).sort(), [
    "count",
    "response",
    "status",
    "statusCode",
  ]);
  assertEquals(settingsBody.response.chunkUploadSize, CHUNK);
  const created = await h.fetch(
    `${WORKER}/api/2.0/files/1/upload/create_session`,
    {
      method: "POST",
      headers: { ...bearer(SECRET), "content-type": "application/json" },
      body: JSON.stringify({ fileName: "a.bin", fileSize: CHUNK }),
    },
  );
  const session = (await created.json()).response.data;
  assertEquals(Object.keys(session).sort(), [
    "bytes_total",
    "created",
    "expired",
    "id",
    "location",
    "path",
  ]);
  const framed = createChunkBody(randomBytes(10));
  const reply = await h.fetch(`${session.location}&upload=true&chunkNumber=1`, {
    method: "POST",
    headers: { ...bearer(SECRET), "content-type": framed.contentType },
    body: framed.body as Uint8Array<ArrayBuffer>,
  });
  const replyBody = await reply.json();
  assertEquals(Object.keys(replyBody).sort(), ["data", "message", "success"]);
  seen.push(JSON.stringify(replyBody));
  assertFalse(seen.join("\n").includes(LEAK));
  assert(seen.length > 10);
});

Deno.test("PUBLIC_URL names the gateway in the locations it hands out, whatever the request's Host", async () => {
  const h = harness({ PUBLIC_URL: "https://upload.example.com/docspace/" });
  for (const route of ["upload/create_session", "session"]) {
    const response = await h.fetch(`${WORKER}/api/2.0/files/1/${route}`, {
      method: "POST",
      headers: {
        ...bearer(SECRET),
        "content-type": "application/json",
        host: "evil.example",
      },
      body: JSON.stringify({ fileName: "a.bin", fileSize: 3 * CHUNK }),
    });
    const body = await response.json();
    const session = route === "session" ? body.response : body.response.data;
    assert(
      session.location.startsWith(
        "https://upload.example.com/docspace/ChunkedUploader.ashx?uid=",
      ),
      session.location,
    );
  }
  const bad = harness({ PUBLIC_URL: "upload.example.com" });
  const response = await bad.app.request("/health");
  assertEquals(response.status, 500);
  assert(
    (await response.json()).error.message.includes(
      "PUBLIC_URL must be the gateway's own http(s) URL",
    ),
  );
});
