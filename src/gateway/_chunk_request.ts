// A chunk on its way through the gateway, on the legacy endpoint and on the REST session routes alike: checked
// against its session's size by Content-Length, then streamed upstream as it arrives, never held.
import type { Context } from "hono";
import { contentLength } from "./_access.ts";
import { GatewayError } from "./_reply.ts";
import type { BoundSession } from "./_session_binding.ts";
import { MAX_CHUNK_SIZE } from "../client/rechunk_stream.ts";

/** What one part's multipart framing may add to a chunk's bytes. */
const FRAMING_ALLOWANCE = 16384;

/** A request init with a streamed body (`duplex` is not in every runtime's `RequestInit` type). */
export type StreamingInit = RequestInit & { duplex: "half" };

/**
 * The upstream request for a chunk: the caller's `Content-Type` and `Content-Length`, and its body streamed
 * through. 411 without `Content-Length`, 400 when it is not a number, 413 when it is more than the session's
 * file (or the largest chunk) plus framing.
 */
export function chunkInit(
  c: Context,
  session: BoundSession,
  method = "POST",
): StreamingInit {
  const length = contentLength(c.req.header("content-length"));
  if (
    length > Math.min(session.bytesTotal, MAX_CHUNK_SIZE) + FRAMING_ALLOWANCE
  ) {
    throw new GatewayError(
      413,
      `The chunk request has ${length} bytes, more than this session's file or chunk size allows`,
    );
  }
  return {
    method,
    duplex: "half",
    headers: {
      "content-type": c.req.header("content-type") ?? "",
      "content-length": String(length),
    },
    body: length > 0 ? c.req.raw.body : null,
  };
}

/**
 * Checks a `chunkNumber` query value: absent stays absent (the server numbers the chunk by arrival); anything
 * but a positive integer is 400, since the server would store it under a number it never counts.
 */
export function chunkNumberOf(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!/^[1-9]\d{0,8}$/.test(value)) {
    throw new GatewayError(
      400,
      `chunkNumber must be a positive integer, received ${
        JSON.stringify(value.slice(0, 32))
      }`,
    );
  }
  return value;
}
