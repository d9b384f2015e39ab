/** The create-session body, after the server's case-insensitive binding. */
export interface SessionRequest {
  fileName: string;
  fileSize: number;
  relativePath?: string;
  createNewIfExist: boolean;
}

function int64(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isSafeInteger(value)) return value;
  // ASP.NET's web JSON defaults also read numbers from strings.
  if (typeof value === "string" && /^-?\d+$/.test(value.trim())) {
    return Number(value.trim());
  }
  return undefined;
}

/** Binds a create-session JSON body, or returns the 400 message. */
export function parseSessionRequest(body: Uint8Array): SessionRequest | string {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(body));
  } catch {
    return "The request body is not valid JSON";
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    return "The JSON value could not be converted to the session request";
  }
  const fields = new Map(
    Object.entries(json).map(([k, v]) => [k.toLowerCase(), v]),
  );
  const fileName = fields.get("filename");
  if (typeof fileName !== "string" || fileName.trim() === "") {
    return "Value cannot be null. (Parameter 'fileName')";
  }
  const rawSize = fields.get("filesize");
  if (rawSize === undefined || rawSize === null) {
    return "Value cannot be null. (Parameter 'fileSize')";
  }
  const fileSize = int64(rawSize);
  if (fileSize === undefined) {
    return "The JSON value could not be converted to System.Int64. Path: $.fileSize";
  }
  if (fileSize < 0) {
    return "Specified argument was out of the range of valid values. (Parameter 'fileSize')";
  }
  const relativePath = fields.get("relativepath") ?? undefined;
  if (relativePath !== undefined && typeof relativePath !== "string") {
    return "The JSON value could not be converted to System.String. Path: $.relativePath";
  }
  const createNewIfExist = fields.get("createnewifexist") ?? false;
  if (typeof createNewIfExist !== "boolean") {
    return "The JSON value could not be converted to System.Boolean. Path: $.createNewIfExist";
  }
  return {
    fileName: fileName.trim(),
    fileSize,
    createNewIfExist,
    ...(relativePath === undefined || relativePath === ""
      ? {}
      : { relativePath }),
  };
}
