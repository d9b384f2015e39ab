// In-process harness for the upload gateway: an emulator as DocSpace behind the gateway's injected fetch, a
// fetch that reaches the gateway, and a record of every upstream request and log line; and the requests the
// gateway's tests make through it (sessions, chunks, direct bodies) and the error replies they read.
import type { Hono } from "hono";
import { assertEquals } from "@std/assert";
import { createChunkBody, createUploadTicket } from "../../mod.ts";
import { createUploadGateway } from "../../gateway.ts";
import { DocSpaceEmulator, type EmulatorOptions } from "../../testing.ts";
import { bearer } from "../_helpers.ts";

export { bearer } from "../_helpers.ts";

/** The portal's origin as the gateway knows it. */
export const PORTAL = "http://portal.test";
/** The gateway's origin as callers see it. */
export const WORKER = "http://worker.test";
/** The DocSpace token: distinctive, so a leak anywhere is found by searching for it. */
export const TOKEN = "sk-docspace-token-must-never-leak-7f3a";
/** The gateway's upload secret. */
export const SECRET = "upload-secret-must-never-leak-91c2";
/** A small chunk size, so a few MiB make several chunks. */
export const CHUNK = 1024 * 1024;

/** An upstream request as the gateway sent it. */
export interface Sent {
  url: string;
  authorization: string | null;
  contentLength: string | null;
}

/** A gateway in front of an in-memory emulator. */
export interface Harness {
  app: Hono;
  emulator: DocSpaceEmulator;
  /** Every request the gateway sent upstream. */
  sent: Sent[];
  /** Every line the gateway logged. */
  logs: string[];
  /** A fetch that reaches the gateway, as `uploadFile`'s `fetch`. */
  fetch: typeof fetch;
}

/** Sets Content-Length for a body of known size, as a real HTTP client does; in-process requests lack it. */
function withLength(request: Request, body: unknown): Request {
  if (request.headers.has("content-length")) return request;
  const size = body instanceof Blob
    ? body.size
    : body instanceof Uint8Array
    ? body.length
    : typeof body === "string"
    ? new TextEncoder().encode(body).length
    : undefined;
  if (size === undefined) return request;
  const headers = new Headers(request.headers);
  headers.set("content-length", String(size));
  return new Request(request, { headers });
}

/** A gateway configured with `env` (over sane defaults) in front of a new emulator. */
export function harness(
  env: Record<string, unknown> = {},
  emulatorOptions: EmulatorOptions = {},
  upstream?: (request: Request) => Response | Promise<Response> | undefined,
): Harness {
  const emulator = new DocSpaceEmulator({
    publicUrl: PORTAL,
    chunkUploadSize: CHUNK,
    users: [{ id: "admin", tokens: [TOKEN] }],
    // S3 storage, whose abort always succeeds: these tests are about the gateway asking for the abort
    // (on the default disk storage, DocSpace refuses to abort once a chunk is stored; storage_test.ts)
    dataStore: "s3",
    ...emulatorOptions,
  });
  const sent: Sent[] = [];
  const logs: string[] = [];
  const app = createUploadGateway({
    env: {
      DOCSPACE_URL: PORTAL,
      DOCSPACE_TOKEN: TOKEN,
      UPLOAD_SECRET: SECRET,
      ...env,
    },
    fetch: async (input, init) => {
      const request = withLength(new Request(input, init), init?.body);
      sent.push({
        url: request.url,
        authorization: request.headers.get("authorization"),
        contentLength: request.headers.get("content-length"),
      });
      const answer = Promise.resolve(
        upstream?.(request) ?? emulator.app.fetch(request),
      );
      // A real fetch gives up when its signal aborts, whatever the server is doing.
      const signal = init?.signal;
      if (!signal) return await answer;
      signal.throwIfAborted();
      let onAbort = () => {};
      try {
        return await Promise.race([
          answer,
          new Promise<never>((_, reject) => {
            onAbort = () => reject(signal.reason);
            signal.addEventListener("abort", onAbort, { once: true });
          }),
        ]);
      } finally {
        signal.removeEventListener("abort", onAbort);
      }
    },
    log: (line) => logs.push(line),
  });
  const fetch: typeof globalThis.fetch = async (input, init) =>
    await app.fetch(withLength(new Request(input, init), init?.body));
  return { app, emulator, sent, logs, fetch };
}

/** A ticket for `folderId`, made with the harness's secret. */
export function ticket(
  folderId: number | string = 1,
  maxBytes = 100 * CHUNK,
  expiresIn = 600,
): Promise<string> {
  return createUploadTicket({ secret: SECRET, folderId, maxBytes, expiresIn });
}

/** The message of the gateway's JSON error reply, after checking its status and content type. */
export async function errorOf(
  response: Response,
  status: number,
): Promise<string> {
  const text = await response.text();
  assertEquals(response.status, status, text);
  assertEquals(
    response.headers.get("content-type"),
    "application/json; charset=utf-8",
  );
  const message = JSON.parse(text).error?.message;
  assertEquals(typeof message, "string", text);
  return message;
}

/**
 * POSTs `body` (a stream too) to the gateway's app as it is, without the Content-Length that the harness's
 * `fetch` adds; a path is taken on the gateway's origin.
 */
export function post(
  h: Harness,
  url: string,
  body: BodyInit | ReadableStream<Uint8Array> | null,
  headers: Record<string, string>,
): Promise<Response> {
  return Promise.resolve(h.app.request(new URL(url, WORKER).href, {
    method: "POST",
    headers,
    body,
    duplex: "half",
  } as RequestInit));
}

/** Asks the gateway to create a session; `route` is `upload/create_session` or `session` (3.7.1+). */
export function createSession(
  h: Harness,
  credential: string,
  body: unknown,
  folderId: number | string = 1,
  route = "upload/create_session",
): Promise<Response> {
  return h.fetch(`${WORKER}/api/2.0/files/${folderId}/${route}`, {
    method: "POST",
    headers: { ...bearer(credential), "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

/** A session as the gateway hands it out: its id, its location, and DocSpace's other fields. */
export type GatewaySession =
  & { id: string; location: string }
  & Record<string, string | undefined>;

/** Opens a session for a file `a.bin` of `fileSize` bytes (answered 200), as `createSession`. */
export async function openSession(
  h: Harness,
  credential: string,
  fileSize: number,
  folderId: number | string = 1,
  route = "upload/create_session",
): Promise<GatewaySession> {
  const response = await createSession(
    h,
    credential,
    { fileName: "a.bin", fileSize },
    folderId,
    route,
  );
  const body = await response.json();
  assertEquals(response.status, 200, JSON.stringify(body));
  return route === "session" ? body.response : body.response.data;
}

/** Sends `bytes` framed as one chunk (or no body, without them) to `url` with `method`. */
export function send(
  h: Harness,
  credential: string,
  method: string,
  url: string,
  bytes?: Uint8Array,
): Promise<Response> {
  const chunk = bytes && createChunkBody(bytes);
  return h.fetch(url, {
    method,
    headers: {
      ...bearer(credential),
      ...(chunk ? { "content-type": chunk.contentType } : {}),
    },
    ...(chunk ? { body: chunk.body as Uint8Array<ArrayBuffer> } : {}),
  });
}
