import type { RequestMode } from "./request_log.ts";
import type { EmulatorState } from "./state.ts";

/** A request's mode and the location parameters that fault matching and the log need. */
export interface Classification {
  mode: RequestMode;
  uid?: string;
  chunkNumber?: number;
}

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
  if (!/^\/ChunkedUploader\.ashx$/i.test(path) || method !== "POST") {
    return { mode: "other" };
  }
  const query = url.searchParams;
  const uid = query.get("uid") ?? undefined;
  const raw = query.get("chunkNumber");
  const chunkNumber = raw !== null && /^-?\d+$/.test(raw)
    ? Number(raw)
    : undefined;
  const params = {
    ...(uid === undefined ? {} : { uid }),
    ...(chunkNumber === undefined ? {} : { chunkNumber }),
  };
  if (query.get("abort") === "true") return { mode: "abort", ...params };
  if (query.get("finalize") === "true") return { mode: "finalize", ...params };
  const session = uid === undefined ? undefined : state.sessions.get(uid);
  const small = session !== undefined && session.small && session.expired > now;
  const mode = small
    ? "small"
    : query.get("upload") === "true"
    ? "numbered"
    : "sequential";
  return { mode, ...params };
}
