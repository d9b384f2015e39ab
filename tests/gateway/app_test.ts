// The gateway as a Hono app: /health, its settings checked on every request (a missing or bad one answered
// 500 naming it, never showing a secret), its options, and the whole gateway mounted under a path of another app.
import {
  assert,
  assertEquals,
  assertFalse,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import { Hono } from "hono";
import { uploadFile } from "../../mod.ts";
import { createUploadGateway } from "../../gateway.ts";
import { randomBytes } from "../_helpers.ts";
import {
  CHUNK,
  errorOf,
  harness,
  SECRET,
  ticket,
  TOKEN,
  WORKER,
} from "./_worker_harness.ts";

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
    [{ DOCSPACE_TOKEN: "sk-pasted\r\nwith-a-break" }, [
      "DOCSPACE_TOKEN: token has a character that cannot go in an HTTP header (U+000D at position 10); copy the token again without it",
    ]],
    [{ DOCSPACE_URL: "  " }, ["DOCSPACE_URL is not set"]],
    [{ DOCSPACE_URL: "ftp://portal" }, ["DOCSPACE_URL must be"]],
    [{ UPLOAD_SECRET: "short" }, [
      "UPLOAD_SECRET must be at least 24 characters long (it has 5); make one with `openssl rand -base64 32`",
    ]],
    // Long enough, but low in entropy.
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
