// Small HTTP helpers for the emulator tests: create sessions, send chunks, compare bytes.
import { createChunkBody } from "../../src/client/chunk_body.ts";
import type { RunningEmulator } from "../../testing.ts";

export interface Reply {
  status: number;
  // deno-lint-ignore no-explicit-any
  json: any;
}

async function reply(response: Response): Promise<Reply> {
  const text = await response.text();
  return {
    status: response.status,
    json: text === "" ? undefined : JSON.parse(text),
  };
}

import { bearer } from "../_helpers.ts";

export { bearer, randomBytes, sha256 } from "../_helpers.ts";

export async function api(
  server: RunningEmulator,
  path: string,
  body: unknown,
  headers: Record<string, string> = bearer(server.token),
): Promise<Reply> {
  return reply(
    await fetch(`${server.url}${path}`, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body: JSON.stringify(body),
    }),
  );
}

/** Creates a session in folder 1 (or another) and returns its location. */
export async function createSession(
  server: RunningEmulator,
  body: Record<string, unknown>,
  folderId: number | string = 1,
  token: string = server.token,
): Promise<string> {
  const { status, json } = await api(
    server,
    `/api/2.0/files/${folderId}/upload/create_session`,
    body,
    bearer(token),
  );
  if (status !== 200) {
    throw new Error(`Cannot create session: ${status} ${JSON.stringify(json)}`);
  }
  return json.response.data.location;
}

/** Posts a raw body to `location` + query. */
export async function post(
  url: string,
  body: BodyInit | undefined,
  headers: Record<string, string>,
): Promise<Reply> {
  return reply(
    await fetch(url, {
      method: "POST",
      headers,
      ...(body === undefined ? {} : { body }),
    }),
  );
}

/** Sends one chunk framed by createChunkBody; numbered when `chunkNumber` is given, else sequential. */
export function sendChunk(
  location: string,
  bytes: Uint8Array<ArrayBuffer>,
  token: string,
  chunkNumber?: number,
): Promise<Reply> {
  const chunk = createChunkBody(new Blob([bytes]));
  const url = chunkNumber === undefined
    ? location
    : `${location}&upload=true&chunkNumber=${chunkNumber}`;
  return post(url, chunk.body, {
    ...bearer(token),
    "content-type": chunk.contentType,
  });
}

export function finalize(location: string, token: string): Promise<Reply> {
  return post(`${location}&finalize=true`, undefined, bearer(token));
}

/** Uploads `bytes` in numbered chunks of `size`, then finalizes. */
export async function uploadNumbered(
  location: string,
  bytes: Uint8Array<ArrayBuffer>,
  size: number,
  token: string,
): Promise<Reply> {
  for (let n = 1; (n - 1) * size < bytes.length; n++) {
    const sent = await sendChunk(
      location,
      bytes.slice((n - 1) * size, n * size),
      token,
      n,
    );
    if (sent.json?.success !== true) {
      throw new Error(`Chunk ${n} refused: ${JSON.stringify(sent.json)}`);
    }
  }
  return finalize(location, token);
}
