import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** The exception type the server names for each error status. */
const ERROR_TYPES: Record<number, string> = {
  400: "System.ArgumentException",
  401: "System.Security.Authentication.AuthenticationException",
  402: "ASC.Core.Tenants.TenantQuotaException",
  403: "System.Security.SecurityException",
  404: "ASC.Common.Web.ItemNotFoundException",
  415: "System.NotSupportedException",
};

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

/** An error in the standard /api/2.0 envelope, with the same HTTP status. */
export function envelopeError(
  c: Context,
  status: ContentfulStatusCode,
  message: string,
): Response {
  const type = ERROR_TYPES[status] ?? "System.Exception";
  return c.json(
    { error: { message, type }, status: 1, statusCode: status },
    status,
  );
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
 * [ApiController] (products/ASC.Files/Server/Api/ApiControllerBase.cs), so the reply is a
 * ValidationProblemDetails, not the envelope.
 */
export function validationProblem(
  c: Context,
  field: string,
  message: string,
): Response {
  return c.body(
    JSON.stringify({
      type: "https://tools.ietf.org/html/rfc9110#section-15.5.1",
      title: "One or more validation errors occurred.",
      status: 400,
      errors: { [field]: [message] },
    }),
    400,
    { "content-type": "application/problem+json; charset=utf-8" },
  );
}
