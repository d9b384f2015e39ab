// The gateway's own responses: JSON replies built fresh (never an upstream Response passed through, so no
// upstream header such as Set-Cookie reaches the caller), and errors as Hono's `HTTPException` whose `res` is
// the JSON error `{ "error": { "message": … } }` with its status and headers.
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** A JSON response. */
export function json(
  body: unknown,
  status = 200,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: {
      "content-type": "application/json; charset=utf-8",
      "cache-control": "no-store",
      ...headers,
    },
  });
}

/** What an error response carries besides its status and message. */
export interface ErrorExtras {
  /** Extra response headers, such as `WWW-Authenticate` or `Retry-After`. */
  headers?: Record<string, string>;
  /** Extra top-level fields of the JSON body, such as `queue` for a caller that waited in the fair queue. */
  fields?: Record<string, unknown>;
  /** The error this one answers for. */
  cause?: unknown;
}

/** The options of an `HTTPException` that answers `{ "error": { "message" }, ...fields }` with `status`. */
export function errorInit(
  status: number,
  message: string,
  extras: ErrorExtras = {},
): { message: string; res: Response; cause?: unknown } {
  const body = { error: { message }, ...extras.fields };
  return {
    message,
    res: json(body, status, extras.headers),
    ...("cause" in extras ? { cause: extras.cause } : {}),
  };
}

/** An error that becomes the gateway's JSON error response with `status`. */
export function httpError(
  status: number,
  message: string,
  extras: ErrorExtras = {},
): HTTPException {
  return new HTTPException(
    status as ContentfulStatusCode,
    errorInit(status, message, extras),
  );
}

/**
 * The error as the gateway answers it: an `HTTPException` with its JSON error response. Any other error is a
 * 500 that shows nothing of it; an `HTTPException` without a response gets the JSON error of its message.
 */
function refusalOf(error: Error): HTTPException {
  if (!(error instanceof HTTPException)) {
    return httpError(500, "Internal error in the upload gateway");
  }
  return error.res === undefined
    ? httpError(error.status, error.message)
    : error;
}

/** The gateway's error response for an error a handler threw (the gateway app's `onError`). */
export function errorResponse(error: Error): Response {
  return refusalOf(error).getResponse();
}

/**
 * The chunk endpoint's error response (its sub-app's `onError`): the gateway's JSON error with DocSpace's own
 * `success: false` and `message` added, so DocSpace clients (this package's `SessionClient` among them)
 * report the message.
 */
export async function uploaderErrorResponse(error: Error): Promise<Response> {
  const refusal = refusalOf(error);
  const response = refusal.getResponse();
  const body = await response.json();
  return new Response(
    JSON.stringify({ ...body, success: false, message: refusal.message }),
    { status: refusal.status, headers: response.headers },
  );
}
