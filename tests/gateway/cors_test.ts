// CORS: preflights and headers for the origins in CORS_ORIGINS only.
import { assertEquals, assertStringIncludes } from "@std/assert";
import { errorOf, harness } from "./_worker_harness.ts";

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
