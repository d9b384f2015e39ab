// The CLI's main function in-process, with injected streams, environment and terminal: the token
// prompt, the progress bars on a "terminal" stderr, and interruption through the signal.
import {
  assert,
  assertEquals,
  assertMatch,
  assertStringIncludes,
} from "@std/assert";
import { main } from "../../cli.ts";
import type { CliIo } from "../../cli/io.ts";
import { startEmulator } from "../../testing.ts";
import { sha256, stateFiles, tempDir, waitFor, writeRandom } from "./_run.ts";

const CHUNK = 64 * 1024;

function fakeIo(
  overrides: Partial<Omit<CliIo, "env">> & { env?: Record<string, string> } =
    {},
) {
  const out = { stdout: "", stderr: "" };
  const decoder = new TextDecoder();
  const sink = (key: "stdout" | "stderr") =>
    new WritableStream<Uint8Array>({
      write(chunk) {
        out[key] += decoder.decode(chunk);
      },
    });
  const { env = {}, ...rest } = overrides;
  const io: CliIo = {
    stdout: sink("stdout"),
    stderr: sink("stderr"),
    stdin: () => ReadableStream.from<Uint8Array>([]),
    stdinIsTerminal: false,
    stdoutIsTerminal: false,
    stderrIsTerminal: false,
    columns: () => 100,
    signal: new AbortController().signal,
    promptSecret: () => {
      throw new Error("unexpected prompt");
    },
    ...rest,
    env: (name) => env[name],
  };
  return { io, out };
}

Deno.test("main asks for the token on an interactive terminal", async () => {
  await using portal = await startEmulator({ chunkUploadSize: CHUNK });
  await using dir = await tempDir();
  const bytes = await writeRandom(`${dir.path}/a.bin`, 3 * CHUNK);
  const prompts: string[] = [];
  const { io, out } = fakeIo({
    env: { DOCSPACE_URL: portal.url, DOCSPACE_STATE_DIR: dir.state },
    stdinIsTerminal: true,
    stdoutIsTerminal: true,
    promptSecret: (message) => {
      prompts.push(message);
      return portal.token;
    },
  });
  assertEquals(
    await main([`${dir.path}/a.bin`, "--folder", "1", "--quiet"], io),
    0,
  );
  assertEquals(prompts, ["DocSpace token (input hidden):"]);
  assertEquals(out, { stdout: "", stderr: "" });
  assertEquals(
    await sha256(portal.emulator.files()[0]!.bytes),
    await sha256(bytes),
  );
});

Deno.test("main does not prompt when stdout is not a terminal", async () => {
  await using dir = await tempDir();
  await writeRandom(`${dir.path}/a.bin`, 1);
  const { io, out } = fakeIo({
    env: { DOCSPACE_URL: "http://127.0.0.1:9" },
    stdinIsTerminal: true,
  });
  assertEquals(await main([`${dir.path}/a.bin`, "--folder", "1"], io), 2);
  assertStringIncludes(out.stderr, "no token: set DOCSPACE_TOKEN");
});

Deno.test("main draws bars on a terminal stderr and erases them at the end", async () => {
  await using portal = await startEmulator({ chunkUploadSize: CHUNK });
  await using dir = await tempDir();
  await writeRandom(`${dir.path}/a.bin`, 8 * CHUNK);
  await writeRandom(`${dir.path}/b.bin`, 8 * CHUNK);
  const { io, out } = fakeIo({
    env: {
      DOCSPACE_URL: portal.url,
      DOCSPACE_TOKEN: portal.token,
      DOCSPACE_STATE_DIR: dir.state,
    },
    stderrIsTerminal: true,
  });
  assertEquals(
    await main([`${dir.path}/a.bin`, `${dir.path}/b.bin`, "--folder", "1"], io),
    0,
  );
  const ESC = "\x1b";
  const [first] = out.stderr.split("\n");
  assert(first!.startsWith(`${ESC}[2K`), first);
  assertMatch(
    first!,
    // Both files start at once, in either order.
    /[ab]\.bin {2}\[░+\] {3}0% {7}0 B \/ 512 KiB {11}-- {2}ETA --$/,
  );
  assertStringIncludes(out.stderr, `\r${ESC}[2A${ESC}[J`);
  // The last thing written: the bars erased, then the total.
  const erased = out.stderr.lastIndexOf(`${ESC}[J`);
  assertMatch(
    out.stderr.slice(erased - 5, erased),
    new RegExp(`^\r${ESC}\\[\\dA$`),
  );
  assertMatch(
    out.stderr.slice(erased + 3),
    /^Done: 2 uploaded \(1 MiB in [^)]+\)\n$/,
  );
  assertEquals(out.stdout.trimEnd().split("\n").length, 2);
});

Deno.test("main returns 130 when interrupted through its signal, keeping the state", async () => {
  await using portal = await startEmulator({ chunkUploadSize: CHUNK });
  await using dir = await tempDir();
  await writeRandom(`${dir.path}/a.bin`, 40 * CHUNK);
  portal.emulator.injectFault({
    kind: "latency",
    ms: 30,
    times: 1000,
    match: { mode: "numbered" },
  });
  const interrupt = new AbortController();
  const { io, out } = fakeIo({
    env: {
      DOCSPACE_URL: portal.url,
      DOCSPACE_TOKEN: portal.token,
      DOCSPACE_STATE_DIR: dir.state,
    },
    signal: interrupt.signal,
  });
  const exit = main([`${dir.path}/a.bin`, "--folder", "1"], io);
  await waitFor(
    "a confirmed chunk",
    () =>
      portal.emulator.log.some((e) => e.mode === "numbered" && e.status === 200)
        ? true
        : undefined,
  );
  interrupt.abort();
  assertEquals(await exit, 130);
  assertStringIncludes(
    out.stderr,
    "Interrupted: 0 uploaded, 1 stopped; the same command again continues where this run stopped (--restart starts over)",
  );
  assertEquals((await stateFiles(dir.state)).length, 1);
  assertEquals(portal.emulator.sessions().length, 1);
});

Deno.test("main fits each uploaded file's line in an 80-column terminal, the path cut from its start", async () => {
  await using portal = await startEmulator({ chunkUploadSize: CHUNK });
  await using dir = await tempDir();
  const deep = `${dir.path}/photos/2024/summer-holidays-at-the-seaside`;
  await writeRandom(
    `${deep}/IMG_20240712_183000_with_a_long_name.jpg`,
    3 * CHUNK,
  );
  await writeRandom(`${dir.path}/a.bin`, 10);
  const { io, out } = fakeIo({
    env: {
      DOCSPACE_URL: portal.url,
      DOCSPACE_TOKEN: portal.token,
      DOCSPACE_STATE_DIR: dir.state,
    },
    stdoutIsTerminal: true,
    columns: () => 80,
  });
  assertEquals(
    await main(
      [`${dir.path}/photos`, `${dir.path}/a.bin`, "--folder", "1"],
      io,
    ),
    0,
  );
  const lines = out.stdout.trimEnd().split("\n");
  assertEquals(lines.length, 2);
  for (const line of lines) assert([...line].length < 80, line);
  assertMatch(
    lines.find((l) => l.includes(".jpg"))!,
    /^…\S*_with_a_long_name\.jpg: 192 KiB uploaded to folder \d+ \(file \d+, version 1\)/,
  );
  assertMatch(
    lines.find((l) => l.includes("a.bin"))!,
    /a\.bin: 10 B uploaded to folder 1 \(file \d+, version 1\)/,
  );
});
