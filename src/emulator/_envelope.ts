// The reply shapes: the /api/2.0 envelope and its errors, the 401 challenge, `location`'s replies, and
// ASP.NET's automatic 400.
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/**
 * The .NET exceptions the emulated code throws: their type names and HResults, and whether
 * CustomExceptionHandler (common/ASC.Api.Core/Middleware/ResponseWrapper.cs) reports them `withStackTrace`.
 */
export const EXCEPTIONS = {
  argument: { type: "System.ArgumentException", hresult: -2147024809 },
  argumentNull: { type: "System.ArgumentNullException", hresult: -2147467261 },
  argumentOutOfRange: {
    type: "System.ArgumentOutOfRangeException",
    hresult: -2146233086,
  },
  quota: {
    type: "ASC.Core.Tenants.TenantQuotaException",
    hresult: -2146233088,
  },
  security: { type: "System.Security.SecurityException", hresult: -2146233078 },
  invalidOperation: {
    type: "System.InvalidOperationException",
    hresult: -2146233079,
  },
  itemNotFound: {
    type: "ASC.Common.Web.ItemNotFoundException",
    hresult: -2146233088,
  },
  fileNotFound: {
    type: "System.IO.FileNotFoundException",
    hresult: -2147024894,
  },
  directoryNotFound: {
    type: "System.IO.DirectoryNotFoundException",
    hresult: -2147024893,
  },
  nullReference: {
    type: "System.NullReferenceException",
    hresult: -2147467261,
  },
  io: { type: "System.IO.IOException", hresult: -2146232800 },
  // NotSupportedException and AuthenticationException are reported without type, stack or HResult.
  notSupported: { type: undefined, hresult: 0 },
  authentication: { type: undefined, hresult: 0 },
} as const;

/** A name from {@linkcode EXCEPTIONS}. */
export type ExceptionName = keyof typeof EXCEPTIONS;

/** The exception a status stands for when a route names none. */
const BY_STATUS: Record<number, ExceptionName> = {
  400: "argument",
  401: "authentication",
  402: "quota",
  403: "security",
  404: "itemNotFound",
  415: "notSupported",
  500: "nullReference",
};

/** The emulator has no .NET stack; production servers send one whenever `type` is sent. */
const STACK = "   at DocSpaceEmulator (emulated: no .NET stack trace)";

/** A success in the standard /api/2.0 envelope (common/ASC.Api.Core/Middleware/CommonApiResponse.cs). */
export function envelope(
  c: Context,
  response: unknown,
  status: ContentfulStatusCode = 200,
): Response {
  return c.json({
    response,
    count: Array.isArray(response)
      ? response.length
      : response === undefined
      ? 0
      : 1,
    links: [{ href: c.req.url, action: c.req.method }],
    status: 0,
    statusCode: status,
  }, status);
}

/**
 * An error in the standard /api/2.0 envelope, with the same HTTP status: ErrorApiResponse and
 * CommonApiError.FromException (common/ASC.Api.Core/Middleware/CommonApiResponse.cs). `type`, `stack` and
 * `hresult` come with every exception reported `withStackTrace` (there is no debug switch); without it
 * `type` and `stack` are null and left out (ConfigureJsonOptions: WhenWritingNull) and `hresult` is 0.
 */
export function envelopeError(
  c: Context,
  status: ContentfulStatusCode,
  message: string,
  exception: ExceptionName = BY_STATUS[status] ?? "nullReference",
): Response {
  const { type, hresult } = EXCEPTIONS[exception];
  const error = type === undefined
    ? { message, hresult }
    : { message, type, stack: STACK, hresult };
  return c.json({ status: 1, statusCode: status, error }, status);
}

/**
 * An unauthenticated request to a route that needs a user: the authentication handler's challenge
 * (AuthenticationHandler.HandleChallengeAsync, through the policy scheme of common/ASC.Api.Core/Core/
 * BaseStartup.cs), 401 with an empty body. BasicAuthHandler has already added `WWW-Authenticate: Basic` when
 * the request's Authorization header chose its scheme.
 */
export function unauthorized(c: Context): Response {
  const headers: Record<string, string> = {};
  if ((c.req.header("authorization") ?? "").startsWith("Basic ")) {
    headers["www-authenticate"] = "Basic";
  }
  return c.body(null, 401, headers);
}

/** A reply from `location`: not enveloped, every error HTTP 200. */
export function locationReply(
  c: Context,
  reply: { success: boolean; data?: unknown; message?: string },
  status: ContentfulStatusCode = 200,
): Response {
  const body = reply.data === undefined
    ? { success: reply.success, message: reply.message ?? "" }
    : {
      success: reply.success,
      data: reply.data,
      message: reply.message ?? "",
    };
  return c.json(body, status);
}

/** A `location` error: HTTP 200, `{"success":false,"message":…}`. */
export function locationError(c: Context, message: string): Response {
  return locationReply(c, { success: false, message });
}

/**
 * ASP.NET's automatic 400 for a request that fails model binding or validation: ApiControllerBase carries
 * [ApiController] (products/ASC.Files/Server/Api/ApiControllerBase.cs), so the action is answered with a
 * ValidationProblemDetails, which CustomResponseFilterAttribute (common/ASC.Api.Core/Middleware/ResponseWrapper.cs)
 * then wraps in the standard envelope: `response` is the problem, `status` 1 and `statusCode` its status
 * (SuccessApiResponse, CommonApiResponse.cs). The result keeps its `application/problem+json` content type.
 */
export function validationProblem(
  c: Context,
  field: string,
  message: string,
): Response {
  const traceId = `00-${hex(16)}-${hex(8)}-00`;
  return c.body(
    JSON.stringify({
      response: {
        type: "https://tools.ietf.org/html/rfc9110#section-15.5.1",
        title: "One or more validation errors occurred.",
        status: 400,
        errors: { [field]: [message] },
        traceId,
      },
      count: 1,
      links: [{ href: c.req.url, action: c.req.method }],
      status: 1,
      statusCode: 400,
    }),
    400,
    { "content-type": "application/problem+json; charset=utf-8" },
  );
}

function hex(bytes: number): string {
  return Array.from(
    crypto.getRandomValues(new Uint8Array(bytes)),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
}
