// The DocSpace token and the upload secret stay between the gateway and DocSpace: a location on another origin
// is refused before any credential goes there, an upstream redirect or proxy page is not followed, and neither
// value appears in any response, header or log line.
import {
  assert,
  assertEquals,
  assertFalse,
  assertStringIncludes,
} from "@std/assert";
import { uploadFile } from "../../mod.ts";
import { randomBytes } from "../_helpers.ts";
import {
  bearer,
  CHUNK,
  createSession,
  errorOf,
  harness,
  PORTAL,
  post,
  SECRET,
  ticket,
  TOKEN,
  WORKER,
} from "./_worker_harness.ts";

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
  const direct_ = await post(h, "/upload/1?name=a.bin", "abc", {
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
    post(h, "/upload/1?name=a.txt", "abc", {
      ...bearer(SECRET),
      "content-length": "3",
    }),
  );
  await keep(
    post(h, "/upload/1?name=b.txt", "abcd", {
      ...bearer(SECRET),
      "content-length": "3",
    }),
  );
  await keep(
    post(h, "/upload/9?name=b.txt", "abc", {
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
