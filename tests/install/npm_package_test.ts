// The npm package as a Node user installs it: built by `deno task build:npm`, packed by `npm pack`, installed
// from the tarball into a scratch Node project outside the repository, which uploads to the emulator.
import { assertEquals, assertMatch } from "@std/assert";
import { join } from "node:path";
import { buildNpm } from "../../_tools/build_npm.ts";
import { startEmulator } from "../../testing.ts";
import { randomBytes, sha256 } from "../_helpers.ts";
import { skipSuite } from "../_skip.ts";
import { missingTool, run, scratchDir } from "./_scratch.ts";

/** The scratch project's script: a Blob with Node's fetch, a web stream with nodeFetch. */
const UPLOAD_SCRIPT = `import { readFile } from "node:fs/promises";
import { uploadFile, DocSpaceError } from "@docspace-tools/upload";
import { nodeFetch } from "@docspace-tools/upload/node-fetch";

const [url, token, path] = process.argv.slice(2);
const bytes = new Uint8Array(await readFile(path));
const options = { url, token, folderId: 1 };
const blob = await uploadFile(new Blob([bytes]), { ...options, fileName: "from-npm-blob.bin" });
let offset = 0;
const stream = new ReadableStream({
  pull(controller) {
    if (offset >= bytes.length) return controller.close();
    controller.enqueue(bytes.slice(offset, offset + 40000));
    offset += 40000;
  },
});
const streamed = await uploadFile(stream, {
  ...options,
  fileName: "from-npm-stream.bin",
  fileSize: bytes.length,
  fetch: nodeFetch,
});
const refused = await uploadFile(new Blob([bytes]), { ...options, token: "wrong", fileName: "x" })
  .catch((error) => error instanceof DocSpaceError ? error.status : error);
console.log(JSON.stringify({ node: process.version, ids: [blob.id, streamed.id], refused }));
`;

/** A typed consumer: checked with `deno check` against the package's .d.ts (not run). */
const TYPED_SCRIPT =
  `import { uploadFile, type UploadedFile } from "@docspace-tools/upload";
import { nodeFetch } from "@docspace-tools/upload/node-fetch";

export const file: Promise<UploadedFile> = uploadFile(new Blob([]), {
  url: "http://127.0.0.1:1",
  token: "t",
  folderId: 1,
  fileName: "a.bin",
  fetch: nodeFetch,
});
// @ts-expect-error folderId is required: the types are real, not any
uploadFile(new Blob([]), { url: "http://127.0.0.1:1", token: "t", fileName: "a.bin" });
`;

const missing = missingTool("node") ?? missingTool("npm");

Deno.test({
  name:
    "npm package: packed, installed from its tarball into a scratch Node project, uploads byte-exact; its types check",
  ignore: skipSuite("the npm package in a scratch Node project", missing),
  async fn() {
    await using work = await scratchDir("docspace-npm-");
    const packageDir = join(work.path, "package");
    await buildNpm(packageDir);
    const packed = await run("npm", [
      "pack",
      packageDir,
      "--pack-destination",
      work.path,
      "--json",
    ], { cwd: work.path });
    const [{ filename, files }] = JSON.parse(packed.stdout);
    assertEquals(
      files.map((f: { path: string }) => f.path).sort(),
      [
        "README.md",
        "mod.d.ts",
        "mod.js",
        "node_fetch.d.ts",
        "node_fetch.js",
        "package.json",
      ],
    );

    const project = join(work.path, "project");
    await Deno.mkdir(project);
    await Deno.writeTextFile(
      join(project, "package.json"),
      JSON.stringify({ name: "scratch", private: true, type: "module" }),
    );
    // The tarball has no dependencies: installing it needs no registry.
    await run("npm", [
      "install",
      "--offline",
      "--no-audit",
      "--no-fund",
      "--ignore-scripts",
      join(work.path, filename),
    ], { cwd: project });
    await Deno.writeTextFile(join(project, "upload.mjs"), UPLOAD_SCRIPT);
    await Deno.writeTextFile(join(project, "typed.ts"), TYPED_SCRIPT);

    await using portal = await startEmulator({ chunkUploadSize: 64 * 1024 });
    const bytes = randomBytes(3 * 64 * 1024 + 123);
    await Deno.writeFile(join(project, "file.bin"), bytes);
    const { stdout } = await run(
      "node",
      ["upload.mjs", portal.url, portal.token, "file.bin"],
      { cwd: project },
    );
    const result = JSON.parse(stdout);
    assertMatch(result.node, /^v\d+\./);
    assertEquals(result.refused, 401);
    for (const id of result.ids) {
      assertEquals(
        await sha256(portal.emulator.file(id)!.bytes),
        await sha256(bytes),
      );
    }
    assertEquals(portal.emulator.files().map((f) => f.title), [
      "from-npm-blob.bin",
      "from-npm-stream.bin",
    ]);

    // Deno type-checks the consumer through node_modules (package.json, no deno.json): the .d.ts files.
    await run(Deno.execPath(), ["check", "--quiet", "typed.ts"], {
      cwd: project,
    });
  },
});
