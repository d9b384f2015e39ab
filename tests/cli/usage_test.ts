// Usage errors exit 2 with a message that names the flag or the path; --help and --version exit 0.
import {
  assert,
  assertEquals,
  assertMatch,
  assertStringIncludes,
} from "@std/assert";
import { skipSuite } from "../_skip.ts";
import { startEmulator } from "../../testing.ts";
import { type CliRun, runCli, tempDir, writeRandom } from "./_run.ts";

const ENV = {
  DOCSPACE_URL: "http://127.0.0.1:9",
  DOCSPACE_TOKEN: "t",
  DOCSPACE_STATE_DIR: "/nonexistent/state",
};

/** A usage error: exit 2, nothing on stdout, the message, and a pointer to --help for flag mistakes. */
function assertUsage(
  run: CliRun,
  message: string | RegExp,
  hint = true,
): void {
  assertEquals(run.code, 2, `stdout: ${run.stdout}\nstderr: ${run.stderr}`);
  assertEquals(run.stdout, "");
  if (typeof message === "string") assertStringIncludes(run.stderr, message);
  else assertMatch(run.stderr, message);
  assertEquals(run.stderr.includes("Run with --help for usage."), hint);
}

Deno.test("cli --help prints usage and exits 0", async () => {
  const run = await runCli(["--help"], { env: {} });
  assertEquals(run.code, 0);
  assertEquals(run.stderr, "");
  assertStringIncludes(run.stdout, "Usage:");
  assertStringIncludes(run.stdout, "--folder <id>");
  assertStringIncludes(run.stdout, "DOCSPACE_TOKEN");
  assertStringIncludes(run.stdout, "a --token value shows in the process list");
  assertStringIncludes(run.stdout, "130 interrupted");
});

Deno.test("cli --help lists every option, and what it does by default", async () => {
  const { BOOLEANS, STRINGS } = await import("../../cli/args/args.ts");
  const { HELP } = await import("../../cli/args/help.ts");
  // Each option's entry: from its flag to the next option's.
  const entries = HELP.split(/\n(?= {2}(?:-[a-zA-Z], )?--)/);
  for (const flag of [...STRINGS, ...BOOLEANS]) {
    const entry = entries.find((e) =>
      new RegExp(`^  (-\\w, )?--${flag}\\b`).test(e)
    );
    assert(entry !== undefined, `--${flag} is not in --help`);
    if (flag === "help" || flag === "version" || flag === "folder") continue;
    assert(
      /default|required/.test(entry!),
      `--${flag} has no default:\n${entry}`,
    );
  }
  for (const line of HELP.split("\n")) assert(line.length <= 80, line);
});

Deno.test("cli --version prints the version", async () => {
  const run = await runCli(["--version"], { env: {} });
  assertEquals(run, { code: 0, stdout: "docspace-upload 0.1.0\n", stderr: "" });
});

Deno.test("cli refuses unknown flags", async () => {
  assertUsage(
    await runCli(["a.bin", "--folder", "1", "--bogus", "-z"], { env: ENV }),
    "error: unknown options --bogus, -z",
  );
});

Deno.test("cli needs something to upload", async () => {
  assertUsage(
    await runCli(["--folder", "1"], { env: ENV }),
    "nothing to upload",
  );
});

Deno.test("cli needs --folder", async () => {
  await using dir = await tempDir();
  await writeRandom(`${dir.path}/a.bin`, 1);
  assertUsage(
    await runCli([`${dir.path}/a.bin`], { env: ENV }),
    "--folder is required",
  );
  assertUsage(
    await runCli([`${dir.path}/a.bin`, "--folder", " "], { env: ENV }),
    "--folder needs a value",
  );
});

