// The legacy route generation, which every DocSpace version has: `POST {folderId}/upload/create_session`
// opens a session whose `location` (`…/ChunkedUploader.ashx?uid=…`) takes its chunks
// (`&upload=true&chunkNumber=N` numbered), `&finalize=true` and `&abort=true`. Replies are
// `{success, data, message}`, errors as HTTP 200. Credentials go only to the portal's origin: see
// `locationUrl`.
import { DocSpaceError } from "../errors.ts";
import { uploaderReply } from "./read_reply.ts";
import { folderUrl, type Portal } from "./portal.ts";
import type { RouteGeneration } from "./route_generation.ts";

/** Whether a URL's host is a loopback one, as .NET's `Uri.IsLoopback` sees it. */
function isLoopback(url: URL): boolean {
  const host = url.hostname.toLowerCase();
  return host === "localhost" || host === "loopback" || host === "[::1]" ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * Where a session's `location` is sent, with query parameters added. Credentials go only to the portal's
 * origin: a location there is used as it is. The server builds the location's host from the request,
 * except that it replaces a loopback host with the portal's own domain (`ServerRootPath` in
 * common/ASC.Core.Common/BaseCommonLinkUtility.cs), so a portal reached as `http://localhost:8092` (an
 * SSH tunnel, a port-forward) answers with a location on its public domain: then, and only for the path
 * `/ChunkedUploader.ashx` with a `uid`, the location's path and query go to the portal's own origin.
 * Anything else is refused.
 */
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
  let url: string;
  if (parsed?.origin === portal.origin) {
    url = location;
  } else if (
    parsed !== undefined && isLoopback(new URL(portal.origin)) &&
    /^\/ChunkedUploader\.ashx$/i.test(parsed.pathname) &&
    parsed.searchParams.get("uid")
  ) {
    url = portal.origin + parsed.pathname + parsed.search;
  } else {
    throw new DocSpaceError(
      `the session location ${
        JSON.stringify(location)
      } is not on the portal's origin ${portal.origin}; credentials are only sent there${
        parsed !== undefined && isLoopback(new URL(portal.origin))
          ? " (a location on another host is sent to the portal's own origin only for the path /ChunkedUploader.ashx with a uid)"
          : " (if that host is the portal, use it as the portal URL)"
      }`,
      { step },
    );
  }
  return withQuery(url, params);
}

/**
 * A location with `query` added to its own query: after `&` when it has one, else after `?`; unchanged
 * for an empty `query`. Queries: `upload=true&chunkNumber=N` (a numbered chunk), none (a sequential
 * chunk), `finalize=true`, `abort=true`.
 */
export function withQuery(url: string, query: string): string {
  if (query === "") return url;
  return url + (url.includes("?") ? "&" : "?") + query;
}

/** The legacy route generation: the session's `location`. */
export const legacyGeneration: RouteGeneration = {
  create: (url, folderId) =>
    `${folderUrl(url, folderId)}/upload/create_session`,
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
