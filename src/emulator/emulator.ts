/**
 * The emulator: an in-memory DocSpace portal that speaks the chunked-upload protocol.
 *
 * @module
 */

import { Hono, type MiddlewareHandler } from "hono";
import type { EmulatorCore } from "./_context.ts";
import { createSessionRoutes } from "./_create_session_routes.ts";
import { envelopeError } from "./_envelope.ts";
import { folderRoutes } from "./_folder_routes.ts";
import { insertRoute } from "./_insert_route.ts";
import { intake } from "./_intake.ts";
import { locationRoute } from "./_location_route.ts";
import { portalRoutes } from "./_portal_routes.ts";
import { restSessionRoutes } from "./_rest_session_routes.ts";
import { type Fault, FaultQueue } from "./faults.ts";
import {
  type EmulatorOptions,
  type ResolvedEmulatorOptions,
  resolveOptions,
} from "./options.ts";
import { RateLimiter, type RateLimitStats } from "./rate_limits.ts";
import { peakConcurrency, type RequestLogEntry } from "./request_log.ts";
import {
  EmulatorState,
  type SessionInfo,
  sessionInfo,
  type StoredFile,
} from "./state.ts";

/**
 * The emulator's HTTP handler: the part of its Hono app that callers use. (The app is a `Hono`; this
 * interface names it without making Hono's types part of this package's documented API.)
 */
export interface EmulatorApp {
  /** Handles a request, as `Deno.serve` or a worker calls it. */
  fetch(request: Request): Response | Promise<Response>;
  /** Handles a request given by path or URL, as Hono's `app.request` does; paths get `http://localhost`. */
  request(
    input: RequestInfo | URL,
    init?: RequestInit,
  ): Response | Promise<Response>;
}

/**
 * The emulator's Hono app: the intake before every route, then the route families. Hono tries routes in the
 * order they are added, and a few requests match two (`GET …/files/settings`, `POST …/files/folder/session`):
 * the order settles them. The chunk endpoint comes first, as the server's MapWhen branch does; the REST
 * session routes exist from 3.7.1.
 */
function emulatorApp(
  core: EmulatorCore,
  intake: MiddlewareHandler,
): Hono {
  const app = new Hono();
  app.use(intake);
  app.route("/", locationRoute(core));
  if (core.options.serverVersion !== "3.6") {
    app.route("/api/2.0/files", restSessionRoutes(core));
  }
  app.route("/api/2.0", portalRoutes(core));
  app.route("/api/2.0/files", createSessionRoutes(core));
  app.route("/api/2.0/files", insertRoute(core));
  app.route("/api/2.0/files", folderRoutes(core));
  app.notFound((c) =>
    c.req.path.startsWith("/api/")
      ? envelopeError(c, 404, "The requested resource was not found")
      : c.text("Not Found", 404)
  );
  return app;
}

/**
 * An in-memory DocSpace portal for tests, built to the server's source (DocSpace-server v3.7.2):
 * `/api/2.0/files/settings`, the create-session routes, `/ChunkedUploader.ashx` in numbered, sequential,
 * small-file, finalize and abort modes (computing numbered chunk lengths the way the server does), the
 * REST session routes of 3.7.1+ (`serverVersion: "3.6"` leaves them out), and folders: their content,
 * paged (`GET /api/2.0/files/{folderId}`), and new ones (`POST /api/2.0/files/folder/{folderId}`), behind
 * the server's rate limiter (per user: 1500 requests a minute, 15 concurrent writes, 50 concurrent GETs,
 * 10,000 POST/PUT a day; see {@linkcode EmulatorOptions.rateLimits}). Every request is logged; faults can
 * be injected. Stored bytes stay in memory unless {@linkcode EmulatorOptions.storage} says otherwise.
 *
 * @example Upload a small file in-process
 * ```ts
 * import { DocSpaceEmulator } from "@docspace-tools/upload/testing";
 * import { createChunkBody } from "@docspace-tools/upload";
 * import { assertEquals } from "@std/assert";
 *
 * const emulator = new DocSpaceEmulator({ chunkUploadSize: 1024 });
 * const headers = { authorization: "Bearer emulator-token" };
 * const created = await emulator.app.request("/api/2.0/files/1/upload/create_session", {
 *   method: "POST",
 *   headers,
 *   body: JSON.stringify({ fileName: "hello.txt", fileSize: 5 }),
 * });
 * const { location } = (await created.json()).response.data;
 * const chunk = createChunkBody(new Blob(["hello"]));
 * const stored = await emulator.app.request(`${location}&upload=true&chunkNumber=1`, {
 *   method: "POST",
 *   headers: { ...headers, "content-type": chunk.contentType, "content-length": `${chunk.contentLength}` },
 *   body: chunk.body,
 * });
 * assertEquals(stored.status, 200); // a small file is stored by its chunk, and still needs a finalize
 * const finalized = await emulator.app.request(`${location}&finalize=true`, { method: "POST", headers });
 * assertEquals(finalized.status, 201);
 * assertEquals(new TextDecoder().decode(emulator.file(1)?.bytes), "hello");
 * ```
 */