Deno.test("cli without a URL names DOCSPACE_URL", async () => {
  await using dir = await tempDir();
  await writeRandom(`${dir.path}/a.bin`, 1);
  assertUsage(
    await runCli([`${dir.path}/a.bin`, "--folder", "1"], {
      env: { DOCSPACE_TOKEN: "t" },
    }),
    "no portal URL: pass --url https://your-portal or set DOCSPACE_URL",
  );
  assertUsage(
    await runCli([`${dir.path}/a.bin`, "--folder", "1", "--url", "ftp://x"], {
      env: { DOCSPACE_TOKEN: "t" },
    }),
    'the portal URL must be an http(s) URL like https://example.onlyoffice.com, received "ftp://x"',
  );
});

Deno.test("cli without a token, not on a terminal, names DOCSPACE_TOKEN", async () => {
  await using dir = await tempDir();
  await writeRandom(`${dir.path}/a.bin`, 1);
  assertUsage(
    await runCli([`${dir.path}/a.bin`, "--folder", "1"], {
      env: { DOCSPACE_URL: "http://127.0.0.1:9" },
    }),
    "no token: set DOCSPACE_TOKEN",
  );
});

Deno.test("cli refuses a token no header can carry, at once, without showing it", async () => {
  await using dir = await tempDir();
  await writeRandom(`${dir.path}/a.bin`, 1);
  const run = await runCli([`${dir.path}/a.bin`, "--folder", "1"], {
    env: {
      DOCSPACE_URL: "http://127.0.0.1:9",
      DOCSPACE_TOKEN: "sk-\x01secret",
    },
  });
  assertUsage(
    run,
    "token has a character that cannot go in an HTTP header (U+0001 at position 4); copy the token again without it",
  );
  assertEquals(run.stderr.includes("secret"), false);
});

Deno.test("cli names a path that does not exist, and uploads nothing", async () => {
  await using portal = await startEmulator();
  await using dir = await tempDir();
  await writeRandom(`${dir.path}/there.bin`, 1);
  const run = await runCli(
    [`${dir.path}/there.bin`, `${dir.path}/missing.bin`, "--folder", "1"],
    { env: { ...ENV, DOCSPACE_URL: portal.url, DOCSPACE_TOKEN: portal.token } },
  );
  // A path is not a flag: --help would not help.
  assertUsage(
    run,
    `error: cannot read "${dir.path}/missing.bin": no such file or directory`,
    false,
  );
  assertEquals(portal.emulator.log, []);
});

Deno.test("cli names a path that is neither a file nor a directory", async () => {
  await using dir = await tempDir();
  const socket = `${dir.path}/sock`;
  using _listener = Deno.listen({ transport: "unix", path: socket });
  assertUsage(
    await runCli([socket, "--folder", "1"], { env: ENV }),
    `cannot upload "${socket}": it is not a regular file or a directory`,
    false,
  );
});

Deno.test({
  name:
    "cli names a file it cannot read: a failure (exit 1), not a usage error",
  ignore: skipSuite(
    "the unreadable-file CLI test",
    Deno.uid() === 0 ? "it runs as root, who can read any file" : undefined,
    true,
  ),
  async fn() {
    await using dir = await tempDir();
    await writeRandom(`${dir.path}/secret.bin`, 1);
    await Deno.chmod(`${dir.path}/secret.bin`, 0o000);
    const run = await runCli([`${dir.path}/secret.bin`, "--folder", "1"], {
      env: ENV,
    });
    assertEquals(run.code, 1);
    assertStringIncludes(
      run.stderr,
      `error: ${dir.path}/secret.bin: cannot read it: permission denied\n`,
    );
    assert(!run.stderr.includes("--help"), run.stderr);
  },
});

Deno.test("cli reads --folder -5 as a value, and refuses it", async () => {
  for (const folder of ["-5", "+5"]) {
    const run = await runCli(["a.bin", "--folder", folder], { env: ENV });
    assertUsage(
      run,
      `error: --folder must be a positive integer or a third-party folder id, received "${folder}"`,
    );
    assert(!run.stderr.includes("unknown option"), run.stderr);
  }
  // A value that starts with "--" is a flag: the folder is missing.
  assertUsage(
    await runCli(["a.bin", "--folder", "--json"], { env: ENV }),
    "--folder needs a value",
  );
});

