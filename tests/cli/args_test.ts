import { assertEquals, assertThrows } from "@std/assert";
import { parseCliArgs } from "../../cli/args/args.ts";
import { parseByteCount } from "../../cli/args/byte_count.ts";
import { UsageError } from "../../cli/args/usage_error.ts";

Deno.test("parseByteCount reads bytes, binary and decimal units", () => {
  assertEquals(parseByteCount("size", "1048576"), 1048576);
  assertEquals(parseByteCount("size", "10MiB"), 10 * 1024 * 1024);
  assertEquals(parseByteCount("size", "64k"), 65536);
  assertEquals(parseByteCount("size", "1.5GB"), 1_500_000_000);
  assertEquals(parseByteCount("size", "2 kb"), 2000);
  assertEquals(parseByteCount("size", "0"), 0);
  assertThrows(
    () => parseByteCount("size", "1.5"),
    UsageError,
    "--size must be a whole number",
  );
  assertThrows(
    () => parseByteCount("size", "-1"),
    UsageError,
    "--size must be a whole number",
  );
  assertThrows(
    () => parseByteCount("size", "10 parsecs"),
    UsageError,
    '"10 parsecs"',
  );
});

Deno.test("parseCliArgs: numeric folders are numbers, others strings", () => {
  const numeric = parseCliArgs(["a.bin", "--folder", "123"]);
  assertEquals(numeric.command === "upload" && numeric.args.folderId, 123);
  const thirdParty = parseCliArgs(["a.bin", "--folder", "sbox-1|Documents"]);
  assertEquals(
    thirdParty.command === "upload" && thirdParty.args.folderId,
    "sbox-1|Documents",
  );
  assertThrows(
    () => parseCliArgs(["a.bin", "--folder", "0"]),
    UsageError,
    "--folder must be",
  );
});

Deno.test("parseCliArgs: defaults, aliases, and paths after --", () => {
  assertEquals(
    parseCliArgs(["a.bin", "--folder=1", "-q", "--", "--odd-name.bin"]),
    {
      command: "upload",
      args: {
        paths: ["a.bin", "--odd-name.bin"],
        folderId: 1,
        onConflict: "version",
        json: false,
        quiet: true,
        resume: false,
        restart: false,
        timeout: 60_000,
        exclude: [],
        allowHttp: false,
        skipExisting: false,
        dryRun: false,
        followSymlinks: false,
        allowRenames: false,
      },
    },
  );
  assertEquals(
    parseCliArgs([
      "-",
      "--size",
      "1MiB",
      "--name",
      " dump.sql ",
      "--folder",
      "9",
      "--concurrency",
      "5",
      "--chunk-size",
      "512k",
      "--on-conflict",
      "copy",
      "--json",
      "--url",
      "https://p",
      "--token",
      "t",
    ]),
    {
      command: "upload",
      args: {
        paths: ["-"],
        folderId: 9,
        url: "https://p",
        token: "t",
        name: "dump.sql",
        size: 1048576,
        concurrency: 5,
        chunkSize: 524288,
        onConflict: "copy",
        json: true,
        quiet: false,
        resume: false,
        restart: false,
        timeout: 60_000,
        exclude: [],
        allowHttp: false,
        skipExisting: false,
        dryRun: false,
        followSymlinks: false,
        allowRenames: false,
      },
    },
  );
});

Deno.test("parseCliArgs: --help and --version win over mistakes", () => {
  assertEquals(parseCliArgs(["--bogus", "-h"]), { command: "help" });
  assertEquals(parseCliArgs(["-V"]), { command: "version" });
});
