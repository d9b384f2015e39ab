// The body of a create-session request (`upload/create_session` and `session`), read with a size limit and
// rebuilt from the fields DocSpace knows, so a caller cannot smuggle a second, differently-cased fileSize past
// the size check.
import { HTTPException } from "hono/http-exception";
import { checkFileName, hasControlCharacters } from "./_permits.ts";
import { httpError } from "./_responses.ts";

/** What the gateway forwards to DocSpace's create-session endpoints. */
export interface CreateSessionBody {
  fileName: string;
  fileSize: number;
  createNewIfExist?: boolean;
  relativePath?: string;
  createOn?: string;
}

const LIMIT = 65536;

async function readText(
  declared: number,
  body: ReadableStream<Uint8Array>,
): Promise<string> {
  if (declared > LIMIT) {
    throw httpError(413, "The session request body is too large");
  }
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const part of body) {
    size += part.length;
    if (size > LIMIT) {
      throw httpError(413, "The session request body is too large");
    }
    parts.push(part);
  }
  return new TextDecoder().decode(
    await new Blob(parts as BlobPart[]).arrayBuffer(),
  );
}

/** ISO 8601: a date, optionally a time (minutes, seconds, up to 7 decimals) and an offset or Z. */
const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})(?:T([01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,7})?)?(?:Z|[+-](?:[01]\d|2[0-3]):?[0-5]\d)?)?$/;

/** Whether a text is an ISO 8601 date (and time) of a day that exists. */
export function isIsoDate(text: string): boolean {
  const match = ISO_8601.exec(text);
  if (match === null) return false;
  const [year, month, day] = match.slice(1, 4).map(Number) as [
    number,
    number,
    number,
  ];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day;
}

function badRequest(detail: string): HTTPException {
  return httpError(400, `Bad session request: ${detail}`);
}

/** The body's JSON object, its keys lowercased (DocSpace binds them in any case); 400 for a key given twice. */
async function fieldsOf(
  declared: number,
  body: ReadableStream<Uint8Array>,
): Promise<Map<string, unknown>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readText(declared, body));
  } catch (error) {
    if (error instanceof HTTPException) throw error;
    throw badRequest("the body must be JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw badRequest("the body must be a JSON object");
  }
  const fields = new Map<string, unknown>();
  for (const [key, value] of Object.entries(parsed)) {
    const name = key.toLowerCase();
    if (fields.has(name)) throw badRequest(`${key} is given twice`);
    fields.set(name, value);
  }
  return fields;
}

/** `fileSize`: a non-negative integer, or its digits; 411 when missing. */
function fileSizeOf(size: unknown): number {
  if (size === undefined || size === null) {
    throw httpError(411, "fileSize is required: the file's size in bytes");
  }
  const fileSize = typeof size === "string" && /^\d+$/.test(size)
    ? Number(size)
    : size;
  if (
    typeof fileSize !== "number" || !Number.isSafeInteger(fileSize) ||
    fileSize < 0
  ) {
    throw badRequest("fileSize must be a non-negative integer");
  }
  return fileSize;
}

/** `createNewIfExist`: true or false, or their text. */
function createNewOf(createNew: unknown): boolean {
  if (
    createNew !== true && createNew !== false && createNew !== "true" &&
    createNew !== "false"
  ) {
    throw badRequest("createNewIfExist must be true or false");
  }
  return createNew === true || createNew === "true";
}

/** `relativePath`: folder names separated by `/`, none empty, `.`, `..` or with a backslash or control character. */
function relativePathOf(relativePath: unknown): string {
  if (
    typeof relativePath !== "string" || relativePath.length > 1024 ||
    relativePath.split("/").some((segment) =>
      segment === "" || segment === "." || segment === ".." ||
      segment.includes("\\") || hasControlCharacters(segment)
    )
  ) {
    throw badRequest("relativePath must be folder names separated by /");
  }
  return relativePath;
}

/** `createOn`: an ISO 8601 date (and time). */
function createOnOf(createOn: unknown): string {
  if (typeof createOn !== "string" || !isIsoDate(createOn)) {
    throw badRequest(
      "createOn must be an ISO 8601 date, like 2024-05-31 or 2024-05-31T12:00:00Z",
    );
  }
  return createOn;
}

/**
 * Reads and checks `{ fileName, fileSize, createNewIfExist?, relativePath?, createOn? }` (keys in any case)
 * from a body of `declared` bytes (its `Content-Length`, 0 when absent).
 */
export async function readCreateSessionBody(
  declared: number,
  body: ReadableStream<Uint8Array>,
): Promise<CreateSessionBody> {
  const fields = await fieldsOf(declared, body);
  const fileName = fields.get("filename");
  const result: CreateSessionBody = {
    fileName: checkFileName(
      typeof fileName === "string" ? fileName : undefined,
    ),
    fileSize: fileSizeOf(fields.get("filesize")),
  };
  const createNew = fields.get("createnewifexist");
  if (createNew !== undefined) result.createNewIfExist = createNewOf(createNew);
  const relativePath = fields.get("relativepath");
  if (
    relativePath !== undefined && relativePath !== null && relativePath !== ""
  ) {
    result.relativePath = relativePathOf(relativePath);
  }
  const createOn = fields.get("createon");
  if (createOn !== undefined && createOn !== null) {
    result.createOn = createOnOf(createOn);
  }
  return result;
}
