// The gateway served as worker/deno.ts served it before it chose its upstream fetch: with Deno's own fetch.
// bench/gateway_memory.ts runs it beside worker/deno.ts to show what that costs.
import { createUploadGateway } from "../gateway.ts";

const app = createUploadGateway({ env: Deno.env.toObject() });
Deno.serve({
  port: Number(Deno.env.get("PORT") ?? 8000),
  hostname: Deno.env.get("LISTEN_HOST") ?? "127.0.0.1",
  // On stdout, where bench/gateway_memory.ts looks for it (Deno.serve's own line goes to stderr).
  onListen: ({ hostname, port }) =>
    console.log(`Listening on http://${hostname}:${port}/`),
}, app.fetch);
