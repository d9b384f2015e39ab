// The Deno Deploy entry (and `deno run --unstable-kv --allow-net --allow-env --allow-read --allow-write
// worker/deno.ts` anywhere): settings come from the environment; it listens on PORT (default 8000) and
// LISTEN_HOST (default 0.0.0.0).
//
// DocSpace's budget is shared through Deno KV when there is one to share: on Deno Deploy the project's own
// KV (every instance), and elsewhere the file KV_PATH names (several processes behind one proxy). Without
// either, the process keeps its own.
//
// Self-hosted, it guards its connections (connection_guard.ts): MAX_CONNECTIONS (default: what the
// descriptor limit allows), HEADERS_TIMEOUT (seconds a connection has to send its request, default 10) and
// KEEPALIVE_TIMEOUT (seconds an idle keep-alive connection stays open, default 5). Deno Deploy's own front
// end holds the connections there, so it serves with Deno.serve.
import {
  type Coordinator,
  createUploadGateway,
  gatewaySettingsProblems,
  KvCoordinator,
  type KvStore,
} from "../gateway.ts";
import type { BudgetLimits } from "../src/gateway/coordinator.ts";
import { nodeFetch } from "../node_fetch.ts";
import {
  connectionsFor,
  descriptorLimit,
  serveGuarded,
} from "./connection_guard.ts";

const env = Deno.env.toObject();
const deploy = env.DENO_DEPLOYMENT_ID !== undefined;

// Without its settings every request would answer 500: refuse to start, one line per missing or bad one.
const problems = gatewaySettingsProblems(env);
if (problems.length > 0) {
  for (const problem of problems) console.error(`gateway: ${problem}`);
  Deno.exit(1);
}

function seconds(name: string, fallback: number): number {
  const value = env[name];
  if (value === undefined || value.trim() === "") return fallback * 1000;
  const number = Number(value);
  if (!(number > 0) || number > 86400) {
    console.error(`${name} must be a number of seconds, received ${value}`);
    Deno.exit(2);
  }
  return number * 1000;
}

const openKv = (Deno as unknown as {
  openKv?: (path?: string) => Promise<KvStore>;
}).openKv;
let coordinator: ((limits: BudgetLimits) => Coordinator) | undefined;
if (deploy || env.KV_PATH) {
  if (openKv === undefined) {
    console.error(
      "KV_PATH is set but Deno KV is not available: run with --unstable-kv",
    );
    Deno.exit(2);
  }
  const kv = await openKv(deploy ? undefined : env.KV_PATH);
  coordinator = (limits) => new KvCoordinator(kv, limits);
}

// Deno's own fetch copies a Blob or Uint8Array request body whole, several times (130-150 MB more per
// 200 MiB direct upload, bench/gateway_memory.ts), and sends a ReadableStream body without its
// Content-Length, which DocSpace's numbered chunks need. nodeFetch streams both with their length.
const app = createUploadGateway({
  env,
  fetch: nodeFetch,
  ...(coordinator ? { coordinator } : {}),
});

const port = Number(env.PORT ?? 8000);
const listenHost = env.LISTEN_HOST ?? "0.0.0.0";
let addr: Deno.NetAddr;
if (deploy) {
  addr = Deno.serve(
    { port, hostname: listenHost },
    (request) => app.fetch(request),
  ).addr as Deno.NetAddr;
} else {
  const maxConnections = env.MAX_CONNECTIONS
    ? Number(env.MAX_CONNECTIONS)
    : connectionsFor(descriptorLimit());
  if (!Number.isSafeInteger(maxConnections) || maxConnections < 1) {
    console.error(`MAX_CONNECTIONS must be a positive whole number`);
    Deno.exit(2);
  }
  addr = serveGuarded(
    {
      hostname: listenHost,
      port,
      maxConnections,
      headersTimeout: seconds("HEADERS_TIMEOUT", 10),
      keepAliveTimeout: seconds("KEEPALIVE_TIMEOUT", 5),
    },
    async (request, remoteAddress) =>
      await app.fetch(ownUrl(request), { remoteAddress }),
  ).addr;
}

// Deno builds a request's URL from its Host header, which any caller may set. Deno Deploy routes only the
// project's own domains here, so its URLs are sound; elsewhere the gateway's public URL is PUBLIC_URL or,
// without it, the address this server listens on.
const own = `http://${
  addr.hostname === "0.0.0.0" || addr.hostname === "::"
    ? "localhost"
    : addr.hostname.includes(":")
    ? `[${addr.hostname}]`
    : addr.hostname
}:${addr.port}`;
console.log(`Listening on ${own.replace("localhost", addr.hostname)}/`);
if (!deploy && env.PUBLIC_URL === undefined) {
  console.warn(
    `PUBLIC_URL is not set: the locations the gateway hands out name ${own}; set PUBLIC_URL to the URL callers reach it at`,
  );
}

function ownUrl(request: Request): Request {
  const url = new URL(request.url);
  return new Request(own + url.pathname + url.search, {
    method: request.method,
    headers: request.headers,
    body: request.body,
    signal: request.signal,
    duplex: "half",
  } as RequestInit);
}
