// The upload page without a browser: its weight budget, its headers (no Referer, its own origin, framing only
// where allowed), and `GET /` serving the page and its script.
import {
  assert,
  assertEquals,
  assertMatch,
  assertStringIncludes,
} from "@std/assert";
import { createUploadGateway } from "../../gateway.ts";
import { PAGE_BUDGET, pageHtml } from "../../src/gateway/page/_page.ts";
import { PAGE_SCRIPT } from "../../src/gateway/page/script.generated.ts";
import { harness, SECRET, TOKEN } from "./_worker_harness.ts";

async function gzipSize(text: string): Promise<number> {
  const stream = new Blob([text]).stream().pipeThrough(
    new CompressionStream("gzip"),
  );
  return (await new Response(stream).arrayBuffer()).byteLength;
}

Deno.test("the upload page (HTML and script) stays within its gzip budget of 24 KiB", async () => {
  const size = await gzipSize(pageHtml("")) + await gzipSize(PAGE_SCRIPT);
  assert(size <= PAGE_BUDGET, `the page weighs ${size} bytes gzip-compressed`);
});

Deno.test("the upload page sends no Referer, keeps to its own origin and frames only where allowed", async () => {
  const gateway = createUploadGateway({
    env: {
      DOCSPACE_URL: "http://portal.test",
      DOCSPACE_TOKEN: TOKEN,
      UPLOAD_SECRET: SECRET,
    },
    log: () => {},
  });
  const reply = await gateway.request("/");
  const html = await reply.text();
  assertEquals(reply.headers.get("referrer-policy"), "no-referrer");
  assert(html.includes('<meta name="referrer" content="no-referrer">'));
  assertMatch(
    reply.headers.get("content-security-policy")!,
    /script-src 'self'; .*connect-src 'self'; .*frame-ancestors 'none'$/,
  );
  // The sites in CORS_ORIGINS (not `*`) may frame the page.
  const framed = await createUploadGateway({
    env: {
      DOCSPACE_URL: "http://portal.test",
      DOCSPACE_TOKEN: TOKEN,
      UPLOAD_SECRET: SECRET,
      CORS_ORIGINS: "https://app.example.com,*",
    },
    log: () => {},
  }).request("/");
  await framed.body?.cancel();
  assertMatch(
    framed.headers.get("content-security-policy")!,
    /frame-ancestors https:\/\/app\.example\.com$/,
  );
});

Deno.test("GET / serves the upload page and its script with a strict content security policy", async () => {
  const h = harness();
  const page = await h.app.request("/");
  assertEquals(page.status, 200);
  assertEquals(page.headers.get("content-type"), "text/html; charset=utf-8");
  assertStringIncludes(
    page.headers.get("content-security-policy")!,
    "script-src 'self'",
  );
  const html = await page.text();
  assertStringIncludes(
    html,
    '<script type="module" src="/upload-page.js"></script>',
  );
  for (
    const id of [
      "ticket",
      "folder",
      "files",
      "folder-files",
      "drop",
      "upload",
      "list",
      "summary",
    ]
  ) {
    assertStringIncludes(html, `id="${id}"`);
  }
  const script = await h.app.request("/upload-page.js");
  assertEquals(
    script.headers.get("content-type"),
    "text/javascript; charset=utf-8",
  );
  // The client's URL builders put the files API's path together from parts (src/client/_docspace/).
  const source = await script.text();
  assertStringIncludes(source, "/api/2.0/files");
  assertStringIncludes(source, "/settings");
  assertEquals((await h.app.request("/nowhere")).status, 404);
});
