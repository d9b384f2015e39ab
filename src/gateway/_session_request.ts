// The body of a create-session request, read with a size limit and rebuilt from the fields DocSpace knows, so
// a caller cannot smuggle a second, differently-cased fileSize past the size check.
import { checkFileName, hasControlCharacters } from "./_access.ts";
import { GatewayError } from "./_reply.ts";

/** What the gateway forwards to DocSpace's create_session. */
export interface SessionRequest {
  fileName: string;
  fileSize: number;
  createNewIfExist?: boolean;
  relativePath?: string;
  createOn?: string;
}

const LIMIT = 65536;

async function readText(request: Request): Promise<string> {
  const declared = Number(request.headers.get("content-length") ?? 0);
  if (declared > LIMIT) {
    throw new GatewayError(413, "The session request body is too large");
  }
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const part of request.body ?? []) {
    size += part.length;
    if (size > LIMIT) {
      throw new GatewayError(413, "The session request body is too large");
    }
    parts.push(part);
  }
  return new TextDecoder().decode(
    await new Blob(parts as BlobPart[]).arrayBuffer(),
  );
}

function badRequest(detail: string): GatewayError {
  return new GatewayError(400, `Bad session request: ${detail}`);
}

/** Reads and checks `{ fileName, fileSize, createNewIfExist?, relativePath?, createOn? }` (keys in any case). */
export async function readSessionRequest(
  request: Request,
): Promise<SessionRequest> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readText(request));
  } catch (error) {
    if (error instanceof GatewayError) throw error;
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
  const fileName = fields.get("filename");
  const result: SessionRequest = {
    fileName: checkFileName(
      typeof fileName === "string" ? fileName : undefined,
    ),
    fileSize: 0,
  };
  const size = fields.get("filesize");
  if (size === undefined || size === null) {
    throw new GatewayError(
      411,
      "fileSize is required: the file's size in bytes",
    );
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
  result.fileSize = fileSize;
  const createNew = fields.get("createnewifexist");
  if (createNew !== undefined) {
    if (
      createNew !== true && createNew !== false && createNew !== "true" &&
      createNew !== "false"
    ) {
      throw badRequest("createNewIfExist must be true or false");
    }
    result.createNewIfExist = createNew === true || createNew === "true";
  }
  const relativePath = fields.get("relativepath");
  if (
    relativePath !== undefined && relativePath !== null && relativePath !== ""
  ) {
    if (
      typeof relativePath !== "string" || relativePath.length > 1024 ||
      relativePath.split("/").some((segment) =>
        segment === "" || segment === "." || segment === ".." ||
        segment.includes("\\") || hasControlCharacters(segment)
      )
    ) {
      throw badRequest("relativePath must be folder names separated by /");
    }
    result.relativePath = relativePath;
  }
  const createOn = fields.get("createon");
  if (createOn !== undefined && createOn !== null) {
    if (typeof createOn !== "string" || createOn.length > 64) {
      throw badRequest("createOn must be an ISO date");
    }
    result.createOn = createOn;
  }
  return result;
}
