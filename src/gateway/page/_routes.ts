// The routes anyone may call: `GET /health`, the upload page at `GET /`, and its script.
import { Hono } from "hono";
import { json } from "../_responses.ts";
import { PAGE_SCRIPT_PATH, pageHtml } from "./_page.ts";
import { PAGE_SCRIPT } from "./script.generated.ts";

/** The page's Content-Security-Policy: only its own script, requests to its own origin, framed by `ancestors`. */
function pagePolicy(ancestors: readonly string[]): string {
  const framing = ancestors.filter((origin) =>
    /^https?:\/\/[^\s;,'"]+$/.test(origin)
  );
  return "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; " +
    `frame-ancestors ${framing.length ? framing.join(" ") : "'none'"}`;
}

/** Options of {@linkcode pageRoutes}. */
export interface PageOptions {
  /** Origins (`https://app.example.com`) whose pages may show the upload page in a frame; none by default. */
  frameAncestors?: readonly string[];
}

/** `GET /health`, `GET /` (the upload page) and `GET /upload-page.js`. */
export function pageRoutes(options: PageOptions = {}): Hono {
  const policy = pagePolicy(options.frameAncestors ?? []);
  return new Hono()
    .get("/health", () => json({ status: "ok" }))
    .get("/", (c) =>
      new Response(pageHtml(c.req.path.replace(/\/+$/, "")), {
        headers: {
          "content-type": "text/html; charset=utf-8",
          "content-security-policy": policy,
          "referrer-policy": "no-referrer",
          "x-content-type-options": "nosniff",
        },
      }))
    .get(PAGE_SCRIPT_PATH, () =>
      new Response(PAGE_SCRIPT, {
        headers: {
          "content-type": "text/javascript; charset=utf-8",
          "cache-control": "public, max-age=300",
          "x-content-type-options": "nosniff",
        },
      }));
}
