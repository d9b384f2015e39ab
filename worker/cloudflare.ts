// The Cloudflare Workers entry. Settings are the Worker's vars and secrets (see wrangler.toml); the app is
// built once per isolate, on its first request, because Workers pass `env` to the handler only.
import type { ExecutionContext, Hono } from "hono";
import { createUploadGateway } from "../gateway.ts";

let app: Hono | undefined;

export default {
  fetch(
    request: Request,
    env: Record<string, unknown>,
    context: ExecutionContext,
  ): Response | Promise<Response> {
    app ??= createUploadGateway({ env });
    return app.fetch(request, env, context);
  },
};
