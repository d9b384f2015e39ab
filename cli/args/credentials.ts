/**
 * Where the portal's URL and the token come from: flags, then `DOCSPACE_URL` / `DOCSPACE_TOKEN`,
 * then (for the token, on an interactive terminal) a prompt.
 *
 * @module
 */
import type { CliArgs } from "./args.ts";
import type { CliIo } from "../io.ts";
import { tokenProblem } from "../../src/client/internal.ts";
import { UsageError } from "./usage_error.ts";

/** The portal and the credentials to use. */
export interface Credentials {
  /** The portal's URL. */
  url: string;
  /** The token. */
  token: string;
}

/** Whether a URL names this machine: `localhost`, 127.0.0.0/8 or `[::1]`, where plain HTTP stays local. */
function isLoopback(url: URL): boolean {
  const host = url.hostname.toLowerCase();
  return host === "localhost" || host.endsWith(".localhost") ||
    /^127\.\d+\.\d+\.\d+$/.test(host) || host === "[::1]";
}

/**
 * Resolves the URL and the token.
 *
 * @param args The parsed flags.
 * @param io The environment, and the terminal for the prompt.
 * @param stdinIsData Whether stdin carries the upload (then it cannot be asked for the token).
 * @returns The URL and the token.
 * @throws {UsageError} If either is missing, the URL is not an http(s) URL, or it is a plain `http://`
 * URL of another machine without `--allow-http` (the token would cross the network readable).
 */
export function resolveCredentials(
  args: CliArgs,
  io: CliIo,
  stdinIsData: boolean,
): Credentials {
  const url = (args.url ?? io.env("DOCSPACE_URL") ?? "").trim();
  if (url === "") {
    throw new UsageError(
      "no portal URL: pass --url https://your-portal or set DOCSPACE_URL",
    );
  }
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined || !/^https?:$/.test(parsed.protocol)) {
    throw new UsageError(
      `the portal URL must be an http(s) URL like https://example.onlyoffice.com, received ${
        JSON.stringify(url)
      }`,
    );
  }
  if (parsed.protocol === "http:" && !isLoopback(parsed) && !args.allowHttp) {
    throw new UsageError(
      `refusing to send the token over plain HTTP to ${parsed.host}: anyone on the way can read it and use it; use https://${parsed.host}${
        parsed.pathname === "/" ? "" : parsed.pathname
      }, or pass --allow-http if you trust every network between you and the portal`,
      { hint: false },
    );
  }
  let token = (args.token ?? io.env("DOCSPACE_TOKEN") ?? "").trim();
  // The prompt writes to stdout, so it is only used when stdout is the terminal too.
  if (
    token === "" && !stdinIsData && io.stdinIsTerminal && io.stdoutIsTerminal
  ) {
    token = (io.promptSecret("DocSpace token (input hidden):") ?? "").trim();
  }
  if (token === "") {
    throw new UsageError(
      "no token: set DOCSPACE_TOKEN to an API key or authentication token (--token also works, but its value shows in the process list)",
    );
  }
  const problem = tokenProblem(token);
  if (problem !== undefined) throw new UsageError(problem);
  return { url, token };
}
