// `deno task ticket`: its flags, its refusals, and the ticket it mints.
import { assertEquals, assertMatch } from "@std/assert";
import { verifyUploadTicket } from "../../mod.ts";
import {
  pageUrl,
  parseLifetime,
  parseTicketArgs,
  ticketCommand,
} from "../../_tools/ticket.ts";

const SECRET = "a-long-enough-upload-secret-for-tests";

async function runTool(args: string[], secret: string | undefined) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await ticketCommand(
    args,
    secret,
    (l) => out.push(l),
    (l) => err.push(l),
  );
  return { code, out, err };
}

Deno.test("parseLifetime reads seconds, minutes, hours and days, up to 7 days", () => {
  assertEquals(parseLifetime("90"), 90);
  assertEquals(parseLifetime("90s"), 90);
  assertEquals(parseLifetime("15m"), 900);
  assertEquals(parseLifetime("2h"), 7200);
  assertEquals(parseLifetime("7d"), 604800);
  for (const bad of ["0", "0m", "8d", "1w", "1.5h", "-1", "", "h"]) {
    assertEquals(parseLifetime(bad), undefined, bad);
  }
});

Deno.test("the ticket tool refuses bad flags and a missing or short secret, one line each, exit 2", async () => {
  const cases: [string[], string | undefined, string][] = [
    [
      [],
      SECRET,
      "ticket: --folder <id> is required: the folder the ticket allows (--help for usage)",
    ],
    [
      ["--folder", "1", "--expires", "8d"],
      SECRET,
      'ticket: --expires must be a lifetime like 90s, 15m, 2h or 1d, at most 7d, received "8d" (--help for usage)',
    ],
    [
      ["--folder", "1", "--max-bytes", "lots"],
      SECRET,
      '--max-bytes must be a whole number of bytes like 1048576 or 10MiB, received "lots"',
    ],
    [
      ["--folder", "1", "--url", "ftp://x"],
      SECRET,
      'ticket: --url must be the gateway\'s http(s) URL, received "ftp://x" (--help for usage)',
    ],
    [
      ["--folder", "1", "--secret", "s"],
      SECRET,
      "ticket: unknown argument --secret (--help for usage)",
    ],
    [
      ["--folder", "1"],
      undefined,
      "ticket: UPLOAD_SECRET is not set: set it to the gateway's secret",
    ],
    [
      ["--folder", "1"],
      "short",
      "ticket: Cannot create upload ticket: secret must be a string of at least 16 characters",
    ],
  ];
  for (const [args, secret, message] of cases) {
    const { code, out, err } = await runTool(args, secret);
    assertEquals(code, 2, args.join(" "));
    assertEquals(out, []);
    assertEquals(err.length, 1);
    assertEquals(err[0]!.includes(message), true, `${err[0]} ≠ ${message}`);
  }
});

Deno.test("the ticket tool mints a ticket for the folder, size and lifetime, or the page URL with it", async () => {
  const before = Date.now();
  const { code, out, err } = await runTool(
    ["--folder", "12345", "--expires", "15m", "--max-bytes", "200MiB"],
    `  ${SECRET}\n`,
  );
  assertEquals(code, 0);
  assertEquals(out.length, 1);
  const ticket = await verifyUploadTicket(out[0]!, { secret: SECRET });
  assertEquals(ticket.folderId, "12345");
  assertEquals(ticket.maxBytes, 200 * 1024 * 1024);
  assertEquals(
    ticket.expiresAt >= before + 900_000 - 2000 &&
      ticket.expiresAt <= Date.now() + 900_000 + 2000,
    true,
  );
  assertMatch(
    err[0]!,
    /^A ticket for folder 12345: files of up to 209715200 bytes, until \d{4}-\d\d-\d\dT/,
  );

  const withUrl = await runTool(
    ["--folder", "7", "--url", "https://upload.example.com"],
    SECRET,
  );
  const url = new URL(withUrl.out[0]!);
  assertEquals(url.origin + url.pathname, "https://upload.example.com/");
  const fragment = new URLSearchParams(url.hash.slice(1));
  assertEquals(fragment.get("folder"), "7");
  assertEquals(
    (await verifyUploadTicket(fragment.get("ticket")!, { secret: SECRET }))
      .maxBytes,
    1024 ** 3,
  );
  assertEquals(
    pageUrl("http://127.0.0.1:8000/", "ut1.a.b", "3"),
    "http://127.0.0.1:8000/#ticket=ut1.a.b&folder=3",
  );
  assertEquals(parseTicketArgs(["--help"]), "help");
});
