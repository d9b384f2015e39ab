// The CLI installed as a user installs it: `deno task install:cli` in a copy of a fresh clone, then the
// installed `docspace-upload` command run from elsewhere, with `deno` on PATH as `npm install -g deno` puts it.
import { assertEquals, assertStringIncludes } from "@std/assert";
import { delimiter, dirname, join } from "node:path";
import { startEmulator } from "../../testing.ts";
import { randomBytes, sha256 } from "../_helpers.ts";
import { skipSuite } from "../_skip.ts";
import { copyCheckout, missingTool, run, scratchDir } from "./_scratch.ts";

const missing = missingTool("git");

Deno.test({
  name:
    "deno task install:cli from a fresh clone installs docspace-upload, whose --help runs and which uploads",
  ignore: skipSuite("installing the CLI", missing),
  async fn() {
    await using work = await scratchDir("docspace-cli-");
    const clone = join(work.path, "docspace-upload");
    await copyCheckout(clone);
    const root = join(work.path, "deno-root");
    const bin = join(root, "bin");
    const path = [bin, dirname(Deno.execPath()), Deno.env.get("PATH") ?? ""]
      .join(delimiter);
    const env = { PATH: path, NO_COLOR: "1" };
    const installed = await run(
      Deno.execPath(),
      ["task", "--quiet", "install:cli", "--root", root],
      { cwd: clone, env },
    );
    assertStringIncludes(
      installed.stdout,
      `Installed docspace-upload into ${bin}.`,
    );
    assertEquals(installed.stdout.includes("npm install -g deno"), false);

    const command = join(bin, "docspace-upload");
    const help = await run(command, ["--help"], { cwd: work.path, env });
    assertStringIncludes(help.stdout, "--folder");

    await using portal = await startEmulator({ chunkUploadSize: 64 * 1024 });
    const bytes = randomBytes(2 * 64 * 1024 + 5);
    await Deno.writeFile(join(work.path, "report.bin"), bytes);
    const uploaded = await run(
      command,
      ["report.bin", "--folder", "1", "--json"],
      {
        cwd: work.path,
        env: {
          ...env,
          DOCSPACE_URL: portal.url,
          DOCSPACE_TOKEN: portal.token,
          DOCSPACE_STATE_DIR: join(work.path, "state"),
        },
      },
    );
    const file = JSON.parse(uploaded.stdout);
    assertEquals(file.title, "report.bin");
    assertEquals(
      await sha256(portal.emulator.file(file.id)!.bytes),
      await sha256(bytes),
    );
  },
});

Deno.test({
  name:
    "install:cli says how to get a deno on PATH when there is none (a Deno run through npx)",
  ignore: skipSuite("installing the CLI", missing),
  async fn() {
    await using work = await scratchDir("docspace-cli-");
    const clone = join(work.path, "docspace-upload");
    await copyCheckout(clone);
    const root = join(work.path, "deno-root");
    const empty = join(work.path, "empty");
    await Deno.mkdir(empty);
    const { stdout } = await run(
      Deno.execPath(),
      ["run", "-A", "_tools/install_cli.ts", "--root", root],
      { cwd: clone, env: { PATH: empty, NO_COLOR: "1" } },
    );
    assertEquals(stdout.split("\n"), [
      `Installed docspace-upload into ${join(root, "bin")}.`,
      `Add it to your PATH: export PATH="${join(root, "bin")}:$PATH"`,
      "docspace-upload runs `deno` from your PATH, and there is none (a Deno run through npx is not on it): install it with `npm install -g deno@2.9.6`.",
      "Try: docspace-upload --help",
      "",
    ]);
  },
});
