// One chunk's request: a framed body posted to its session's chunk address on the route generation it was
// opened on (`rest.ts` or `legacy.ts`), numbered or sequential, and the server's answer: the session goes on, or the file
// is complete (201).
import { send } from "./read_reply.ts";
import type { Portal } from "./portal.ts";
import { generationOf, targetOf } from "./sessions.ts";
import { uploadedFile } from "./session_replies.ts";
import { type ChunkBody, createChunkBody } from "../chunk_body.ts";
import type {
  ChunkResult,
  SessionTarget,
  UploadChunkOptions,
} from "../session_types.ts";

/**
 * The body to send: an upload's chunk comes framed (`frameChunk`); bare bytes given to
 * `SessionClient.uploadChunk` are framed as {@linkcode createChunkBody} frames them.
 */
function bodyOf(chunk: Blob | Uint8Array | ChunkBody): ChunkBody {
  return chunk instanceof Blob || chunk instanceof Uint8Array
    ? createChunkBody(chunk)
    : chunk;
}

/** Sends one chunk, numbered or sequential. */
export async function sendChunk(
  portal: Portal,
  session: SessionTarget,
  chunk: Blob | Uint8Array | ChunkBody,
  options: UploadChunkOptions,
): Promise<ChunkResult> {
  const step = `chunk ${options.chunkNumber}`;
  const target = targetOf(session);
  const generation = generationOf(target.routes);
  const url = generation.chunk(
    portal,
    target,
    (options.numbered ?? true) ? options.chunkNumber : undefined,
    step,
  );
  const { body, contentType } = bodyOf(chunk);
  const headers = new Headers(portal.headers);
  headers.set("content-type", contentType);
  const reply = await send(step, portal.fetch, url, {
    method: "POST",
    headers,
    body,
    signal: options.signal ?? null,
  });
  const { status, data } = generation.read(step, reply);
  return status === 201
    ? { done: true, file: uploadedFile(data, step) }
    : { done: false };
}
