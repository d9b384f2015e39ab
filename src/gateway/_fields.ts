// Replies carry known fields only: DocSpace's session, file and settings objects are rebuilt from the fields
// DocSpace documents (products/ASC.Files/Core/ApiModels/ResponseDto/FileDto.cs and FileEntryDto.cs,
// ChunkedUploadSession.cs, FilesSettingsDto.cs), so nothing else an upstream reply holds reaches a caller.

/** A JSON object. */
export type Json = Record<string, unknown>;

/** The value as a plain object, or undefined when it is not one. */
export function record(value: unknown): Json | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? value as Json
    : undefined;
}

function isScalar(value: unknown): value is string | number | boolean {
  return typeof value === "string" || typeof value === "boolean" ||
    (typeof value === "number" && Number.isFinite(value));
}

/** The listed fields of `source` that hold a string, number or boolean. */
function scalars(source: Json, names: readonly string[]): Json {
  const out: Json = {};
  for (const name of names) {
    if (isScalar(source[name])) out[name] = source[name];
  }
  return out;
}

/** A session: `id`, `path` (folder ids), `created`, `expired`, `location`, `bytes_total`. */
export function sessionFields(value: unknown): Json | undefined {
  const source = record(value);
  if (source === undefined) return undefined;
  const out = scalars(source, ["id", "created", "expired", "location"]);
  if (Array.isArray(source.path)) {
    out.path = source.path.filter((id) =>
      typeof id === "string" || typeof id === "number"
    );
  }
  if (isScalar(source.bytes_total)) out.bytes_total = source.bytes_total;
  return out;
}

const FILE = [
  "id",
  "title",
  "folderId",
  "parentId",
  "version",
  "versionGroup",
  "contentLength",
  "pureContentLength",
  "fileStatus",
  "fileType",
  "fileExst",
  "comment",
  "encrypted",
  "locked",
  "lockedBy",
  "mute",
  "viewUrl",
  "webUrl",
  "shortWebUrl",
  "thumbnailUrl",
  "thumbnailStatus",
  "hasDraft",
  "isForm",
  "rootFolderId",
  "rootFolderType",
  "access",
  "shared",
  "created",
  "updated",
  "providerItem",
  "providerKey",
  "providerId",
] as const;

function person(value: unknown): Json | undefined {
  const source = record(value);
  return source && scalars(source, ["id", "displayName"]);
}

/** A file object (FileDto): its documented scalar fields, and `createdBy`/`updatedBy` as id and name. */
export function fileFields(value: unknown): Json | undefined {
  const source = record(value);
  if (source === undefined) return undefined;
  const out = scalars(source, FILE);
  for (const name of ["createdBy", "updatedBy"]) {
    const who = person(source[name]);
    if (who !== undefined) out[name] = who;
  }
  return out;
}

/** A finished upload: `id`, `folderId`, `version`, `title`, `uploaded`, the provider key, and `file`. */
export function completionFields(value: unknown): Json | undefined {
  const source = record(value);
  if (source === undefined) return undefined;
  const out = scalars(source, [
    "id",
    "folderId",
    "version",
    "title",
    "uploaded",
    "providerKey",
    "provider_key",
  ]);
  const file = fileFields(source.file);
  if (file !== undefined) out.file = file;
  return out;
}

/** The upload settings a client needs: `chunkUploadSize`, `maxUploadThreadCount`, `maxUploadFilesCount`. */
export function settingsFields(value: unknown): Json | undefined {
  const source = record(value);
  return source && scalars(source, [
    "chunkUploadSize",
    "maxUploadThreadCount",
    "maxUploadFilesCount",
  ]);
}

/** A success envelope rebuilt around `response`: `count`, `status` and `statusCode` kept, `links` dropped. */
export function envelopeFields(envelope: Json, response: unknown): Json {
  const out = scalars(envelope, ["count", "status", "statusCode"]);
  return response === undefined ? out : { response, ...out };
}
