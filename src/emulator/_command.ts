// `deno task emulator` (testing.ts run as a program): serve the emulator on a port and say how to use it.
import { parseArgs } from "@std/cli/parse-args";
import type { RateLimits } from "./rate_limits.ts";
import { type RunningEmulator, startEmulator } from "./serve.ts";
import type { EmulatorStorage } from "./storage.ts";

const USAGE = `usage: deno run -A testing.ts [options]

  --port <n>                 the port; 0 picks a free one (default 8080, or $PORT)
  --hostname <address>       the interface (default 127.0.0.1; 0.0.0.0 for every one)
  --storage <kind>           where uploaded bytes go (default digest):
                               digest      keep each file's size and SHA-256 only (memory stays small)
                               memory      keep every byte in memory (grows with every upload)
                               dir:<path>  write chunks and files under <path>
  --no-rate-limits           turn DocSpace's rate limiter off
  --requests-per-minute <n>  sliding window per user, any method (default 1500; off: none)
  --concurrent-writes <n>    requests other than GET at once per user (default 15; off: none)
  --concurrent-gets <n>      GET requests at once per user (default 50; off: none)
  --writes-per-day <n>       POST and PUT per user in 24 h (default 10000; off: none)
  -h, --help                 print this and exit`;

const LIMIT_FLAGS: Record<string, keyof RateLimits> = {
  "requests-per-minute": "requestsPerMinute",
  "concurrent-writes": "concurrentWrites",
  "concurrent-gets": "concurrentGets",
  "writes-per-day": "writesPerDay",
};

class UsageError extends Error {}

function storageOf(text: string): EmulatorStorage {
  if (text === "memory" || text === "digest") return text;
  if (text.startsWith("dir:") && text.length > 4) {
    return { directory: text.slice(4) };
  }
  throw new UsageError(
    `--storage must be memory, digest or dir:<path>, received ${
      JSON.stringify(text)
    }`,
  );
}

function limitOf(flag: string, text: string): number | false {
  if (text === "off") return false;
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(Number.isSafeInteger(value) && value > 0)) {
    throw new UsageError(
      `--${flag} must be a positive integer or off, received ${
        JSON.stringify(text)
      }`,
    );
  }
  return value;
}

function describeLimits(limits: Required<RateLimits>): string {
  const parts = [
    [limits.requestsPerMinute, "requests a minute"],
    [limits.concurrentWrites, "concurrent writes"],
    [limits.concurrentGets, "concurrent GETs"],
    [limits.writesPerDay, "POST/PUT a day"],
  ].filter(([value]) => value !== false).map(([value, what]) =>
    `${value} ${what}`
  );
  return parts.length === 0
    ? "Rate limits: off"
    : `Rate limits per user: ${parts.join(", ")} (429 beyond)`;
}

function describeStorage(storage: EmulatorStorage): string {
  if (storage === "memory") return "Storage: memory (every byte kept)";
  if (storage === "digest") {
    return "Storage: digest (each file's size and SHA-256 only)";
  }
  return `Storage: files under ${storage.directory}`;
}

/** What the command line asks to serve. */
interface ServeRequest {
  port: number;
  hostname: string;
  storage: EmulatorStorage;
  rateLimits: RateLimits | false;
}

/** The flags, or the exit code when there is nothing to serve: 0 after `--help`, 2 for a usage error. */
function serveRequestOf(
  argv: string[],
  env: (name: string) => string | undefined,
): ServeRequest | number {
  const unknown: string[] = [];
  const args = parseArgs(argv, {
    string: ["port", "hostname", "storage", ...Object.keys(LIMIT_FLAGS)],
    boolean: ["help", "rate-limits"],
    negatable: ["rate-limits"],
    alias: { h: "help" },
    default: { "rate-limits": true },
    unknown: (arg: string) => {
      unknown.push(arg);
      return false;
    },
  });
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  if (unknown.length > 0) {
    console.error(`error: unknown argument ${unknown[0]}\n${USAGE}`);
    return 2;
  }
  let storage: EmulatorStorage;
  const rateLimits: RateLimits = {};
  try {
    storage = storageOf(args.storage ?? "digest");
    for (const [flag, name] of Object.entries(LIMIT_FLAGS)) {
      const text = args[flag];
      if (typeof text === "string") rateLimits[name] = limitOf(flag, text);
    }
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`error: ${error.message}\n${USAGE}`);
    return 2;
  }
  const port = portOf(args.port ?? env("PORT") ?? "8080");
  if (port === undefined) return 2;
  const hostname = args.hostname ?? "127.0.0.1";
  return {
    port,
    hostname,
    storage,
    rateLimits: args["rate-limits"] ? rateLimits : false,
  };
}

/** The port, or undefined after saying on stderr why it is not one. */
function portOf(text: string): number | undefined {
  const port = /^\d+$/.test(text) ? Number(text) : NaN;
  if (port >= 0 && port <= 65535) return port;
  console.error(
    `error: --port must be 0-65535, received ${JSON.stringify(text)}\n${USAGE}`,
  );
  return undefined;
}

/** The line on stderr for a server that could not start. */
function startProblem(request: ServeRequest, error: unknown): string {
  const { hostname, port } = request;
  if (error instanceof Deno.errors.AddrInUse) {
    return `error: cannot listen on ${hostname}:${port}: the port is already in use; pick another with --port (0 picks a free one)`;
  }
  const why = error instanceof Error ? error.message : String(error);
  return `error: cannot serve on ${hostname}:${port}: ${why}`;
}

/** Prints where the served emulator listens and what it holds, on stdout. */
function describeServer(server: RunningEmulator, hostname: string): void {
  const everywhere = hostname === "0.0.0.0" || hostname === "::";
  console.log(
    `DocSpace emulator listening on ${server.url}${
      everywhere
        ? " (and on every interface: from elsewhere, use this machine's address)"
        : ""
    }`,
  );
  console.log(`Token: ${server.token} (Authorization: Bearer ${server.token})`);
  const folders = server.emulator.options.folders.map((f) =>
    f.title ? `${f.id} (${f.title})` : String(f.id)
  );
  console.log(`Folders: ${folders.join(", ")}`);
  console.log(describeStorage(server.emulator.options.storage));
  console.log(describeLimits(server.emulator.options.rateLimits));
}

/**
 * Serves the emulator as the command line asks and prints its URL, token, folder ids, storage and rate
 * limits on stdout. `--help` prints the usage (exit 0); an unknown flag or a bad value prints it on stderr
 * (exit 2). Problems are one line on stderr.
 *
 * @returns The exit code when it does not serve; otherwise it serves until the process ends.
 */
export async function serveFromCommandLine(
  argv: string[],
  env: (name: string) => string | undefined,
): Promise<number | undefined> {
  const request = serveRequestOf(argv, env);
  if (typeof request === "number") return request;
  let server: RunningEmulator;
  try {
    server = await startEmulator(request);
  } catch (error) {
    console.error(startProblem(request, error));
    return 1;
  }
  describeServer(server, request.hostname);
  return undefined;
}
