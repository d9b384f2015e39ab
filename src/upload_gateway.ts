/**
 * An upload gateway for edge runtimes (Cloudflare Workers, Deno Deploy): it holds the DocSpace credentials,
 * checks who may upload where, and streams the bytes into DocSpace.
 *
 * @module
 */
import { type Context, Hono } from "hono";
import {
  authenticate,
  type Caller,
  checkFileName,
  contentLength,
  permitFolder,
  permitSize,
} from "./_gateway_access.ts";
import { type GatewayConfig, readConfig } from "./_gateway_config.ts";
import { Signer } from "./_gateway_hmac.ts";
import {
  bindLocation,
  openLocation,
  UPLOADER_PATH,
} from "./_gateway_location.ts";
import { PAGE_SCRIPT_PATH, pageHtml } from "./_gateway_page.ts";
import { PAGE_SCRIPT } from "./_gateway_page_script.ts";
import { errorResponse, GatewayError, json } from "./_gateway_reply.ts";
import { readSessionRequest } from "./_gateway_session_request.ts";
import { DocSpaceError } from "./errors.ts";
import { MAX_CHUNK_SIZE } from "./rechunk_stream.ts";
import { authorizationHeader } from "./session_client.ts";
import { uploadFile } from "./upload_file.ts";

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

interface Gateway {
  config: GatewayConfig;
  signer: Signer;
  fetch: typeof fetch;
  concurrency: number;
  now: () => number;
  redact: (text: string) => string;
  log: (line: string) => void;
}

type Upstream = { response: Response; json: unknown };

const API_SETTINGS = "/api/2.0/files/settings";

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? value as Record<string, unknown>
    : undefined;
}

/** The fetch that refuses any URL off the DocSpace origin and never follows a redirect. */
function guardedFetch(origin: string, upstream: typeof fetch): typeof fetch {
  return (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    if (new URL(url).origin !== origin) {
      return Promise.reject(
        new TypeError(
          "Refused to send a request off DOCSPACE_URL's origin",
        ),
      );
    }
    return upstream(input, { ...init, redirect: "manual" });
  };
}

async function send(
  gateway: Gateway,
  url: string,
  init: RequestInit & { duplex?: "half" },
): Promise<Upstream> {
  const headers = new Headers(init.headers);
  headers.set("authorization", authorizationHeader(gateway.config.token));
  headers.set("accept", "application/json");
  let response: Response;
  let text: string;
  try {
    response = await gateway.fetch(url, { ...init, headers });
    text = await response.text();
  } catch (error) {
    throw new GatewayError(
      502,
      `Could not reach DocSpace: ${
        gateway.redact(error instanceof Error ? error.message : String(error))
      }`,
    );
  }
  let parsed: unknown = undefined;
  try {
    parsed = JSON.parse(text);
  } catch { /* not JSON: a proxy page, handled by the caller */ }
  return { response, json: parsed };
}

/** The error for an upstream reply that is not DocSpace JSON (a proxy page, a redirect). */
function notDocSpace(reply: Upstream): GatewayError {
  const status = reply.response.status;
  const passed = [408, 413, 429, 502, 503, 504].includes(status) ? status : 502;
  const retryAfter = reply.response.headers.get("retry-after");
  return new GatewayError(
    passed,
    `DocSpace answered HTTP ${status} without DocSpace JSON${
      status >= 300 && status < 400 ? " (a redirect, not followed)" : ""
    }`,
    retryAfter ? { "retry-after": retryAfter } : {},
  );
}

/** An /api/2.0 envelope reply: its `response`, or the upstream error with its status (401 becomes 502). */
function envelopeOf(
  gateway: Gateway,
  reply: Upstream,
): Record<string, unknown> {
  const body = record(reply.json);
  if (body === undefined) throw notDocSpace(reply);
  const error = record(body.error);
  const status = reply.response.status;
  if (
    error !== undefined || !reply.response.ok || body.response === undefined
  ) {
    const message = typeof error?.message === "string"
      ? gateway.redact(error.message)
      : `HTTP ${status}`;
    if (status === 401) {
      throw new GatewayError(
        502,
        `DocSpace did not accept DOCSPACE_TOKEN: ${message}`,
      );
    }
    throw new GatewayError(status >= 400 ? status : 502, message);
  }
  return body;
}

