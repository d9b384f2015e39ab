/**
 * An upload gateway for edge runtimes (Cloudflare Workers, Deno Deploy): it holds the DocSpace credentials,
 * checks who may upload where, and streams the bytes into DocSpace.
 *
 * @module
 */
import { Hono } from "hono";
import { RequestBudget } from "../client/request_budget.ts";
import { chunkEndpoint } from "./_chunk_endpoint.ts";
import { type GatewayConfig, readConfig } from "./_config.ts";
import type { Gateway } from "./_context.ts";
import type { BudgetLimits } from "./_budget_state.ts";
import { cors } from "./_cors.ts";
import { directUpload } from "./_direct_upload.ts";
import { docSpaceApi } from "./_docspace_routes.ts";
import { API_FILES } from "./_location.ts";
import { Signer } from "../ticket/signer.ts";
import { formatLine, RefusalSummary, requestLog } from "./_log.ts";
import { queueRoute } from "./_queue_route.ts";
import { errorResponse, json } from "./_responses.ts";
import { restSessionRoutes } from "./_rest_session_routes.ts";
import { ChunkSizeCache, upstreamFetch } from "./_upstream.ts";
import {
  budgetLimits,
  type Coordinator,
  MemoryCoordinator,
} from "./coordinator.ts";
import { pageRoutes } from "./page/_routes.ts";

export * from "./coordinator.ts";
export {
  KvCoordinator,
  type KvCoordinatorOptions,
  type KvEntry,
  type KvKey,
  type KvStore,
} from "./kv_coordinator.ts";
export {
  DurableCoordinator,
  type DurableNamespace,
  type DurableState,
  type DurableStorage,
  UploadCoordinator,
} from "./durable_coordinator.ts";

/** The app `createUploadGateway` returns: a Hono app, to serve or to mount in another with `route`. */
export type UploadGateway = Hono;

/**
 * What is missing or wrong in a gateway's settings (`DOCSPACE_URL`, `DOCSPACE_TOKEN`, `UPLOAD_SECRET`,
 * the limits), one line each, so that an entry can refuse to start rather than answer 500 to every request.
 *
 * @param env The settings, as the environment gives them.
 * @returns One line per missing or invalid setting; none when the gateway can serve.
 *
 * @example A gateway without settings
 * ```ts
 * import { gatewaySettingsProblems } from "@docspace-tools/upload/gateway";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(gatewaySettingsProblems({}).length, 3);
 * ```
 */
export function gatewaySettingsProblems(
  env: Record<string, unknown>,
): string[] {
  const settings = readConfig(env);
  return settings.ok ? [] : settings.problems;
}

