// What an authenticated caller may do: which folder, how many bytes, under which file name. Every refusal is
// an HTTPException with the status the gateway promises.
import type { Caller } from "./_context.ts";
import type { GatewayConfig } from "./_config.ts";
import { httpError } from "./_responses.ts";

// deno-lint-ignore no-control-regex
const CONTROL = /[\x00-\x1f\x7f]/;

/** Whether a text has control characters (C0 or DEL), which no name or id may hold. */
export function hasControlCharacters(text: string): boolean {
  return CONTROL.test(text);
}

const UNPRINTABLE =
  // deno-lint-ignore no-control-regex
  /[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** Checks a folder id from the path: 400 when unusable, 403 outside the ticket or `ALLOWED_FOLDERS`. */
export function permitFolder(
  caller: Caller,
  folderId: string,
  config: GatewayConfig,
): void {
  if (
    folderId === "" || folderId.length > 256 || UNPRINTABLE.test(folderId)
  ) {
    throw httpError(400, "Bad folder id");
  }
  if (caller.kind === "ticket" && caller.ticket.folderId !== folderId) {
    throw httpError(
      403,
      `The upload ticket does not allow folder ${JSON.stringify(folderId)}`,
    );
  }
  if (config.allowedFolders && !config.allowedFolders.has(folderId)) {
    throw httpError(
      403,
      `Uploads into folder ${
        JSON.stringify(folderId)
      } are not allowed (ALLOWED_FOLDERS)`,
    );
  }
}

/** Checks a file size against the ticket, `MAX_FILE_SIZE` and, for a direct upload, the body limit; 413. */
export function permitSize(
  caller: Caller,
  size: number,
  config: GatewayConfig,
  direct: boolean,
): void {
  if (caller.kind === "ticket" && size > caller.ticket.maxBytes) {
    throw httpError(
      413,
      `The file has ${size} bytes; the upload ticket allows at most ${caller.ticket.maxBytes}`,
    );
  }
  if (config.maxFileSize !== undefined && size > config.maxFileSize) {
    throw httpError(
      413,
      `The file has ${size} bytes; this gateway accepts at most ${config.maxFileSize} (MAX_FILE_SIZE)`,
    );
  }
  if (direct && size > config.maxBodySize) {
    throw httpError(
      413,
      `The file has ${size} bytes, more than the platform's request body limit of ${config.maxBodySize}; upload it in chunks through the DocSpace-compatible routes (uploadFile with this gateway's URL)`,
    );
  }
}

/** Checks a file name: 400 unless it is a plain name (no path, no control characters, 1-255 characters). */
export function checkFileName(name: string | undefined): string {
  if (name === undefined || name.trim() === "") {
    throw httpError(
      400,
      "The file name is missing: send X-File-Name (percent-encoded UTF-8) or ?name=",
    );
  }
  if (hasControlCharacters(name)) {
    throw httpError(400, "Bad file name: it has control characters");
  }
  if (/[/\\]/.test(name) || name === "." || name === "..") {
    throw httpError(
      400,
      "Bad file name: it must be a name, not a path",
    );
  }
  if (name.length > 255) {
    throw httpError(
      400,
      "Bad file name: it is longer than 255 characters",
    );
  }
  return name;
}

/** Reads `Content-Length`: 411 when absent, 400 when not a number. */
export function contentLength(header: string | undefined): number {
  if (header === undefined) {
    throw httpError(
      411,
      "Content-Length is required: it is the file's size",
    );
  }
  const length = Number(header);
  if (!/^\d+$/.test(header.trim()) || !Number.isSafeInteger(length)) {
    throw httpError(400, "Bad Content-Length");
  }
  return length;
}
