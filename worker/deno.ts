// The Deno Deploy entry (and `deno run --allow-net --allow-env worker/deno.ts` anywhere): settings come from
// the environment; it listens on PORT (default 8000) and LISTEN_HOST (default 0.0.0.0).
import { createUploadGateway } from "../gateway.ts";
import { nodeFetch } from "../node_fetch.ts";

const env = Deno.env.toObject();
// Deno's own fetch copies a Blob or Uint8Array request body whole, several times (130-150 MB more per
// 200 MiB direct upload, bench/gateway_memory.ts), and sends a ReadableStream body without its
// Content-Length, which DocSpace's numbered chunks need. nodeFetch streams both with their length.
const app = createUploadGateway({ env, fetch: nodeFetch });

const server = Deno.serve({
  port: Number(env.PORT ?? 8000),
  hostname: env.LISTEN_HOST ?? "0.0.0.0",
}, (request) => app.fetch(ownUrl(request)));

// Deno builds a request's URL from its Host header, which any caller may set. Deno Deploy routes only the
// project's own domains here, so its URLs are sound; elsewhere the gateway's public URL is PUBLIC_URL or,
// without it, the address this server listens on.
const { hostname, port } = server.addr;
const own = `http://${
  hostname === "0.0.0.0" || hostname === "::"
    ? "localhost"
    : hostname.includes(":")
    ? `[${hostname}]`
    : hostname
}:${port}`;
const trustHost = env.DENO_DEPLOYMENT_ID !== undefined;
if (!trustHost && env.PUBLIC_URL === undefined) {
  console.warn(
    `PUBLIC_URL is not set: the locations the gateway hands out name ${own}; set PUBLIC_URL to the URL callers reach it at`,
  );
}

function ownUrl(request: Request): Request {
  if (trustHost) return request;
  const url = new URL(request.url);
  return new Request(own + url.pathname + url.search, {
    method: request.method,
    headers: request.headers,
    body: request.body,
    duplex: "half",
  } as RequestInit);
}
