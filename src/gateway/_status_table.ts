// Which status the gateway answers for DocSpace's: one table, keyed by the situation the answer is passed on
// in. The gateway's DocSpace-compatible routes pass DocSpace's refusals through (their callers speak DocSpace's
// API, 402 included); the direct route is the gateway's own API, where DocSpace's 402 (the file is over the
// portal's limit) reads as 413, like the gateway's own size limits. A refused DOCSPACE_TOKEN is the gateway's
// failing, never the caller's, so it is a 502 everywhere. (An older server's 404 on an endpoint new in 3.7.1
// is no DocSpace status but the endpoint's absence: envelopeOf in _upstream.ts answers it 404.)
import type { HTTPException } from "hono/http-exception";
import { httpError } from "./_responses.ts";

/** The situations in which the gateway answers for what DocSpace answered. */
export type Situation =
  /** DocSpace's JSON reply, passed on as a reply (a success, or a ChunkedUploader `{success: false}`). */
  | "reply"
  /** DocSpace's JSON refusal on the gateway's DocSpace-compatible routes (settings, sessions, chunks). */
  | "refusal"
  /** DocSpace's refusal of a direct upload (`POST /upload/:folderId`), as `uploadFile` reports it. */
  | "direct-upload"
  /** An answer that is not DocSpace JSON (a proxy's page, a redirect), on any route. */
  | "not-docspace";

/** One row: DocSpace's statuses answered as they are, those answered with another, and the rest's. */
interface Row {
  /** Whether DocSpace's status is answered as it is. */
  passes(status: number): boolean;
  /** DocSpace's statuses answered with another. */
  becomes: Readonly<Record<number, number>>;
  /** What every other status (or no status: no reply) becomes. */
  otherwise: number;
}

const among = (statuses: readonly number[]) => (status: number) =>
  statuses.includes(status);

/** The table. */
const TABLE: Readonly<Record<Situation, Row>> = {
  // The ChunkedUploader's `success` carries its refusals: the status is only ever a success's.
  "reply": { passes: among([201]), becomes: {}, otherwise: 200 },
  "refusal": {
    passes: (status) => status >= 400,
    becomes: { 401: 502 },
    otherwise: 502,
  },
  "direct-upload": {
    passes: among([403, 404, 415]),
    becomes: { 401: 502, 402: 413 },
    otherwise: 502,
  },
  // Only what means the same from any server passes: a timeout, a size, a rate limit, a gateway's trouble.
  "not-docspace": {
    passes: among([408, 413, 429, 502, 503, 504]),
    becomes: {},
    otherwise: 502,
  },
};

/** The gateway's status for DocSpace's `status` (undefined: no reply came) in `situation`. */
export function gatewayStatus(
  situation: Situation,
  status: number | undefined,
): number {
  const row = TABLE[situation];
  if (status === undefined) return row.otherwise;
  return row.becomes[status] ??
    (row.passes(status) ? status : row.otherwise);
}

/** Whether the table names DocSpace's `status` in `situation` (passes it, or has a status it becomes). */
export function namedStatus(
  situation: Situation,
  status: number | undefined,
): boolean {
  const row = TABLE[situation];
  return status !== undefined &&
    (status in row.becomes || row.passes(status));
}

/**
 * The gateway's error for a DocSpace refusal in `situation`: the table's status and the server's message; a
 * refused DOCSPACE_TOKEN (401) says so.
 */
export function refusalError(
  situation: Situation,
  status: number | undefined,
  message: string,
): HTTPException {
  return httpError(
    gatewayStatus(situation, status),
    status === 401
      ? `DocSpace did not accept DOCSPACE_TOKEN: ${message}`
      : message,
  );
}
