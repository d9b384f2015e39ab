// `deno task ticket --folder <id> [--expires 1h] [--max-bytes 1GiB] [--url <gateway>]`: mints an upload
// ticket with the gateway's UPLOAD_SECRET, read from the environment (never from the command line, where
// other users of the machine can read it). Prints the ticket, or with --url the upload page's URL with the
// ticket in its fragment; what the ticket allows goes to stderr.
import { parseArgs } from "@std/cli/parse-args";
import { parseByteCount } from "../cli/args/byte_count.ts";
import { createUploadTicket } from "../mod.ts";

/** What a ticket is made for. */
export interface TicketRequest {
  /** The folder it allows. */
  folderId: string;
  /** Its lifetime, in seconds. */
  expiresIn: number;
  /** The largest file it allows, in bytes. */
  maxBytes: number;
  /** The gateway's URL, to print the page's URL instead of the bare ticket. */
  url?: string;
}

/** The longest lifetime the tool gives a ticket: tickets cannot be revoked one by one. */
export const MAX_LIFETIME = 7 * 24 * 3600;

const HELP = `Mint an upload ticket for the upload gateway.

Usage:
  UPLOAD_SECRET=… deno task ticket --folder <id> [--expires 1h] [--max-bytes 1GiB] [--url <gateway>]

Options:
  --folder <id>       the only folder the ticket allows (required)
  --expires <time>    how long it is valid: 90 (seconds), 90s, 15m, 2h, 1d; at most 7d (default 1h).
                      Every request of an upload is checked, so cover the whole upload.
  --max-bytes <size>  the largest file it allows: 1048576, 200MiB, 1.5GB (default 1GiB)
  --url <gateway>     print the gateway's upload page URL with the ticket, like
                      https://upload.example.com/#ticket=…&folder=…, instead of the bare ticket

UPLOAD_SECRET must be the gateway's own: set it in the environment (not on the command line).`;

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** Parses a lifetime like `90`, `90s`, `15m`, `2h`, `1d` into seconds; undefined when it is not one. */
export function parseLifetime(text: string): number | undefined {
  const match = /^\s*(\d{1,7})\s*([smhd]?)\s*$/.exec(text);
  if (match === null) return undefined;
  const seconds = Number(match[1]) * UNIT_SECONDS[match[2] || "s"]!;
  return seconds > 0 && seconds <= MAX_LIFETIME ? seconds : undefined;
}

/** The upload page's URL for a ticket: the ticket and folder in the fragment, never sent to a server. */
export function pageUrl(
  gateway: string,
  ticket: string,
  folderId: string,
): string {
  const url = new URL(gateway);
  url.hash = new URLSearchParams({ ticket, folder: folderId }).toString();
  return url.href;
}

/** Parses the command line; a string is the message of a usage error, `"help"` asks for the help. */
export function parseTicketArgs(
  args: string[],
): TicketRequest | "help" | string {
  const unknown: string[] = [];
  const flags = parseArgs(args, {
    string: ["folder", "expires", "max-bytes", "url"],
    boolean: ["help"],
    alias: { h: "help" },
    default: { expires: "1h", "max-bytes": "1GiB" },
    unknown: (arg: string) => {
      unknown.push(arg);
      return false;
    },
  });
  if (flags.help) return "help";
  if (unknown.length > 0) return `unknown argument ${unknown[0]}`;
  const folderId = flags.folder?.trim() ?? "";
  if (folderId === "" || folderId.length > 100) {
    return "--folder <id> is required: the folder the ticket allows";
  }
  const expiresIn = parseLifetime(flags.expires);
  if (expiresIn === undefined) {
    return `--expires must be a lifetime like 90s, 15m, 2h or 1d, at most 7d, received ${
      JSON.stringify(flags.expires)
    }`;
  }
  let maxBytes: number;
  try {
    maxBytes = parseByteCount("max-bytes", flags["max-bytes"]);
  } catch (error) {
    return (error as Error).message;
  }
  if (flags.url !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(flags.url);
    } catch {
      url = undefined;
    }
    if (url?.protocol !== "https:" && url?.protocol !== "http:") {
      return `--url must be the gateway's http(s) URL, received ${
        JSON.stringify(flags.url)
      }`;
    }
    return { folderId, expiresIn, maxBytes, url: flags.url };
  }
  return { folderId, expiresIn, maxBytes };
}

/** Runs the tool; resolves to its exit code. */
export async function ticketCommand(
  args: string[],
  secret: string | undefined,
  out: (line: string) => void,
  err: (line: string) => void,
): Promise<number> {
  const request = parseTicketArgs(args);
  if (request === "help") {
    out(HELP);
    return 0;
  }
  if (typeof request === "string") {
    err(`ticket: ${request} (--help for usage)`);
    return 2;
  }
  if (secret === undefined || secret.trim() === "") {
    err("ticket: UPLOAD_SECRET is not set: set it to the gateway's secret");
    return 2;
  }
  let ticket: string;
  try {
    ticket = await createUploadTicket({ secret: secret.trim(), ...request });
  } catch (error) {
    err(`ticket: ${(error as Error).message}`);
    return 2;
  }
  const until = new Date(Date.now() + request.expiresIn * 1000).toISOString();
  err(
    `A ticket for folder ${request.folderId}: files of up to ${request.maxBytes} bytes, until ${until}.`,
  );
  out(
    request.url === undefined
      ? ticket
      : pageUrl(request.url, ticket, request.folderId),
  );
  return 0;
}

if (import.meta.main) {
  Deno.exitCode = await ticketCommand(
    Deno.args,
    Deno.env.get("UPLOAD_SECRET"),
    console.log,
    console.error,
  );
}
