// The REST route generation of DocSpace 3.7.1 and later: `POST {folderId}/session` opens a session; its
// chunks go to `…/session/{id}/upload?chunkNumber=N` (numbered) or `…/session/{id}` (sequential), then
// `PUT …/finalize`, or `DELETE …/session/{id}`. Replies are /api/2.0 envelopes with real HTTP statuses.
import { envelope } from "./read_reply.ts";
import { folderUrl } from "./portal.ts";
import type { RouteGeneration } from "./route_generation.ts";

/**
 * A REST session's address, `{url}/api/2.0/files/{folderId}/session/{sessionId}{suffix}`, on the portal at
 * `url`. `suffix`: `""` (a sequential chunk, the abort), `/upload?chunkNumber=N` (a numbered chunk) or
 * `/finalize`.
 */
export function restSessionUrl(
  url: string,
  folderId: number | string,
  sessionId: string,
  suffix: string,
): string {
  return `${folderUrl(url, folderId)}/session/${
    encodeURIComponent(sessionId)
  }${suffix}`;
}

/** The REST route generation. */
export const restGeneration: RouteGeneration = {
  create: (url, folderId) => `${folderUrl(url, folderId)}/session`,
  opened: () => {},
  chunk: (portal, target, chunkNumber) =>
    restSessionUrl(
      portal.url,
      target.folderId,
      target.id,
      chunkNumber === undefined ? "" : `/upload?chunkNumber=${chunkNumber}`,
    ),
  finalize: (portal, target) => ({
    url: restSessionUrl(portal.url, target.folderId, target.id, "/finalize"),
    method: "PUT",
  }),
  abort: (portal, target) => ({
    url: restSessionUrl(portal.url, target.folderId, target.id, ""),
    method: "DELETE",
  }),
  read: (step, reply) => ({
    status: reply.response.status,
    data: envelope(step, reply),
  }),
  // A REST abort answers a success without `response`.
  readAbort: (reply) => void envelope("abort", reply, true),
};
