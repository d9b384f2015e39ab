// The Cloudflare Workers entry. Settings are the Worker's vars and secrets (see wrangler.toml); the app is
// built once per isolate, on its first request, because Workers pass `env` to the handler only. DocSpace's
// budget and the tally of chunks numbered by arrival are kept for every isolate in one Durable Object,
// `UploadCoordinator`, bound as UPLOAD_COORDINATOR; without the binding each isolate keeps its own.
import type { ExecutionContext, Hono } from "hono";
import {
  createUploadGateway,
  DurableCoordinator,
  type DurableNamespace,
  UploadCoordinator,
} from "../gateway.ts";

export { UploadCoordinator };

let app: Hono | undefined;

export default {
  fetch(
    request: Request,
    env: Record<string, unknown>,
    context: ExecutionContext,
  ): Response | Promise<Response> {
    const namespace = env.UPLOAD_COORDINATOR as DurableNamespace | undefined;
    app ??= createUploadGateway({
      env,
      ...(namespace
        ? {
          coordinator: (limits) => new DurableCoordinator(namespace, limits),
        }
        : {}),
    });
    return app.fetch(request, env, context);
  },
};
