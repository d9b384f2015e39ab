// `deno task emulator` (testing.ts as a program): the banner, `location` on the origin the client used,
// every interface without handing out http://0.0.0.0, and a port in use.
import { assert, assertEquals, assertMatch } from "@std/assert";
import { startEmulator } from "../../testing.ts";

const TESTING = new URL("../../testing.ts", import.meta.url).pathname;

/** Starts `deno run -A testing.ts ...args` and reads its three-line banner. */
async function serve(args: string[]) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", TESTING, ...args],
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let banner = "";
  // Three lines, or whatever arrived in ten seconds.
  const deadline = Date.now() + 10_000;
  while (banner.split("\n").length < 4 && Date.now() < deadline) {
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

Deno.test("deno task emulator prints its URL, the token and the folder ids; location follows the client's origin", async () => {
  await using server = await serve(["--port", "0"]);
  const lines = server.banner.trimEnd().split("\n");
  assertEquals(lines.length, 3, server.banner);
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