function callerOf(c: Context, gateway: Gateway): Promise<Caller> {
  return authenticate(
    c.req.header("authorization"),
    gateway.config,
    gateway.signer,
    gateway.now,
  );
}

/** The gateway's own URL up to (not including) `suffix`, from the request, so it works when mounted. */
function baseOf(c: Context, suffix: string): string {
  const url = new URL(c.req.url);
  const at = url.pathname.indexOf(suffix);
  return url.origin + (at < 0 ? "" : url.pathname.slice(0, at));
}

function numericFolder(folderId: string): number | string {
  return /^[1-9]\d{0,14}$/.test(folderId) ? Number(folderId) : folderId;
}

/** Keeps the runtime alive until `work` settles, where it can (Workers), so a dropped client still gets clean-up. */
function keepAlive(c: Context, work: Promise<unknown>): void {
  try {
    c.executionCtx.waitUntil(work.catch(() => {}));
  } catch { /* no execution context (Deno): the process lives on anyway */ }
}

/** What a failed direct upload answers. */
function uploadFailure(gateway: Gateway, error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  if (error instanceof RangeError) {
    return new GatewayError(
      400,
      `The request body does not match its Content-Length; the upload was aborted: ${
        gateway.redact(error.message)
      }`,
    );
  }
  if (error instanceof DocSpaceError) {
    const detail = gateway.redact(error.serverMessage ?? error.message);
    const status = error.status;
    if (status === 401) {
      return new GatewayError(
        502,
        `DocSpace did not accept DOCSPACE_TOKEN: ${detail}`,
      );
    }
    if (status === 402) return new GatewayError(413, detail);
    if (status === 403 || status === 404 || status === 415) {
      return new GatewayError(status, detail);
    }
    return new GatewayError(502, gateway.redact(error.message));
  }
  return new GatewayError(
    400,
    `The request body could not be read; the upload was aborted: ${
      gateway.redact(error instanceof Error ? error.message : String(error))
    }`,
  );
}

