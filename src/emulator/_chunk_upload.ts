// Reading a chunk out of a request, as the server's two readers do: the numbered legacy route's
// MultipartReader with its Content-Length arithmetic, and ASP.NET's form parsing everywhere else.
import type { Context } from "hono";
import { contextOf, type EmulatorCore } from "./_context.ts";
import { boundaryOf, readFirstPart } from "./_first_part.ts";
import { type IncomingChunk, ServerException } from "./_uploader.ts";
import { numberedChunkLength } from "./chunk_length.ts";

/** ChunkedRequestHelper.ChunkNumber: `int.TryParse`; absent or unparsable means "number by arrival". */
export function chunkNumberOf(raw: string | undefined): number | undefined {
  if (raw === undefined || !/^\s*[+-]?\d+\s*$/.test(raw)) return undefined;
  const number = Number(raw);
  return number >= -2147483648 && number <= 2147483647 ? number : undefined;
}

/**
 * The legacy numbered route (ChunkedUploaderHandler.cs, UploadAsync): the first part's body is what is
 * stored (DiscDataStore copies the section's whole stream); its length is computed from Content-Length and
 * the part's headers, never measured. The computed length is recorded in the log.
 */
export function readNumberedChunk(
  core: EmulatorCore,
  c: Context,
): Omit<IncomingChunk, "number"> {
  const { entry, body } = contextOf(core, c.req.raw);
  // MultipartRequestHelper.GetBoundary
  const boundary = boundaryOf(c.req.header("content-type") ?? null);
  if (boundary === undefined) {
    throw new ServerException("io", "Missing content-type boundary.");
  }
  if (boundary.length > 100) {
    throw new ServerException(
      "io",
      "Multipart boundary length limit 100 exceeded.",
    );
  }
  // MultipartReader.ReadNextSectionAsync and the section's body stream
  const part = readFirstPart(body, boundary);
  if (part === undefined || part.dataEnd < 0) {
    throw new ServerException(
      "io",
      "Unexpected end of Stream, the content may have already been read by another component. ",
    );
  }
  const contentLength = c.req.header("content-length");
  if (contentLength === undefined || !/^\d+$/.test(contentLength)) {
    // context.Request.ContentLength.Value on a request without Content-Length
    throw new ServerException("io", "Nullable object must have a value.");
  }
  const length = numberedChunkLength(
    Number(contentLength),
    boundary,
    part.headers,
  );
  entry.computedLength = length;
  // A view, not a copy: the request body is the emulator's own and is not reused.
  return { bytes: body.subarray(part.dataStart, part.dataEnd), length };
}

/**
 * ASP.NET form parsing (`ReadFormAsync().Files[0]`, or an `IFormFile` parameter): the first file part (one
 * whose Content-Disposition names a `filename`) and its real length. Undefined when there is none. Read
 * in place, without copying the body. With `field`, only a file part of that form name counts, compared
 * case-insensitively, as FormFileModelBinder binds an `IFormFile File` property.
 */
export function readFormFile(
  core: EmulatorCore,
  c: Context,
  field?: string,
): Omit<IncomingChunk, "number"> | undefined {
  const { entry, body } = contextOf(core, c.req.raw);
  const boundary = boundaryOf(c.req.header("content-type") ?? null);
  if (boundary === undefined) return undefined;
  for (let at = 0;;) {
    const part = readFirstPart(body, boundary, at);
    if (part === undefined || part.dataEnd < 0) return undefined;
    const disposition = part.headers.find(([name]) =>
      name.toLowerCase() === "content-disposition"
    )?.[1] ?? "";
    const name = /(?:^|;)\s*name\s*=\s*(?:"([^"]*)"|([^;\s]*))/i.exec(
      disposition,
    );
    const named = field === undefined ||
      (name?.[1] ?? name?.[2] ?? "").toLowerCase() === field.toLowerCase();
    if (named && /(^|;)\s*filename\*?\s*=/i.test(disposition)) {
      const bytes = body.subarray(part.dataStart, part.dataEnd);
      entry.computedLength = bytes.length;
      return { bytes, length: bytes.length };
    }
    at = part.dataEnd + 2; // the next part starts at this part's closing "--boundary"
  }
}
