/**
 * An upload gateway for edge runtimes (Cloudflare Workers, Deno Deploy): it holds the DocSpace credentials,
 * checks who may upload where, and streams the bytes into DocSpace.
 *
 * @module
 */
import { Hono } from "hono";
import { readConfig } from "./_config.ts";
import { addCors } from "./_cors.ts";
import { addDirectUpload } from "./_direct_upload.ts";
import { addDocSpaceRoutes } from "./_docspace_routes.ts";
import { Signer } from "./_hmac.ts";
import { UPLOADER_PATH } from "./_location.ts";
import { addRestSessionRoutes } from "./_rest_session_routes.ts";
import { PAGE_SCRIPT_PATH, pageHtml } from "./page/_page.ts";
import { PAGE_SCRIPT } from "./page/script.generated.ts";
import { errorResponse, GatewayError, json } from "./_reply.ts";
import { type Gateway, guardedFetch } from "./_upstream.ts";

/** The app `createUploadGateway` returns: a Hono app, to serve or to mount in another with `route`. */
export type UploadGateway = Hono;

/** Options for {@linkcode createUploadGateway}. */
export interface UploadGatewayOptions {
  /**
   * The settings by name, as the platform provides them: environment variables (`Deno.env.toObject()`) or a
   * Worker's `env` bindings. `DOCSPACE_URL`, `DOCSPACE_TOKEN` (secret) and `UPLOAD_SECRET` (secret, at least
   * 16 characters) are required; `ALLOWED_FOLDERS` (comma list), `MAX_FILE_SIZE` (bytes), `MAX_BODY_SIZE`
   * (the platform's body limit in bytes, default 100000000) and `CORS_ORIGINS` (comma list) are optional.
   * A missing or invalid setting makes every request answer 500 naming it.
   */
  env: Record<string, unknown>;
  /**
   * The `fetch` that reaches DocSpace.
   *
   * @default {globalThis.fetch}
   */
  fetch?: typeof fetch;
  /**
   * How many chunk requests a direct upload (`POST /upload/:folderId`) runs at once. Cloudflare allows 6
   * open connections per request.
   *
   * @default {2}
   */
  concurrency?: number;
  /**
   * Where the gateway writes a line about each failure. Lines never hold the DocSpace token or the upload
   * secret.
   *
   * @default {console.error}
   */
  log?: (line: string) => void;
  /**
   * The clock for ticket expiry, in milliseconds since the epoch.
   *
   * @default {Date.now}
   */
  now?: () => number;
}

/** Adds `GET /health`, the upload page and its script. */
function addPageRoutes(app: Hono): void {
  app.get("/health", () => json({ status: "ok" }));
  app.get(
    "/",
    (c) =>
      new Response(pageHtml(c.req.path.replace(/\/+$/, "")), {
        headers: {
          "content-type": "text/html; charset=utf-8",
          "content-security-policy":
            "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
          "referrer-policy": "no-referrer",
          "x-content-type-options": "nosniff",
        },
      }),
  );
  app.get(PAGE_SCRIPT_PATH, () =>
    new Response(PAGE_SCRIPT, {
      headers: {
        "content-type": "text/javascript; charset=utf-8",
        "cache-control": "public, max-age=300",
        "x-content-type-options": "nosniff",
      },
    }));
}

