// The library from another Deno project, before it is on JSR: a scratch project outside the repository
// links a copy of the checkout (deno.json `links`), which keeps the package's own import map, and imports
// it by the name it will have on JSR.
import { assertEquals } from "@std/assert";
import { join } from "node:path";
import { skipSuite } from "../_skip.ts";
import { copyCheckout, missingTool, run, scratchDir } from "./_scratch.ts";

/** The scratch project's script: starts the emulator, uploads a Blob and a stream, checks SHA-256. */
const MAIN = `import { uploadFile } from "@docspace-tools/upload";
import { startEmulator } from "@docspace-tools/upload/testing";

const hex = async (bytes: Uint8Array<ArrayBuffer>) =>
  Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)), (b) =>
    b.toString(16).padStart(2, "0")).join("");

await using portal = await startEmulator({ chunkUploadSize: 1024 });
const bytes = crypto.getRandomValues(new Uint8Array(5000));
const options = { url: portal.url, token: portal.token, folderId: 1 };
const blob = await uploadFile(new Blob([bytes]), { ...options, fileName: "blob.bin" });
const stream = await uploadFile(new Blob([bytes]).stream(), {
  ...options,
  fileName: "stream.bin",
  fileSize: bytes.length,
});
const stored = [blob.id, stream.id].map((id) => portal.emulator.file(id)!.bytes.slice());
console.log(JSON.stringify({
  expected: await hex(bytes),
  stored: await Promise.all(stored.map(hex)),
  titles: portal.emulator.files().map((f) => f.title),
}));
`;

Deno.test({
  name:
    "a scratch Deno project links a checkout (deno.json links) and uploads to the emulator byte-exact",
  ignore: skipSuite(
    "the library in a scratch Deno project",
    missingTool("git"),
  ),
  async fn() {
    await using work = await scratchDir("docspace-deno-");
    const checkout = join(work.path, "docspace-upload");
    await copyCheckout(checkout);
    const project = join(work.path, "my-app");
    await Deno.mkdir(project);
    // As the README says: link the checkout, and map the name to JSR, which the link takes the place of.
    await Deno.writeTextFile(
      join(project, "deno.json"),
      JSON.stringify({
        links: ["../docspace-upload"],
        imports: {
          "@docspace-tools/upload": "jsr:@docspace-tools/upload@^0.1.0",
        },
      }),
    );
    await Deno.writeTextFile(join(project, "main.ts"), MAIN);
    await run(Deno.execPath(), ["check", "--quiet", "main.ts"], {
      cwd: project,
    });
    const { stdout } = await run(Deno.execPath(), ["run", "-A", "main.ts"], {
      cwd: project,
    });
    const { expected, stored, titles } = JSON.parse(stdout);
    assertEquals(stored, [expected, expected]);
    assertEquals(titles, ["blob.bin", "stream.bin"]);
  },
});

Deno.test({
  name:
    "without a link or --config, importing mod.ts by path fails on the package's own imports (why links)",
  ignore: skipSuite(
    "the library in a scratch Deno project",
    missingTool("git"),
  ),
  async fn() {
    await using work = await scratchDir("docspace-deno-");
    await copyCheckout(join(work.path, "docspace-upload"));
    const project = join(work.path, "my-app");
    await Deno.mkdir(project);
    await Deno.writeTextFile(join(project, "deno.json"), "{}");
    await Deno.writeTextFile(
      join(project, "main.ts"),
      `import { uploadFile } from "../docspace-upload/mod.ts";\nconsole.log(typeof uploadFile);\n`,
    );
    const { code, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "main.ts"],
      cwd: project,
      stdout: "null",
    }).output();
    assertEquals(code, 1);
    assertEquals(
      new TextDecoder().decode(stderr).includes(
        'Import "@std/async/delay" not a dependency',
      ),
      true,
    );
  },
});
