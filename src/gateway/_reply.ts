// The gateway's own answers: JSON errors that carry their status, and JSON replies built fresh (never an
// upstream Response passed through, so no upstream header such as Set-Cookie reaches the caller).

/** An error that becomes a JSON response with its status: `{ "error": { "message": … } }`. */
export class GatewayError extends Error {
  /** The HTTP status of the response. */
  readonly status: number;
  /** Extra response headers, such as `WWW-Authenticate` or `Retry-After`. */
  readonly headers: Record<string, string>;
  /** Extra top-level fields of the JSON body, such as `queue` for a caller that waited in the fair queue. */
  readonly fields: Record<string, unknown>;

  /**
   * Creates it.
   *
   * @param status The HTTP status.
   * @param message The message, as the caller reads it.
   * @param headers Extra response headers.
   * @param fields Extra top-level fields of the JSON body.
   */
  constructor(
    status: number,
    message: string,
    headers: Record<string, string> = {},
    fields: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "GatewayError";
    this.status = status;
    this.headers = headers;
    this.fields = fields;
  }
}

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

/**
 * The error response. On the chunk endpoint it also has DocSpace's own `success: false` and `message`,
 * so DocSpace clients (this package's `SessionClient` among them) report the message.
 */
export function errorResponse(
  error: GatewayError,
  uploaderShape: boolean,
): Response {
  const body = uploaderShape
    ? {
      error: { message: error.message },
      ...error.fields,
      success: false,
      message: error.message,
    }
    : { error: { message: error.message }, ...error.fields };
  return json(body, error.status, error.headers);
}