/** Options for {@linkcode createUploadGateway}. */
export interface UploadGatewayOptions {
  /**
   * The settings by name, as the platform provides them: environment variables (`Deno.env.toObject()`) or a
   * Worker's `env` bindings. `DOCSPACE_URL`, `DOCSPACE_TOKEN` (secret) and `UPLOAD_SECRET` (secret, at least
   * 16 characters) are required; `ALLOWED_FOLDERS` (comma list), `MAX_FILE_SIZE` (bytes), `MAX_BODY_SIZE`
   * (the platform's body limit in bytes, default 100000000), `CORS_ORIGINS` (comma list), `PUBLIC_URL` (the
   * gateway's own URL, default the request URL's origin), `IDLE_TIMEOUT` (seconds a request body may send
   * nothing, default 30), `UPSTREAM_TIMEOUT` (seconds an upstream request may take, default 120) and
   * `MAX_CONCURRENT_UPLOADS` (direct uploads at once per isolate, default 3) are optional.
   * A missing or invalid setting makes every request answer 500 naming it.
   */
  env: Record<string, unknown>;
  /**
   * The `fetch` that reaches DocSpace. It must send a `ReadableStream` body with the `Content-Length` the
   * gateway sets (DocSpace's legacy numbered chunks are measured by it), as Workers' `fetch` does with the
   * `FixedLengthStream` the gateway pipes it through. Deno's keeps the length only for the runtime's own
   * request body, so with Deno's own `fetch` (this default, in Deno) chunks are passed on untouched and a
   * stalled chunk is cut off by `UPSTREAM_TIMEOUT`, not `IDLE_TIMEOUT`; it also copies each Uint8Array body
   * several times. `worker/deno.ts` passes one built on `node:http` instead, and has both.
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
   * Where the gateway writes its log: one JSON line per upload and per refused request (see the README's
   * "Logs"). Lines never hold the DocSpace token, the upload secret or a full ticket.
   *
   * @default {console.log}
   */
  log?: (line: string) => void;
  /**
   * The clock for ticket expiry, in milliseconds since the epoch.
   *
   * @default {Date.now}
   */
  now?: () => number;
  /**
   * Where DocSpace's budget and the tally of chunks numbered by arrival are kept, for every instance that
   * shares the token: a {@linkcode KvCoordinator} (Deno KV) or a {@linkcode DurableCoordinator} (a
   * Durable Object). Given a function, it is called once with the settings' budget limits.
   *
   * @default {a MemoryCoordinator: this instance's own}
   */
  coordinator?: Coordinator | ((limits: BudgetLimits) => Coordinator);
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
 *   bound to the caller that opened the session; an older DocSpace's 404 on the REST session endpoints is passed on.
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
 * const log: string[] = [];
 * const gateway = createUploadGateway({
 *   env: { DOCSPACE_URL: portal.url, DOCSPACE_TOKEN: portal.token, UPLOAD_SECRET: secret },
 *   log: (line) => log.push(line),
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
 * // One JSON line per upload: the route, the folder, the bytes, the outcome and the caller's kind.
 * const line = JSON.parse(log[0]!);
 * assertEquals([line.route, line.folder, line.bytes, line.outcome, line.caller], [
 *   "/upload/:folderId", "1", 5, "uploaded", "ticket",
 * ]);
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
  const log = options.log ?? ((line: string) => console.log(line));
  const result = readConfig(options.env ?? {});
  if (!result.ok) return unconfigured(result.problems, log);
  const gateway = resolveGateway(result.config, options, concurrency, log);
  return mountRoutes(new Hono(), gateway);
}

/** The app of a gateway without valid settings: logged once, and every request answers 500 naming them. */
function unconfigured(
  problems: string[],
  log: (line: string) => void,
): UploadGateway {
  const message = `The upload gateway is not configured: ${
    problems.join("; ")
  }`;
  log(formatLine({
    time: new Date().toISOString(),
    outcome: "failed",
    status: 500,
    message,
  }));
  const app = new Hono();
  app.all("*", () => json({ error: { message } }, 500));
  return app;
}

/** The isolate's direct upload slots: MAX_CONCURRENT_UPLOADS at once, one kept free of any one caller. */
function directUploadSlots(
  config: GatewayConfig,
  now: () => number,
): Coordinator {
  return new MemoryCoordinator({
    ...budgetLimits({
      writes: config.maxConcurrentUploads,
      perCaller: Math.max(1, config.maxConcurrentUploads - 1),
      leaseTtl: 86_400_000,
    }),
    perMinute: false,
    perDay: false,
  }, { now });
}

/** The gateway's settings and services, made once from its checked settings and the options. */
function resolveGateway(
  config: GatewayConfig,
  options: UploadGatewayOptions,
  concurrency: number,
  log: (line: string) => void,
): Gateway {
  const secrets = [config.token, config.secret];
  const redact = (text: string) =>
    secrets.reduce((out, secret) => out.replaceAll(secret, "[redacted]"), text);
  const limits = budgetLimits({
    writes: config.upstreamWrites,
    perCaller: config.upstreamWritesPerCaller,
    leaseTtl: config.upstreamTimeout + 10_000,
  });
  // This process's own budget, as the library's clients keep one: 429s back it off, and it paces requests.
  const budget = new RequestBudget({
    writes: config.upstreamWrites,
    reads: limits.reads,
  });
  const platformFetch = options.fetch ?? ((input, init) => fetch(input, init));
  const gateway: Gateway = {
    config,
    signer: new Signer(config.secret),
    fetch: upstreamFetch(
      config.docspaceOrigin,
      budget.fetch(platformFetch),
      config.upstreamTimeout,
    ),
    // Deno's own fetch keeps a streamed body's Content-Length only for the runtime's own request body.
    rawChunkBodies: options.fetch === undefined && "Deno" in globalThis,
    concurrency,
    now: options.now ?? Date.now,
    redact,
    log: (line) => log(redact(line)),
    slots: directUploadSlots(config, options.now ?? Date.now),
    coordinator: typeof options.coordinator === "function"
      ? options.coordinator(limits)
      : options.coordinator ?? new MemoryCoordinator(limits),
    chunkSize: new ChunkSizeCache(() => gateway),
  };
  return gateway;
}

/**
 * The gateway's routes, each family a sub-app, behind the request log and CORS: the page, the direct route,
 * DocSpace's API (settings, sessions, REST session routes), the chunk endpoint and the queue.
 */
function mountRoutes(app: Hono, gateway: Gateway): UploadGateway {
  const { config } = gateway;
  const summary = new RefusalSummary(config.logInterval, gateway.log);
  app.onError(errorResponse);
  app.notFound(() => json({ error: { message: "Not found" } }, 404));
  app.use(requestLog(gateway, summary));
  app.use(cors(config.corsOrigins));
  // The sites allowed to call the gateway from a browser may also show its page in a frame, and hand it a
  // ticket by message; `*` does not extend to framing.
  app.route(
    "/",
    pageRoutes({
      frameAncestors: config.corsOrigins.filter((origin) => origin !== "*"),
    }),
  );
  app.route("/upload", directUpload(gateway));
  app.route(API_FILES, docSpaceApi(gateway));
  app.route(API_FILES, restSessionRoutes(gateway));
  app.route("/", chunkEndpoint(gateway));
  app.route("/", queueRoute(gateway));
  return app;
}
