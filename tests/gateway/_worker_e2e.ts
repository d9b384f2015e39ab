// End-to-end harness: the worker's real entries on loopback (worker/deno.ts under Deno, worker/cloudflare.ts
// in workerd through `wrangler dev`, offline), and what the e2e tests need to find their tools.
import { createRequire } from "node:module";
import { REQUIRE_E2E, skipSuite } from "../_skip.ts";

const root = new URL("../../", import.meta.url);
const workerDir = new URL("worker/", root);

/** In CI (`REQUIRE_E2E=1`) a missing tool fails the test instead of skipping it. */
export { REQUIRE_E2E };

function exists(path: string | URL): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Where Debian's chromium is, if installed. */
export const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
  .find(exists);
const WRANGLER = new URL(
  "tools/node_modules/wrangler/bin/wrangler.js",
  workerDir,
);
const PLAYWRIGHT = new URL("tools/node_modules/playwright-core/", workerDir);

/** Why a tool is missing, or undefined when it is there. */
export function missing(
  tool: "wrangler" | "chromium" | "playwright",
): string | undefined {
  if (tool === "wrangler" && !exists(WRANGLER)) {
    return "wrangler is not installed in worker/tools/node_modules (run worker/install.sh)";
  }
  if (tool === "playwright" && !exists(PLAYWRIGHT)) {
    return "playwright-core is not installed in worker/tools/node_modules (run worker/install.sh)";
  }
  if (tool === "chromium" && CHROMIUM === undefined) {
    return "Debian's chromium is not installed (run worker/install.sh)";
  }
  return undefined;
}

/**
 * Whether to skip a test that needs `tools`: yes, with a message, when one is missing on a developer's
 * machine; in CI the test runs and fails on the first missing tool.
 */
export function skip(
  name: string,
  ...tools: ("wrangler" | "chromium" | "playwright")[]
): boolean {
  const reasons = tools.map(missing).filter((r) => r !== undefined);
  return skipSuite(name, reasons.length ? reasons.join("; ") : undefined);
}

/** Throws when a tool is missing (for CI, where skipping is not allowed). */
export function requireTools(
  ...tools: ("wrangler" | "chromium" | "playwright")[]
): void {
  const reasons = tools.map(missing).filter((r) => r !== undefined);
  if (reasons.length > 0) throw new Error(reasons.join("; "));
}

/** A running worker. */
export interface RunningWorker extends AsyncDisposable {
  /** Its origin, like `http://127.0.0.1:PORT`. */
  url: string;
  /** The process id of what was spawned (the Deno entry's own; wrangler's for workerd). */
  pid: number;
  /** Everything it printed so far. */
  output(): string;
  close(): Promise<void>;
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** Spawns a process, collects its output, and resolves once `ready` matches it (or fails on exit/timeout). */
async function spawn(
  command: string,
  args: string[],
  options: { cwd: string | URL; env: Record<string, string> },
  ready: RegExp,
  timeout: number,
): Promise<{ match: RegExpMatchArray; running: RunningWorker }> {
  const child = new Deno.Command(command, {
    args,
    cwd: options.cwd,
    env: options.env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let text = "";
  let notify = () => {};
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    for await (const piece of stream.pipeThrough(new TextDecoderStream())) {
      text += piece;
      notify();
    }
  };
  const pumped = Promise.all([pump(child.stdout), pump(child.stderr)]);
  let closed: Promise<void> | undefined;
  const close = () =>
    closed ??= (async () => {
      try {
        child.kill("SIGTERM");
      } catch { /* already gone */ }
      const timer = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch { /* already gone */ }
      }, 5000);
      await child.status;
      clearTimeout(timer);
      await pumped;
    })();
  const running: RunningWorker = {
    url: "",
    pid: child.pid,
    output: () => text,
    close,
    [Symbol.asyncDispose]: close,
  };
  const deadline = Date.now() + timeout;
  let exited = false;
  child.status.then(() => {
    exited = true;
    notify();
  });
  while (true) {
    const match = text.match(ready);
    if (match) return { match, running };
    if (exited || Date.now() > deadline) {
      await close();
      throw new Error(
        `${args.slice(0, 2).join(" ")} did not start (${
          exited ? "it exited" : "timeout"
        }):\n${text}`,
      );
    }
    await new Promise<void>((resolve) => {
      notify = resolve;
      setTimeout(resolve, 200);
    });
  }
}

/**
 * The environment that keeps wrangler offline: no metrics, no error reports, no update check (the banner),
 * no download of Cloudflare's cf.json; its config and logs in `dir`.
 */
export function offline(dir: string): Record<string, string> {
  return {
    WRANGLER_SEND_METRICS: "false",
    WRANGLER_SEND_ERROR_REPORTS: "false",
    WRANGLER_HIDE_BANNER: "true",
    CLOUDFLARE_CF_FETCH_ENABLED: "false",
    XDG_CONFIG_HOME: `${dir}/config`,
    WRANGLER_LOG_PATH: `${dir}/logs`,
    NO_COLOR: "1",
    FORCE_COLOR: "0",
  };
}

