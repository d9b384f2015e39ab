// In-process harness for the upload gateway: an emulator as DocSpace behind the gateway's injected fetch, a
// fetch that reaches the gateway, and a record of every upstream request and log line.
import type { Hono } from "hono";
import { createUploadTicket } from "../../mod.ts";
import { createUploadGateway } from "../../gateway.ts";
import { DocSpaceEmulator, type EmulatorOptions } from "../../testing.ts";

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

/** `Authorization: Bearer …` headers. */
export function bearer(credential: string): Record<string, string> {
  return { authorization: `Bearer ${credential}` };
}
