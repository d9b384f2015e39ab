// CORS for the configured origins only, as a middleware.
import type { MiddlewareHandler } from "hono";
import { httpError } from "./_responses.ts";

/**
 * The CORS middleware: answers preflights from `origins` (or any origin with `*`) and refuses others with
 * 403; adds `Access-Control-Allow-Origin` to the answers to allowed origins.
 */
export function cors(origins: readonly string[]): MiddlewareHandler {
  const allowed = (origin: string | undefined): origin is string =>
    origin !== undefined && (origins.includes("*") || origins.includes(origin));
  return async (c, next) => {
    const origin = c.req.header("origin");
    if (
      c.req.method === "OPTIONS" &&
      c.req.header("access-control-request-method") !== undefined
    ) {
      if (!allowed(origin)) {
        throw httpError(
          403,
          "This origin may not call the gateway (CORS_ORIGINS)",
        );
      }
      return new Response(null, {
        status: 204,
        headers: {
          "access-control-allow-origin": origin,
          "access-control-allow-methods": "GET, POST, PUT, DELETE, OPTIONS",
          "access-control-allow-headers":
            "authorization, content-type, x-file-name",
          "access-control-max-age": "600",
          vary: "Origin",
        },
      });
    }
    await next();
    if (allowed(origin)) {
      c.res.headers.set("access-control-allow-origin", origin);
      c.res.headers.set("access-control-expose-headers", "retry-after");
      c.res.headers.append("vary", "Origin");
    }
  };
}