/** Runs wrangler (from worker/tools) with `args` in `cwd`, offline, and returns its output. */
export async function wrangler(
  args: string[],
  cwd: string | URL,
  env: Record<string, string> = {},
): Promise<{ success: boolean; output: string }> {
  const dir = await Deno.makeTempDir({ prefix: "wrangler-" });
  try {
    const result = await new Deno.Command("node", {
      args: [WRANGLER.pathname, ...args],
      cwd,
      env: { ...offline(dir), ...env },
      stdin: "null",
    }).output();
    const decoder = new TextDecoder();
    return {
      success: result.success,
      output: decoder.decode(result.stdout) + decoder.decode(result.stderr),
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * Serves worker/deno.ts, the Deno Deploy entry, on loopback with `env` as its environment; with `fileLimit`,
 * under `ulimit -n` of that many descriptors (its `pid` is then still the Deno process's own).
 */
export async function startDenoWorker(
  env: Record<string, string>,
  fileLimit?: number,
): Promise<RunningWorker> {
  const args = [
    "run",
    "--unstable-kv",
    "--allow-net",
    "--allow-env",
    "--allow-read",
    "--allow-write",
    "worker/deno.ts",
  ];
  const { match, running } = await spawn(
    fileLimit === undefined ? Deno.execPath() : "bash",
    fileLimit === undefined ? args : [
      "-c",
      `ulimit -n ${fileLimit} && exec "$0" "$@"`,
      Deno.execPath(),
      ...args,
    ],
    {
      cwd: root,
      env: { ...env, PORT: "0", LISTEN_HOST: "127.0.0.1", NO_COLOR: "1" },
    },
    /Listening on (http:\/\/127\.0\.0\.1:\d+)/,
    30_000,
  );
  running.url = match[1]!;
  return running;
}

/**
 * Serves worker/cloudflare.ts in workerd with `wrangler dev --local`, offline (no metrics, no update check, no
 * request for Cloudflare's cf.json). Like the deploy build, it bundles the entry with Deno first, and runs
 * wrangler.toml's settings with the bundle as `main` (no build step, no file watching); secrets go in
 * `.dev.vars`, as `wrangler dev` reads them.
 */
export async function startWorkerd(
  env: Record<string, string>,
): Promise<RunningWorker> {
  const dir = await Deno.makeTempDir({ prefix: "upload-worker-" });
  // Wrangler watches the Worker's folder: state and logs go beside it, not in it, or it reloads forever.
  const app = `${dir}/app`;
  await Deno.mkdir(app);
  const bundle = await new Deno.Command(Deno.execPath(), {
    args: [
      "bundle",
      "--quiet",
      "--platform",
      "browser",
      "--minify",
      "worker/cloudflare.ts",
      "-o",
      `${app}/worker.js`,
    ],
    cwd: root,
    env: { NO_COLOR: "1" },
  }).output();
  if (!bundle.success) {
    throw new Error(new TextDecoder().decode(bundle.stderr));
  }
  const toml = await Deno.readTextFile(new URL("wrangler.toml", workerDir));
  const config = toml
    .replace(/^\[build\][\s\S]*?(?=^\[)/m, "")
    .replace(/^\[vars\][\s\S]*$/m, "")
    .replace(/^main = .*$/m, 'main = "worker.js"');
  await Deno.writeTextFile(`${app}/wrangler.toml`, config);
  await Deno.writeTextFile(
    `${app}/.dev.vars`,
    Object.entries(env).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join("\n"),
  );
  // A free port found here may be taken by a test running in parallel before wrangler binds it: try again.
  let port = 0;
  let running: RunningWorker | undefined;
  for (let attempt = 1; running === undefined; attempt++) {
    port = freePort();
    try {
      ({ running } = await spawn(
        "node",
        [
          WRANGLER.pathname,
          "dev",
          "--local",
          "--ip",
          "127.0.0.1",
          "--port",
          String(port),
          "--inspector-port",
          "0",
          "--persist-to",
          `${dir}/state`,
          "--show-interactive-dev-session=false",
          "--log-level",
          "info",
        ],
        {
          cwd: app,
          env: offline(dir),
        },
        /Ready on http:\/\/127\.0\.0\.1:\d+/,
        60_000,
      ));
    } catch (error) {
      if (attempt >= 3 || !String(error).includes("Address already in use")) {
        throw error;
      }
    }
  }
  running.url = `http://127.0.0.1:${port}`;
  const close = running.close;
  running.close = async () => {
    await close();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  running[Symbol.asyncDispose] = running.close;
  return running;
}

/** playwright-core, from worker/tools/node_modules. */
// deno-lint-ignore no-explicit-any
export function playwright(): any {
  return createRequire(PLAYWRIGHT)("playwright-core");
}

/** The flags that keep Chromium off the network on this machine. */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * Sends `POST /upload/1` declaring `declared` bytes, writes only `sent` of them, waits for `whenSent`, and
 * drops the connection, as a browser or a server that dies mid-upload does.
 */
export async function dropMidUpload(
  url: string,
  credential: string,
  declared: number,
  sent: number,
  whenSent: () => Promise<void>,
): Promise<void> {
  const { hostname, port } = new URL(url);
  const conn = await Deno.connect({ hostname, port: Number(port) });
  const head =
    `POST /upload/1?name=dropped.bin HTTP/1.1\r\nHost: ${hostname}:${port}\r\n` +
    `Authorization: Bearer ${credential}\r\nContent-Length: ${declared}\r\n\r\n`;
  await conn.write(new TextEncoder().encode(head));
  const piece = new Uint8Array(65536);
  for (let written = 0; written < sent; written += piece.length) {
    await conn.write(piece.subarray(0, Math.min(piece.length, sent - written)));
  }
  await whenSent();
  conn.close();
}

/** Waits until `condition` holds, polling, or throws after `timeout` milliseconds. */
export async function eventually(
  condition: () => boolean,
  what: string,
  timeout = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