export class DocSpaceEmulator {
  /** The Hono app; `emulator.app.fetch(request)` handles a request. */
  readonly app: EmulatorApp;
  /** Every request, in arrival order; an entry is added on arrival and completed when answered. */
  readonly log: RequestLogEntry[] = [];
  /** The options with defaults filled in. */
  readonly options: ResolvedEmulatorOptions;
  #core: EmulatorCore;
  #faults = new FaultQueue();
  #limiter: RateLimiter;

  /**
   * Creates an emulator with its own users, folders and clock.
   *
   * @param options Limits, users, folders, the clock and the public URL.
   * @throws {RangeError} If a size or count is not a positive integer, or `users` is empty.
   */
  constructor(options: EmulatorOptions = {}) {
    this.options = resolveOptions(options);
    this.#core = {
      options: this.options,
      state: new EmulatorState(
        this.options.folders,
        this.options.now(),
        this.options.storage,
      ),
      requests: new WeakMap(),
    };
    this.#limiter = new RateLimiter(this.options.rateLimits, this.options.now);
    this.app = emulatorApp(
      this.#core,
      intake(this.#core, this.log, this.#faults, this.#limiter),
    );
  }

  /**
   * The stored files, in creation order.
   *
   * @returns A new array of the stored files.
   */
  files(): StoredFile[] {
    return [...this.#core.state.files];
  }

  /**
   * A stored file by id.
   *
   * @param id The file id.
   * @returns The file, or undefined.
   */
  file(id: number | string): StoredFile | undefined {
    return this.#core.state.file(id);
  }

  /**
   * The titles of the folders from a root folder down to a folder, the root left out: where a file in
   * that folder sits, as `relativePath` would name it.
   *
   * @param folderId The folder's id.
   * @returns Like `"photos/2024"`; undefined for a root folder or an unknown id.
   */
  folderPath(folderId: number | string): string | undefined {
    const state = this.#core.state;
    const folder = state.folders.get(String(folderId));
    if (folder === undefined) return undefined;
    const titles = state.path(folder).slice(1).map((id) =>
      state.folders.get(String(id))?.title ?? String(id)
    );
    return titles.length === 0 ? undefined : titles.join("/");
  }

  /**
   * The open sessions: not finalized, aborted or expired by the clock.
   *
   * @returns A snapshot of each open session.
   */
  sessions(): SessionInfo[] {
    const now = this.options.now();
    return [...this.#core.state.sessions.values()].filter((s) =>
      s.expired > now
    ).map(sessionInfo);
  }

  /**
   * Queues a fault for the next matching requests.
   *
   * @param fault What to do and to which requests.
   * @throws {RangeError} If `times`, `status`, `ms` or `bytesPerSecond` is out of range.
   */
  injectFault(fault: Fault): void {
    if (
      fault.kind === "status" &&
      !(Number.isInteger(fault.status) && fault.status >= 200 &&
        fault.status <= 599)
    ) {
      throw new RangeError(
        `Cannot inject fault: status must be 200-599, received ${fault.status}`,
      );
    }
    if (fault.kind === "latency" && !(fault.ms >= 0)) {
      throw new RangeError(
        `Cannot inject fault: ms must be non-negative, received ${fault.ms}`,
      );
    }
    if (fault.kind === "slow-reader" && !(fault.bytesPerSecond > 0)) {
      throw new RangeError(
        `Cannot inject fault: bytesPerSecond must be positive, received ${fault.bytesPerSecond}`,
      );
    }
    this.#faults.add(fault);
  }

  /** Drops every queued fault. */
  clearFaults(): void {
    this.#faults.clear();
  }

  /**
   * What the rate limiter did so far: the requests it refused (by limit and by user), and the most
   * requests each user had in flight at once (writes and GETs apart), from arrival until the response.
   *
   * @returns A copy of the counts.
   *
   * @example The 16th concurrent write is refused
   * ```ts
   * import { DocSpaceEmulator } from "@docspace-tools/upload/testing";
   * import { assertEquals } from "@std/assert";
   *
   * const emulator = new DocSpaceEmulator();
   * const headers = { authorization: "Bearer emulator-token" };
   * for (let i = 0; i < 15; i++) {
   *   // a body that never ends: each of these writes stays in flight
   *   const body = new ReadableStream({ pull() {} });
   *   emulator.app.request("/api/2.0/files/folder/1", { method: "POST", headers, body });
   * }
   * const refused = await emulator.app.request("/api/2.0/files/folder/1", { method: "POST", headers });
   * assertEquals(refused.status, 429);
   * assertEquals(refused.headers.get("x-ratelimit-limit"), "15");
   * assertEquals(emulator.stats().refused.byLimit.concurrentWrites, 1);
   * assertEquals(emulator.stats().peakConcurrentWrites, { admin: 15 });
   * ```
   */
  stats(): RateLimitStats {
    return this.#limiter.stats();
  }

  /**
   * The largest number of logged requests that were in flight at once.
   *
   * @param filter Which log entries to count; all when absent.
   * @returns The peak overlap.
   */
  peakConcurrency(filter?: (entry: RequestLogEntry) => boolean): number {
    return peakConcurrency(this.log, filter);
  }
}
