// Route 1: POST /upload/:folderId, the body is the file, streamed into numbered chunks by uploadFile.
import type { Context, Hono } from "hono";
import {
  checkFileName,
  contentLength,
  permitFolder,
  permitSize,
} from "./_access.ts";
import { GatewayError, json } from "./_reply.ts";
import { callerOf, type Gateway } from "./_upstream.ts";
import { DocSpaceError } from "../client/errors.ts";
import { uploadFile } from "../client/upload_file.ts";

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

/** Adds `POST /upload/:folderId`. */
export function addDirectUpload(app: Hono, gateway: Gateway): void {
  const { config } = gateway;
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
}