/**
 * Creates the upload gateway: a Hono app for Cloudflare Workers, Deno Deploy or any fetch-based runtime
 * that lets browsers and servers upload into DocSpace without ever holding the DocSpace token.
 *
 * Callers send `Authorization: Bearer <credential>`: `UPLOAD_SECRET` itself (server to server) or an upload
 * ticket from {@linkcode createUploadTicket}, bound to one folder, a size limit and an expiry. Routes:
 * - `POST /upload/:folderId`: the body is the file (`Content-Length` required, name in `X-File-Name`,
 *   percent-encoded, or `?name=`; `?createNewIfExist=true` keeps an existing file of that name), streamed
 *   into numbered chunks in flat memory; 201 with the file. For
 *   files up to the platform's body limit (`MAX_BODY_SIZE`, 100 MB on Cloudflare Free and Pro).
 * - `GET /api/2.0/files/settings`, `POST /api/2.0/files/:folderId/upload/create_session` (and `/session`),
 *   `POST /ChunkedUploader.ashx?…`, and DocSpace 3.7.1's REST session routes
 *   (`POST /api/2.0/files/:folderId/session/:sessionId/upload?chunkNumber=N`, `PUT …/finalize`,
 *   `POST /api/2.0/files/:folderId/session/:sessionId`, `DELETE` it): DocSpace's own upload API, so
 *   {@linkcode uploadFile} pointed at the gateway's URL with the caller's credential as `token` uploads files
 *   of any size, one request per chunk. A session's `id` and `location` are rewritten to the gateway's and
 *   bound to the caller that opened the session; an older DocSpace's 404 on the REST routes is passed on.
 * - `GET /health`, and `GET /`: an upload page that uploads with a ticket from `#ticket=…`.
 *
 * The DocSpace token is only ever sent to `DOCSPACE_URL`'s origin, and never appears in a response or a
 * log line. Errors are JSON: `{ "error": { "message": … } }`.
 *
 * @param options The settings (`env`), and optionally `fetch`, `concurrency`, `log` and the clock.
 * @returns The Hono app: serve its `fetch`, or mount it in another Hono app with `route`.
 * @throws {RangeError} If `concurrency` is not a positive integer.
 *
 * @example Upload a file through the gateway into the emulator
 * ```ts
 * import { createUploadTicket } from "@docspace-tools/upload";
 * import { createUploadGateway } from "@docspace-tools/upload/gateway";
 * import { startEmulator } from "@docspace-tools/upload/testing";
 * import { assertEquals } from "@std/assert";
 *
 * await using portal = await startEmulator();
 * const secret = "a-long-random-upload-secret";
 * const gateway = createUploadGateway({
 *   env: { DOCSPACE_URL: portal.url, DOCSPACE_TOKEN: portal.token, UPLOAD_SECRET: secret },
 * });
 * // An app's backend makes the ticket; the browser sends it instead of any DocSpace credential.
 * const ticket = await createUploadTicket({ secret, folderId: 1, maxBytes: 1024, expiresIn: 600 });
 * const response = await gateway.request("/upload/1?name=hello.txt", {
 *   method: "POST",
 *   headers: { authorization: `Bearer ${ticket}`, "content-length": "5" },
 *   body: "hello",
 * });
 * assertEquals(response.status, 201);
 * assertEquals((await response.json()).title, "hello.txt");
 * assertEquals(portal.emulator.files().length, 1);
 * ```
 */
export function createUploadGateway(
  options: UploadGatewayOptions,
): UploadGateway {
  const concurrency = options.concurrency ?? 2;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(
      `Cannot create upload gateway: concurrency must be a positive integer, received ${concurrency}`,
    );
  }
  const log = options.log ?? ((line: string) => console.error(line));
  const app = new Hono();
  const result = readConfig(options.env ?? {});
  if (!result.ok) {
    const message = `The upload gateway is not configured: ${
      result.problems.join("; ")
    }`;
    log(message);
    app.all("*", () => json({ error: { message } }, 500));
    return app;
  }
  const config = result.config;
  const secrets = [config.token, config.secret];
  const redact = (text: string) =>
    secrets.reduce((out, secret) => out.replaceAll(secret, "[redacted]"), text);
  const gateway: Gateway = {
    config,
    signer: new Signer(config.secret),
    fetch: guardedFetch(
      config.docspaceOrigin,
      options.fetch ?? ((input, init) => fetch(input, init)),
    ),
    concurrency,
    now: options.now ?? Date.now,
    redact,
    log: (line) => log(redact(line)),
  };
  app.onError((error, c) => {
    const known = error instanceof GatewayError
      ? error
      : new GatewayError(500, "Internal error in the upload gateway");
    if (known.status >= 500) {
      gateway.log(
        `upload gateway: ${c.req.method} ${
          new URL(c.req.url).pathname
        } -> ${known.status}: ${
          error instanceof GatewayError ? error.message : error.stack ?? error
        }`,
      );
    }
    return errorResponse(
      known,
      c.req.path.toLowerCase().endsWith(UPLOADER_PATH.toLowerCase()),
    );
  });
  app.notFound(() => json({ error: { message: "Not found" } }, 404));
  addCors(app, config.corsOrigins);
  addPageRoutes(app);
  addDirectUpload(app, gateway);
  addDocSpaceRoutes(app, gateway);
  addRestSessionRoutes(app, gateway);
  return app;
}
