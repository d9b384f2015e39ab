// `deno task gateway:try` from a fresh clone, in one command: the printed page loads, its ticket uploads a
// file through the gateway's direct route, a ticket from `deno task ticket` (with the printed secret) does
// too, both byte-exact in the emulator (the SHA-256 the quickstart prints for each stored file).
import { assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { join } from "node:path";
import { randomBytes, sha256 } from "../_helpers.ts";
import { skipSuite } from "../_skip.ts";
import { copyCheckout, missingTool, run, scratchDir } from "./_scratch.ts";

/** The output of a running process, read as it comes. */
class Output {
  text = "";
  /** Settles when the stream has ended. */
  readonly done: Promise<void>;
  #notify = () => {};
  #ended = false;

  constructor(stream: ReadableStream<Uint8Array>) {
    this.done = (async () => {
      for await (const piece of stream.pipeThrough(new TextDecoderStream())) {
        this.text += piece;
        this.#notify();
      }
      this.#ended = true;
      this.#notify();
    })();
  }

  /** Resolves to the first match of `pattern`, or throws when the output ends without one. */
  async match(pattern: RegExp): Promise<RegExpMatchArray> {
    while (true) {
      const match = this.text.match(pattern);
      if (match) return match;
      if (this.#ended) {
        throw new Error(`no ${pattern} in the output:\n${this.text}`);
      }
      await new Promise<void>((resolve) => this.#notify = resolve);
    }
  }
}

async function upload(
  url: string,
  credential: string,
  name: string,
  bytes: Uint8Array<ArrayBuffer>,
): Promise<Response> {
  return await fetch(url, {
    method: "POST",
    headers: { authorization: `Bearer ${credential}`, "x-file-name": name },
    body: bytes,
  });
}

Deno.test({
  name:
    "deno task gateway:try from a fresh clone: the page loads and its ticket, and one from deno task ticket, upload byte-exact",
  ignore: skipSuite("the gateway quickstart", missingTool("git")),
  async fn() {
    await using work = await scratchDir("docspace-try-");
    const clone = join(work.path, "docspace-upload");
    await copyCheckout(clone);
    const env = Deno.env.toObject();
    delete env.UPLOAD_SECRET;
    const child = new Deno.Command(Deno.execPath(), {
      args: ["task", "--quiet", "gateway:try"],
      cwd: clone,
      clearEnv: true,
      env: { ...env, NO_COLOR: "1" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const stdout = new Output(child.stdout);
    const stderr = new Output(child.stderr);
    try {
      const [, page] = await stdout.match(/Upload page: (\S+)\n/);
      const pageUrl = new URL(page!);
      const fragment = new URLSearchParams(pageUrl.hash.slice(1));
      const ticket = fragment.get("ticket")!;
      assertEquals(fragment.get("folder"), "1");
      assertMatch(pageUrl.origin, /^http:\/\/127\.0\.0\.1:\d+$/);

      const html = await fetch(pageUrl.origin + pageUrl.pathname);
      assertEquals(html.status, 200);
      assertStringIncludes(html.headers.get("content-type")!, "text/html");
      assertStringIncludes(
        await html.text(),
        "<title>Upload files to DocSpace</title>",
      );

      const direct = `${pageUrl.origin}/upload/1`;
      const first = randomBytes(3 * 1024 * 1024 + 17);
      const uploaded = await upload(
        direct,
        ticket,
        "from-page-ticket.bin",
        first,
      );
      assertEquals(uploaded.status, 201);
      const file = await uploaded.json();
      assertEquals(file.title, "from-page-ticket.bin");
      const [, stored] = await stdout.match(
        new RegExp(
          `Stored in the emulator: file ${file.id} "from-page-ticket\\.bin" \\(version 1\\), ${first.length} bytes, SHA-256 ([0-9a-f]{64})`,
        ),
      );
      assertEquals(stored, await sha256(first));

      // The printed command mints more tickets with this run's secret.
      const [, secret] = await stdout.match(
        /UPLOAD_SECRET=(\S+) deno task ticket --folder 1 --expires 15m --url /,
      );
      const minted = await run(
        Deno.execPath(),
        ["task", "--quiet", "ticket", "--folder", "1", "--expires", "10m"],
        { cwd: clone, env: { ...env, UPLOAD_SECRET: secret! } },
      );
      const toolTicket = minted.stdout.trim();
      const second = randomBytes(200_000);
      const response = await upload(
        direct,
        toolTicket,
        "from-tool.bin",
        second,
      );
      assertEquals(response.status, 201);
      const secondFile = await response.json();
      const [, storedSecond] = await stdout.match(
        new RegExp(
          `Stored in the emulator: file ${secondFile.id} "from-tool\\.bin" \\(version 1\\), 200000 bytes, SHA-256 ([0-9a-f]{64})`,
        ),
      );
      assertEquals(storedSecond, await sha256(second));

      // The ticket allows its folder only.
      const elsewhere = await upload(
        `${pageUrl.origin}/upload/2`,
        toolTicket,
        "x.bin",
        second,
      );
      assertEquals(elsewhere.status, 403);
      await elsewhere.body?.cancel();

      child.kill("SIGTERM");
      assertEquals((await child.status).code, 0);
      // The gateway went with it.
      const after = await fetch(`${pageUrl.origin}/health`).then(
        (r) => r.body?.cancel().then(() => r.status),
        (error) => error.name,
      );
      assertEquals(after, "TypeError");
    } finally {
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
      await child.status;
      // A failed assertion above killed `deno task` alone; its children may hold the pipes a moment.
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        Promise.all([stdout.done, stderr.done]),
        new Promise((resolve) => timer = setTimeout(resolve, 5000)),
      ]);
      clearTimeout(timer);
    }
  },
});
