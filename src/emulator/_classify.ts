import { chunkNumberOf } from "./_chunk_upload.ts";
import type { RequestMode } from "./request_log.ts";
import type { EmulatorState } from "./state.ts";

/** A request's mode and the chunk parameters that fault matching and the log need. */
export interface Classification {
  mode: RequestMode;
  uid?: string;
  chunkNumber?: number;
}

const REST_SESSION =
  /^\/api\/2\.0\/files\/[^/]+\/session\/([^/]+)(\/upload|\/finalize)?$/i;

/** Classifies a request on arrival, before its body is read. */
export function classify(
  method: string,
  url: URL,
  state: EmulatorState,
  now: number,
): Classification {
  const path = url.pathname.replace(/\/+$/, "");
  if (/^\/api\/2\.0\/files\/settings$/i.test(path)) return { mode: "settings" };
  if (/^\/api\/2\.0\/authentication(\.json)?$/i.test(path)) {
    return { mode: "auth" };
  }
  if (/^\/api\/2\.0\/files\/[^/]+\/upload\/create_session$/i.test(path)) {
    return { mode: "create" };
  }
  if (/^\/api\/2\.0\/files\/file\/[^/]+\/edit_session$/i.test(path)) {
    return { mode: "create" };
  }
  if (/^\/api\/2\.0\/files\/[^/]+\/session$/i.test(path)) {
    return { mode: "session" };
  }
  if (method === "POST" && /^\/api\/2\.0\/files\/[^/]+\/insert$/i.test(path)) {
    return { mode: "insert" };
  }
  if (method === "GET" && /^\/api\/2\.0\/files\/[^/]+$/i.test(path)) {
    return { mode: "list" };
  }
  if (method === "POST" && /^\/api\/2\.0\/files\/folder\/[^/]+$/i.test(path)) {
    return { mode: "create-folder" };
  }
  const query = url.searchParams;
  const small = (uid: string | undefined) => {
    const session = uid === undefined ? undefined : state.sessions.get(uid);
    return session !== undefined && session.small && session.expired > now;
  };
  const rest = path.match(REST_SESSION);
  if (rest) {
    const uid = decodeURIComponent(rest[1]!);
    const chunkNumber = chunkNumberOf(query.get("chunkNumber") ?? undefined);
    if (method === "DELETE" && !rest[2]) return { mode: "abort", uid };
    if (method === "PUT" && rest[2] === "/finalize") {
      return { mode: "finalize", uid };
    }
    if (method !== "POST" || rest[2] === "/finalize") return { mode: "other" };
    const mode = small(uid)
      ? "small"
      : rest[2] === "/upload"
      ? "numbered"
      : "sequential";
    return { mode, uid, ...(chunkNumber === undefined ? {} : { chunkNumber }) };
  }
  // The server routes any path that ends in ChunkedUploader.ashx, in any case, to the handler.
  if (!/ChunkedUploader\.ashx$/i.test(path) || method === "OPTIONS") {
    return { mode: "other" };
  }
  const uid = query.get("uid") ?? undefined;
  const chunkNumber = chunkNumberOf(query.get("chunkNumber") ?? undefined);
  const params = {
    ...(uid === undefined ? {} : { uid }),
    ...(chunkNumber === undefined ? {} : { chunkNumber }),
  };
  if (query.get("abort") === "true") return { mode: "abort", ...params };
  if (query.get("finalize") === "true") return { mode: "finalize", ...params };
  const mode = small(uid)
    ? "small"
    : query.get("upload") === "true"
    ? "numbered"
    : "sequential";
  return { mode, ...params };
}
