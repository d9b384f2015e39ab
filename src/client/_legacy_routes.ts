// The routes every DocSpace version has: `POST {folderId}/upload/create_session` opens a session whose
// `location` (`…/ChunkedUploader.ashx?uid=…`) takes its chunks (`&upload=true&chunkNumber=N` numbered),
// `&finalize=true` and `&abort=true`. Replies are `{success, data, message}`, errors as HTTP 200.
// Credentials go only to the portal's origin, so a location anywhere else is refused.
import { DocSpaceError } from "./errors.ts";
import { uploaderReply } from "./_reply.ts";
import type { Portal } from "./_portal.ts";
import { folderPath, type SessionRouteFamily } from "./_routes.ts";

/** `location` with query parameters added; refused unless it is on the portal's origin. */
function locationUrl(
  portal: Portal,
  location: string,
  params: string,
  step: string,
): string {
  let parsed: URL | undefined;
  try {
    parsed = new URL(location);
  } catch {
    parsed = undefined;
  }
  if (parsed?.origin !== portal.origin) {
    throw new DocSpaceError(
      `the session location ${
        JSON.stringify(location)
      } is not on the portal's origin ${portal.origin}; credentials are only sent there`,
      { step },
    );
  }
  if (params === "") return location;
  return location + (location.includes("?") ? "&" : "?") + params;
}

/** The legacy routes: the session's `location`. */
export const legacyRoutes: SessionRouteFamily = {
  create: (portal, folderId) =>
    `${folderPath(portal, folderId)}/upload/create_session`,
  opened: (portal, session) =>
    void locationUrl(portal, session.location, "", "create"),
  chunk: (portal, target, chunkNumber, step) =>
    locationUrl(
      portal,
      target.location,
      chunkNumber === undefined ? "" : `upload=true&chunkNumber=${chunkNumber}`,
      step,
    ),
  finalize: (portal, target) => ({
    url: locationUrl(portal, target.location, "finalize=true", "finalize"),
    method: "POST",
  }),
  abort: (portal, target) => ({
    url: locationUrl(portal, target.location, "abort=true", "abort"),
    method: "POST",
  }),
  read: uploaderReply,
  readAbort: (reply) => void uploaderReply("abort", reply),
};
