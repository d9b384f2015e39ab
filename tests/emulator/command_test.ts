// `deno task emulator` (testing.ts as a program): the banner, `location` on the origin the client used,
// every interface without handing out http://0.0.0.0, a port in use, --help and unknown flags, and the
// storage and rate-limit flags.
import { assert, assertEquals, assertMatch } from "@std/assert";
import { startEmulator } from "../../testing.ts";

const TESTING = new URL("../../testing.ts", import.meta.url).pathname;

/** Starts `deno run -A testing.ts ...args` and reads its five-line banner. */
async function serve(args: string[]) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", TESTING, ...args],
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let banner = "";
  // Five lines, or whatever arrived in ten seconds.
  const deadline = Date.now() + 10_000;
  while (banner.split("\n").length < 6 && Date.now() < deadline) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const read = await Promise.race([
      reader.read(),
      new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), deadline - Date.now());
      }),
    ]);
    clearTimeout(timer);
    if (read === undefined || read.done) break;
    banner += read.value;
  }
  reader.releaseLock();
  return {
    banner,
    port: Number(/:(\d+)/.exec(banner)?.[1]),
    async [Symbol.asyncDispose]() {
      child.kill("SIGTERM");
      await child.status;
      await child.stdout.cancel().catch(() => {});
      await child.stderr.cancel().catch(() => {});
    },
  };
}

async function locationVia(host: string, port: number): Promise<string> {
  const response = await fetch(
    `http://${host}:${port}/api/2.0/files/1/upload/create_session`,
    {
      method: "POST",
      headers: {
        authorization: "Bearer emulator-token",
        "content-type": "application/json",
      },
      body: JSON.stringify({ fileName: "a.bin", fileSize: 1 }),
    },
  );
  return (await response.json()).response.data.location;
}

Deno.test("deno task emulator prints its URL, the token, the folder ids, the storage and the rate limits; location follows the client's origin", async () => {
  await using server = await serve(["--port", "0"]);
  const lines = server.banner.trimEnd().split("\n");
  assertEquals(lines.length, 5, server.banner);
  assertMatch(
    lines[0]!,
    /^DocSpace emulator listening on http:\/\/127\.0\.0\.1:\d+$/,
  );
  assertEquals(
    lines[1],
    "Token: emulator-token (Authorization: Bearer emulator-token)",
  );
  assertEquals(
    lines[2],
    "Folders: 1 (My documents), sbox-1 (Third-party storage)",
  );
  assertEquals(lines.slice(3), [
    "Storage: digest (each file's size and SHA-256 only)",
    "Rate limits per user: 1500 requests a minute, 15 concurrent writes, 50 concurrent GETs, 10000 POST/PUT a day (429 beyond)",
  ]);
  for (const host of ["127.0.0.1", "localhost"]) {
    assertMatch(
      await locationVia(host, server.port),
      new RegExp(
        `^http://${host}:${server.port}/ChunkedUploader\\.ashx\\?uid=`,
      ),
    );
  }
});

Deno.test("deno task emulator on every interface never hands out http://0.0.0.0", async () => {
  await using server = await serve(["--port", "0", "--hostname", "0.0.0.0"]);
  assert(!server.banner.includes("0.0.0.0"), server.banner);
  assertMatch(
    server.banner,
    /^DocSpace emulator listening on http:\/\/127\.0\.0\.1:\d+ /,
  );
  for (const host of ["127.0.0.1", "localhost"]) {
    assertMatch(
      await locationVia(host, server.port),
      new RegExp(`^http://${host}:${server.port}/ChunkedUploader`),
    );
  }
});

Deno.test("deno task emulator says in one line that the port is in use", async () => {
  await using taken = await startEmulator();
  const port = new URL(taken.url).port;
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", TESTING, "--port", port],
    stdin: "null",
  }).output();
  assertEquals(output.code, 1);
  assertEquals(new TextDecoder().decode(output.stdout), "");
  assertEquals(
    new TextDecoder().decode(output.stderr),
    `error: cannot listen on 127.0.0.1:${port}: the port is already in use; pick another with --port (0 picks a free one)\n`,
  );
});

Deno.test("startEmulator's location is on the origin of each request", async () => {
  await using server = await startEmulator();
  const port = new URL(server.url).port;
  assertMatch(
    await locationVia("localhost", Number(port)),
    new RegExp(`^http://localhost:${port}/`),
  );
});

async function run(args: string[]) {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", TESTING, ...args],
    stdin: "null",
  }).output();
  return {
    code: output.code,
    stdout: new TextDecoder().decode(output.stdout),
    stderr: new TextDecoder().decode(output.stderr),
  };
}

Deno.test("deno task emulator --help prints the usage, with the storage and rate-limit flags, and exits 0", async () => {
  for (const flag of ["--help", "-h"]) {
    const { code, stdout, stderr } = await run([flag, "--port", "0"]);
    assertEquals([code, stderr], [0, ""]);
    assertMatch(stdout, /^usage: deno run -A testing\.ts \[options\]\n/);
    for (
      const option of [
        "--storage <kind>",
        "dir:<path>",
        "--no-rate-limits",
        "--requests-per-minute <n>",
        "--concurrent-writes <n>",
        "--concurrent-gets <n>",
        "--writes-per-day <n>",
      ]
    ) {
      assert(stdout.includes(option), option);
    }
  }
});

Deno.test("deno task emulator refuses an unknown flag, a stray argument or a bad value with the usage and exit 2, without serving", async () => {
  for (
    const [args, message] of [
      [["--bogus"], "error: unknown argument --bogus"],
      [["serve"], "error: unknown argument serve"],
      [
        ["--storage", "disk"],
        'error: --storage must be memory, digest or dir:<path>, received "disk"',
      ],
      [
        ["--concurrent-writes", "0"],
        'error: --concurrent-writes must be a positive integer or off, received "0"',
      ],
    ] as [string[], string][]
  ) {
    const { code, stdout, stderr } = await run([...args, "--port", "0"]);
    assertEquals([code, stdout], [2, ""], args.join(" "));
    assertEquals(stderr.split("\n")[0], message);
    assertMatch(stderr, /\nusage: deno run -A testing\.ts/);
  }
});

Deno.test("deno task emulator --storage and the rate-limit flags reach the emulator", async () => {
  const directory = await Deno.makeTempDir({ prefix: "emulator-command-" });
  try {
    {
      await using server = await serve([
        "--port",
        "0",
        "--storage",
        `dir:${directory}`,
        "--concurrent-writes",
        "3",
        "--writes-per-day",
        "off",
      ]);
      assertEquals(server.banner.trimEnd().split("\n").slice(3), [
        `Storage: files under ${directory}`,
        "Rate limits per user: 1500 requests a minute, 3 concurrent writes, 50 concurrent GETs (429 beyond)",
      ]);
      const settings = await fetch(
        `http://127.0.0.1:${server.port}/api/2.0/files/settings`,
      );
      assertEquals((await settings.json()).response.maxUploadThreadCount, 3);
      assertEquals([...Deno.readDirSync(directory)].map((e) => e.name).sort(), [
        "chunks",
        "files",
      ]);
    }
    await using off = await serve([
      "--port",
      "0",
      "--storage",
      "memory",
      "--no-rate-limits",
    ]);
    assertEquals(off.banner.trimEnd().split("\n").slice(3), [
      "Storage: memory (every byte kept)",
      "Rate limits: off",
    ]);
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
});
