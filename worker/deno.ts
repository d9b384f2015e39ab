// The Deno Deploy entry (and `deno run --allow-net --allow-env worker/deno.ts` anywhere): settings come from
// the environment; it listens on PORT (default 8000) and LISTEN_HOST (default 0.0.0.0).
import { createUploadGateway } from "../gateway.ts";

const app = createUploadGateway({ env: Deno.env.toObject() });

Deno.serve({
  port: Number(Deno.env.get("PORT") ?? 8000),
  hostname: Deno.env.get("LISTEN_HOST") ?? "0.0.0.0",
}, app.fetch);
