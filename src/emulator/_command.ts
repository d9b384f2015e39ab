// `deno task emulator` (testing.ts run as a program): serve the emulator on a port and say how to use it.
import { parseArgs } from "@std/cli/parse-args";
import { startEmulator } from "./serve.ts";

const USAGE =
  "usage: deno run -A testing.ts [--port <n>] [--hostname <address>]   (port 0 picks a free one; default 8080, or $PORT)";

/**
 * Serves the emulator as the command line asks and prints its URL, token and folder ids on stdout.
 * Problems are one line on stderr.
 *
 * @returns The exit code when it cannot serve; otherwise it serves until the process ends.
 */
export async function serveFromCommandLine(
  argv: string[],
  env: (name: string) => string | undefined,
): Promise<number | undefined> {
  const args = parseArgs(argv, { string: ["port", "hostname"] });
  const portText = args.port ?? env("PORT") ?? "8080";
  const port = /^\d+$/.test(portText) ? Number(portText) : NaN;
  if (!(port >= 0 && port <= 65535)) {
    console.error(
      `error: --port must be 0-65535, received ${
        JSON.stringify(portText)
      }\n${USAGE}`,
    );
    return 2;
  }
  const hostname = args.hostname ?? "127.0.0.1";
  let server;
  try {
    server = await startEmulator({ port, hostname });
  } catch (error) {
    const why = error instanceof Deno.errors.AddrInUse
      ? "the port is already in use; pick another with --port (0 picks a free one)"
      : error instanceof Error
      ? error.message
      : String(error);
    console.error(`error: cannot listen on ${hostname}:${port}: ${why}`);
    return 1;
  }
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
  return undefined;
}
