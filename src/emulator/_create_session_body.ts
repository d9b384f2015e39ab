// Binding the create-session body (products/ASC.Files/Server/ApiModels/RequestDto/SessionRequestDto.cs):
// System.Text.Json with the web defaults, case-insensitive names and numbers read from strings
// (common/ASC.Api.Core/Core/DynamicIgnoreResolver.cs, ConfigureJsonOptions).

/** The create-session body, after the server's case-insensitive binding. */
export interface CreateSessionBody {
  /** `required string FileName`: present, but may be null or empty (the server refuses those later). */
  fileName: string | null;
  /** `long FileSize`: 0 when absent; a negative size is not refused here. */
  fileSize: number;
  relativePath?: string;
  createNewIfExist: boolean;
}

/** A model-binding failure: the model-state key and its message, for the automatic 400. */
export interface BodyError {
  field: string;
  message: string;
}

const TYPE = "ASC.Files.ApiModels.RequestDto.SessionRequest";

function int64(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isSafeInteger(value)) return value;
  // JsonNumberHandling.AllowReadingFromString
  if (typeof value === "string" && /^-?\d+$/.test(value)) {
    const number = Number(value);
    return Number.isSafeInteger(number) ? number : undefined;
  }
  return undefined;
}

const convert = (path: string, type: string): BodyError => ({
  field: path,
  message: `The JSON value could not be converted to ${type}. Path: ${path}`,
});

/** Binds a create-session JSON body, or returns the binding error (answered by ASP.NET's automatic 400). */
export function parseCreateSessionBody(
  body: Uint8Array,
): CreateSessionBody | BodyError {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(body));
  } catch {
    return { field: "$", message: "The request body is not valid JSON." };
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    return convert("$", TYPE);
  }
  const fields = new Map(
    Object.entries(json).map(([k, v]) => [k.toLowerCase(), v]),
  );
  if (!fields.has("filename")) {
    return {
      field: "$",
      message:
        `JSON deserialization for type '${TYPE}' was missing required properties including: 'fileName'.`,
    };
  }
  const fileName = fields.get("filename");
  if (fileName !== null && typeof fileName !== "string") {
    return convert("$.fileName", "System.String");
  }
  const rawSize = fields.get("filesize");
  const fileSize = rawSize === undefined ? 0 : int64(rawSize);
  if (fileSize === undefined) return convert("$.fileSize", "System.Int64");
  const relativePath = fields.get("relativepath") ?? undefined;
  if (relativePath !== undefined && typeof relativePath !== "string") {
    return convert("$.relativePath", "System.String");
  }
  const createNewIfExist = fields.get("createnewifexist") ?? false;
  if (typeof createNewIfExist !== "boolean") {
    return convert("$.createNewIfExist", "System.Boolean");
  }
  return {
    fileName,
    fileSize,
    createNewIfExist,
    ...(relativePath === undefined || relativePath === ""
      ? {}
      : { relativePath }),
  };
}
