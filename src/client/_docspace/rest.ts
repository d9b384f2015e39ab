// The REST session routes of DocSpace 3.7.1 and later: `POST {folderId}/session` opens a session; its
// chunks go to `…/session/{id}/upload?chunkNumber=N` (numbered) or `…/session/{id}` (sequential), then
// `PUT …/finalize`, or `DELETE …/session/{id}`. Replies are /api/2.0 envelopes with real HTTP statuses.
import { envelope } from "./read_reply.ts";
import type { Portal } from "./portal.ts";
import {
  folderPath,
  type SessionRouteFamily,
  type Target,
} from "./route_generation.ts";

function sessionUrl(portal: Portal, target: Target, suffix: string): string {
  return `${folderPath(portal, target.folderId)}/session/${
    encodeURIComponent(target.id)
  }${suffix}`;
}

/** The REST session routes. */
export const restRoutes: SessionRouteFamily = {
  create: (portal, folderId) => `${folderPath(portal, folderId)}/session`,
  opened: () => {},
  chunk: (portal, target, chunkNumber) =>
    sessionUrl(
      portal,
      target,
      chunkNumber === undefined ? "" : `/upload?chunkNumber=${chunkNumber}`,
    ),
  finalize: (portal, target) => ({
    url: sessionUrl(portal, target, "/finalize"),
    method: "PUT",
  }),
  abort: (portal, target) => ({
    url: sessionUrl(portal, target, ""),
    method: "DELETE",
  }),
  read: (step, reply) => ({
    status: reply.response.status,
    data: envelope(step, reply),
  }),
  // A REST abort answers a success without `response`.
  readAbort: (reply) => void envelope("abort", reply, true),
};