Deno.test("cli stdin needs --name, alone, without --resume", async () => {
  assertUsage(
    await runCli(["-", "--size", "10", "--folder", "1"], { env: ENV }),
    "--name is required with - (stdin)",
  );
  assertUsage(
    await runCli(
      ["-", "a.bin", "--size", "1", "--name", "x", "--folder", "1"],
      {
        env: ENV,
      },
    ),
    "- (stdin) cannot be combined with other paths",
  );
  assertUsage(
    await runCli([
      "-",
      "--size",
      "1",
      "--name",
      "x",
      "--folder",
      "1",
      "--resume",
    ], {
      env: ENV,
    }),
    "--resume cannot be used with - (stdin)",
  );
  assertUsage(
    await runCli(["-", "--size", "ten", "--name", "x", "--folder", "1"], {
      env: ENV,
    }),
    '--size must be a whole number of bytes like 1048576 or 10MiB, received "ten"',
  );
});

Deno.test("cli refuses --size for files and --name for several files or a directory", async () => {
  await using dir = await tempDir();
  await writeRandom(`${dir.path}/d/a.bin`, 1);
  await writeRandom(`${dir.path}/b.bin`, 1);
  assertUsage(
    await runCli([`${dir.path}/b.bin`, "--size", "1", "--folder", "1"], {
      env: ENV,
    }),
    "--size is only for - (stdin)",
  );
  assertUsage(
    await runCli([
      `${dir.path}/b.bin`,
      `${dir.path}/d/a.bin`,
      "--name",
      "x",
      "--folder",
      "1",
    ], {
      env: ENV,
    }),
    "--name applies to a single file; it cannot name several",
  );
  assertUsage(
    await runCli([`${dir.path}/d`, "--name", "x", "--folder", "1"], {
      env: ENV,
    }),
    `--name applies to a single file, but "${dir.path}/d" is a directory`,
  );
});

Deno.test("cli checks --concurrency, --chunk-size and --on-conflict", async () => {
  assertUsage(
    await runCli(["a.bin", "--folder", "1", "--concurrency", "0"], {
      env: ENV,
    }),
    '--concurrency must be a positive integer, received "0"',
  );
  assertUsage(
    await runCli(["a.bin", "--folder", "1", "--chunk-size", "1000"], {
      env: ENV,
    }),
    '--chunk-size must be a positive multiple of 512 no greater than 10MiB (10485760), received "1000"',
  );
  assertUsage(
    await runCli(["a.bin", "--folder", "1", "--chunk-size", "20MiB"], {
      env: ENV,
    }),
    "--chunk-size must be a positive multiple of 512",
  );
  assertUsage(
    await runCli(["a.bin", "--folder", "1", "--on-conflict", "overwrite"], {
      env: ENV,
    }),
    '--on-conflict must be version, copy or skip, received "overwrite"',
  );
});

Deno.test("cli --chunk-size must match the server's for a numeric folder", async () => {
  await using portal = await startEmulator({ chunkUploadSize: 65536 });
  await using dir = await tempDir();
  await writeRandom(`${dir.path}/a.bin`, 200_000);
  const env = {
    DOCSPACE_URL: portal.url,
    DOCSPACE_TOKEN: portal.token,
    DOCSPACE_STATE_DIR: dir.state,
  };
  assertUsage(
    await runCli([
      `${dir.path}/a.bin`,
      "--folder",
      "1",
      "--chunk-size",
      "128KiB",
    ], { env }),
    "--chunk-size 131072 differs from the server's chunkUploadSize 65536",
  );
  assertEquals(portal.emulator.log.filter((e) => e.mode === "create"), []);
  const same = await runCli([
    `${dir.path}/a.bin`,
    "--folder",
    "1",
    "--chunk-size",
    "64KiB",
  ], { env });
  assertEquals(same.code, 0, same.stderr);
});
