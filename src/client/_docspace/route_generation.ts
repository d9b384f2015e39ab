// What a route generation is: where a session's requests go, with which method, and how their replies
// read. DocSpace has two: `rest.ts` (3.7.1 and later) and `legacy.ts` (the session's `location`, every
// version); `sessions.ts` picks one by a session's `routes`.
import type { Reply } from "./read_reply.ts";
import type { Portal } from "./portal.ts";
import type { UploadSession } from "../session_types.ts";

/** The session a request is for: the fields of a session that name it. */
export type Target = Pick<
  UploadSession,
  "id" | "location" | "folderId" | "routes"
>;

/** A request's address and method. */
export interface Route {
  url: string;
  method: "POST" | "PUT" | "DELETE";
}

/** One route generation: the addresses of a session's requests, and how their replies read. */
export interface RouteGeneration {
  /** Where a session is opened in a folder, on the portal at `url` (its URL without a trailing slash). */
  create(url: string, folderId: number | string): string;
  /** Checks a new session's addresses (the legacy location must be on the portal's origin). */
  opened(portal: Portal, session: UploadSession): void;
  /** Where a chunk goes: numbered with its number, else sequential. */
  chunk(
    portal: Portal,
    target: Target,
    chunkNumber: number | undefined,
    step: string,
  ): string;
  /** Where a finalize goes. */
  finalize(portal: Portal, target: Target): Route;
  /** Where an abort goes. */
  abort(portal: Portal, target: Target): Route;
  /** A chunk's or finalize's reply: its status and the server's data, or a DocSpaceError thrown. */
  read(step: string, reply: Reply): { status: number; data: unknown };
  /** An abort's reply: nothing, or a DocSpaceError thrown. */
  readAbort(reply: Reply): void;
}
