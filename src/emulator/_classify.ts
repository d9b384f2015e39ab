// What a request is, read from its method and URL on arrival: the mode the log and fault matching use.
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

/** The API routes that carry no chunk: settings, authentication, session creation, insert, folders. */
function apiMode(method: string, path: string): RequestMode | undefined {
  if (/^\/api\/2\.0\/files\/settings$/i.test(path)) return "settings";
  if (/^\/api\/2\.0\/authentication(\.json)?$/i.test(path)) return "auth";
  if (/^\/api\/2\.0\/files\/[^/]+\/upload\/create_session$/i.test(path)) {
    return "create";
  }
  if (/^\/api\/2\.0\/files\/file\/[^/]+\/edit_session$/i.test(path)) {
    return "create";
  }
  if (/^\/api\/2\.0\/files\/[^/]+\/session$/i.test(path)) return "session";
  if (method === "POST" && /^\/api\/2\.0\/files\/[^/]+\/insert$/i.test(path)) {
    return "insert";
  }
  if (method === "GET" && /^\/api\/2\.0\/files\/[^/]+$/i.test(path)) {
    return "list";
  }
  if (method === "POST" && /^\/api\/2\.0\/files\/folder\/[^/]+$/i.test(path)) {
    return "create-folder";
  }
  return undefined;
}

/** Whether the session of that id is open and small (a chunk to it is the whole file). */
type IsSmall = (uid: string | undefined) => boolean;

/** A REST session route: abort (DELETE), finalize (PUT …/finalize), or a chunk (POST). */
function restSessionMode(
  method: string,
  rest: RegExpMatchArray,
  query: URLSearchParams,
  small: IsSmall,
): Classification {
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

/** A `location` request, by its query as ChunkedRequestHelper.Type() reads it. */
function locationMode(query: URLSearchParams, small: IsSmall): Classification {
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

/** Classifies a request on arrival, before its body is read. */
export function classify(
  method: string,
  url: URL,
  state: EmulatorState,
  now: number,
): Classification {
  const path = url.pathname.replace(/\/+$/, "");
  const api = apiMode(method, path);
  if (api !== undefined) return { mode: api };
  const small = (uid: string | undefined) => {
    const session = uid === undefined ? undefined : state.sessions.get(uid);
    return session !== undefined && session.small && session.expired > now;
  };
  const rest = path.match(REST_SESSION);
  if (rest) return restSessionMode(method, rest, url.searchParams, small);
  // The server routes any path that ends in ChunkedUploader.ashx, in any case, to the handler
  // (products/ASC.Files/Server/Extensions/FilesServerServiceExtensions.cs, MapWhen).
  if (!/ChunkedUploader\.ashx$/i.test(path) || method === "OPTIONS") {
    return { mode: "other" };
  }
  return locationMode(url.searchParams, small);
}