function addRoutes(app: Hono, gateway: Gateway): void {
  const { config, signer } = gateway;

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

  // Route 1: the body is the file.
  app.post("/upload/:folderId", async (c) => {
    const caller = await callerOf(c, gateway);
    const folderId = c.req.param("folderId");
    permitFolder(caller, folderId, config);
    const length = contentLength(c.req.header("content-length"));
    permitSize(caller, length, config, true);
    const header = c.req.header("x-file-name");
    let name = c.req.query("name");
    if (header !== undefined) {
      try {
        // deno-lint-ignore no-control-regex
        if (/[^\x00-\x7f]/.test(header)) throw new URIError();
        name = decodeURIComponent(header);
      } catch {
        throw new GatewayError(
          400,
          "Bad X-File-Name: it must be percent-encoded UTF-8",
        );
      }
    }
    const fileName = checkFileName(name);
    const createNew = c.req.query("createNewIfExist");
    if (
      createNew !== undefined && createNew !== "true" && createNew !== "false"
    ) {
      throw new GatewayError(400, "createNewIfExist must be true or false");
    }
    const body = c.req.raw.body ?? ReadableStream.from<Uint8Array>([]);
    const upload = uploadFile(body, {
      url: config.docspaceUrl,
      token: config.token,
      folderId: numericFolder(folderId),
      fileName,
      fileSize: length,
      ...(createNew === undefined
        ? {}
        : { createNewIfExist: createNew === "true" }),
      concurrency: gateway.concurrency,
      fetch: gateway.fetch,
    });
    keepAlive(c, upload);
    try {
      return json(await upload, 201);
    } catch (error) {
      throw uploadFailure(gateway, error);
    }
  });

  // Route 2: DocSpace's own upload API, with the caller's credential swapped for the token.
  app.get(API_SETTINGS, async (c) => {
    await callerOf(c, gateway);
    const body = envelopeOf(
      gateway,
      await send(gateway, config.docspaceUrl + API_SETTINGS, {}),
    );
    return json({ ...body, links: undefined });
  });

  const createSession = (wrapped: boolean) => async (c: Context) => {
    const caller = await callerOf(c, gateway);
    const folderId = c.req.param("folderId") ?? "";
    permitFolder(caller, folderId, config);
    const request = await readSessionRequest(c.req.raw);
    permitSize(caller, request.fileSize, config, false);
    const path = `/api/2.0/files/${encodeURIComponent(folderId)}/${
      wrapped ? "upload/create_session" : "session"
    }`;
    const body = envelopeOf(
      gateway,
      await send(gateway, config.docspaceUrl + path, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(request),
      }),
    );
    const response = record(body.response);
    const session = wrapped ? record(response?.data) : response;
    if (session === undefined) {
      throw new GatewayError(502, "DocSpace's reply has no session");
    }
    session.location = await bindLocation(
      signer,
      caller.id,
      session.location,
      request.fileSize,
      config.docspaceOrigin,
      baseOf(c, "/api/2.0/files/"),
    );
    return json({ ...body, links: undefined });
  };
  app.post(
    "/api/2.0/files/:folderId/upload/create_session",
    createSession(true),
  );
  app.post("/api/2.0/files/:folderId/session", createSession(false));

  const chunk = async (c: Context) => {
    const caller = await callerOf(c, gateway);
    const url = new URL(c.req.url);
    const session = await openLocation(signer, caller.id, url);
    const params = new URLSearchParams();
    for (const name of ["upload", "chunkNumber", "finalize", "abort"]) {
      const value = url.searchParams.get(name);
      if (value !== null) params.set(name, value);
    }
    const hasBody = params.get("finalize") !== "true" &&
      params.get("abort") !== "true";
    const init: RequestInit & { duplex: "half" } = {
      method: "POST",
      duplex: "half",
    };
    if (hasBody) {
      const length = contentLength(c.req.header("content-length"));
      // The framing of one part adds a few hundred bytes; a chunk never exceeds the file or 10 MiB.
      if (length > Math.min(session.bytesTotal, MAX_CHUNK_SIZE) + 16384) {
        throw new GatewayError(
          413,
          `The chunk request has ${length} bytes, more than this session's file or chunk size allows`,
        );
      }
      init.headers = {
        "content-type": c.req.header("content-type") ?? "",
        "content-length": String(length),
      };
      init.body = length > 0 ? c.req.raw.body : null;
    }
    const query = params.size === 0
      ? ""
      : `${session.upstream.includes("?") ? "&" : "?"}${params}`;
    const reply = await send(
      gateway,
      config.docspaceOrigin + session.upstream + query,
      init,
    );
    const body = record(reply.json);
    if (body === undefined || typeof body.success !== "boolean") {
      throw notDocSpace(reply);
    }
    const data = record(body.data);
    if (typeof data?.location === "string") {
      url.search = "";
      url.searchParams.set("uid", c.req.query("uid") ?? "");
      url.searchParams.set("gw", c.req.query("gw") ?? "");
      data.location = url.href;
    }
    if (typeof body.message === "string") {
      body.message = gateway.redact(body.message);
    }
    return json(body, reply.response.status === 201 ? 201 : 200);
  };
  app.post(UPLOADER_PATH, chunk);
  app.post(UPLOADER_PATH.toLowerCase(), chunk);
}

/** CORS for the configured origins only: preflights from others are refused. */
function addCors(app: Hono, origins: readonly string[]): void {
  const allowed = (origin: string | undefined): origin is string =>
    origin !== undefined && (origins.includes("*") || origins.includes(origin));
  app.use("*", async (c, next) => {
    const origin = c.req.header("origin");
    if (
      c.req.method === "OPTIONS" &&
      c.req.header("access-control-request-method") !== undefined
    ) {
      if (!allowed(origin)) {
        throw new GatewayError(
          403,
          "This origin may not call the gateway (CORS_ORIGINS)",
        );
      }
      return new Response(null, {
        status: 204,
        headers: {
          "access-control-allow-origin": origin,
          "access-control-allow-methods": "GET, POST, OPTIONS",
          "access-control-allow-headers":
            "authorization, content-type, x-file-name",
          "access-control-max-age": "600",
          vary: "Origin",
        },
      });
    }
    await next();
    if (allowed(origin)) {
      c.res.headers.set("access-control-allow-origin", origin);
      c.res.headers.set("access-control-expose-headers", "retry-after");
      c.res.headers.append("vary", "Origin");
    }
  });
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
 *   `POST /ChunkedUploader.ashx?…`: DocSpace's own upload API, so {@linkcode uploadFile} pointed at the
 *   gateway's URL with the caller's credential as `token` uploads files of any size, one request per chunk.
 *   Locations are rewritten to the gateway and bound to the caller that opened the session.
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
  addRoutes(app, gateway);
  return app;
}
