// The chunk request of a session, on the route generation it was opened on (src/client/_docspace/):
// the one DocSpace request not yet built in _docspace/; it moves to the chunk code.
import { send } from "./_docspace/read_reply.ts";
import type { Portal } from "./_docspace/portal.ts";
import { generationOf, targetOf } from "./_docspace/sessions.ts";
import { uploadedFile } from "./_docspace/session_replies.ts";
import type {
  ChunkResult,
  SessionTarget,
  UploadChunkOptions,
} from "./session_types.ts";
import { type ChunkBody, createChunkBody } from "./chunk_body.ts";

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
  const { body, contentType } =
    chunk instanceof Blob || chunk instanceof Uint8Array
      ? createChunkBody(chunk)
      : chunk;
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
