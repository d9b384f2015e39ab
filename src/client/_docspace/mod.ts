/**
 * Every request this package sends to DocSpace is built here: per request, its method, its URL (for a
 * session, on the route generation it was opened on), its headers and body, and how its reply is read.
 * Nothing else in the package builds a URL to DocSpace's API; the rest of `src/client/` imports these
 * modules directly, and the gateway through `src/client/internal.ts`.
 *
 * | Request | Module |
 * | --- | --- |
 * | the portal, its credentials, its files API | `portal.ts` |
 * | any request's reply, read (envelope, ChunkedUploader reply, errors) | `read_reply.ts` |
 * | the rate limiter's `X-RateLimit-*` headers, read | `rate_limit.ts` |
 * | settings, `GET files/settings` | `settings.ts` |
 * | title check, `POST files/{folderId}/upload/check` | `title_check.ts` |
 * | folder listing, `GET files/{folderId}` | `folder_listing.ts` |
 * | folder creation, `POST files/folder/{parentId}` | `folder_creation.ts` |
 * | insert, `POST files/{folderId}/insert` | `insert.ts` |
 * | create session, finalize, abort | `sessions.ts` (replies: `session_replies.ts`) |
 * | a chunk, numbered or sequential | `chunk.ts` |
 * | a session's addresses, by route generation | `route_generation.ts`, `rest.ts`, `legacy.ts` |
 *
 * A new request (a file's info, a folder lookup) gets a module of its own here.
 *
 * @module
 */
export {
  authorizationHeader,
  type Portal,
  portalOf,
  tokenProblem,
} from "./portal.ts";
export {
  fetchReply,
  networkFailure,
  readEnvelope,
  readUploaderReply,
  type Reply,
  type ReplyReading,
} from "./read_reply.ts";
export { readSettings, settingsUrl } from "./settings.ts";
export { checkTitles, titleCheckUrl } from "./title_check.ts";
export { folderPageUrl, listFolder } from "./folder_listing.ts";
export { createFolder, newFolderUrl } from "./folder_creation.ts";
export { insertFile, insertUrl } from "./insert.ts";
export {
  abortSession,
  createSession,
  createSessionUrl,
  finalizeSession,
} from "./sessions.ts";
export { sendChunk } from "./chunk.ts";
export { restSessionUrl } from "./rest.ts";
export { withQuery } from "./legacy.ts";
