// The module runs unchanged in Node: bundled for Node, it uploads to the emulator from a `node` process.
import { assertEquals, assertMatch } from "@std/assert";
import { startEmulator } from "../../testing.ts";
import { sha256 } from "../_helpers.ts";
import { skipSuite } from "../_skip.ts";

/** Run under Node next to the bundles: uploads a Blob with Node's fetch and a web stream with nodeFetch. */
const SCRIPT =
  `// Run by tests/node_runtime_test.ts under Node, with the module bundled for Node: uploads a Blob with
// Node's fetch and a web ReadableStream with nodeFetch, then prints the file ids as JSON.
import { uploadFile } from "./mod.mjs";
import { nodeFetch } from "./node_fetch.mjs";

const [url, token, sizes] = process.argv.slice(2);
const options = { url, token, folderId: 1 };
const ids = [];
for (const size of sizes.split(",").map(Number)) {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7 + 3) % 251;
  const blob = await uploadFile(new Blob([bytes]), {
    ...options,
    fileName: \`from-node-blob-\${size}.bin\`,
  });
  let offset = 0;
  const stream = new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + 50_000));
      offset += 50_000;
    },
  });
  const streamed = await uploadFile(stream, {
    ...options,
    fileName: \`from-node-stream-\${size}.bin\`,
    fileSize: bytes.length,
    fetch: nodeFetch,
  });
  ids.push([size, blob.id, streamed.id]);
}
console.log(JSON.stringify({ node: process.version, ids }));
`;

const node = (() => {
  try {
    const out = new Deno.Command("node", { args: ["--version"] }).outputSync();
    return out.success && /^v\d+\./.test(new TextDecoder().decode(out.stdout));
  } catch {
    return false;
  }
})();

Deno.test({
  name: "uploadFile and nodeFetch run in Node and deliver byte-exact files",
  ignore: skipSuite(
    "uploadFile in Node",
    node ? undefined : "no Node.js on PATH (install Node 20+)",
  ),
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      for (const entry of ["mod", "node_fetch"]) {
        const bundle = await new Deno.Command(Deno.execPath(), {
          args: [
            "bundle",
            "--quiet",
            "--platform",
            "node",
            `${entry}.ts`,
            "-o",
            `${dir}/${entry}.mjs`,
          ],
          cwd: new URL("../..", import.meta.url),
        }).output();
        assertEquals(
          bundle.success,
          true,
          new TextDecoder().decode(bundle.stderr),
        );
      }
      await Deno.writeTextFile(`${dir}/node_upload.mjs`, SCRIPT);
      await using portal = await startEmulator({ chunkUploadSize: 64 * 1024 });
      // Several chunks, one small chunk (then finalize), and an empty file.
      const sizes = [5 * 64 * 1024 + 99, 1000, 0];
      const run = await new Deno.Command("node", {
        args: [
          `${dir}/node_upload.mjs`,
          portal.url,
          portal.token,
          sizes.join(","),
        ],
      }).output();
      const stderr = new TextDecoder().decode(run.stderr);
      assertEquals(run.code, 0, stderr);
      const { node: version, ids } = JSON.parse(
        new TextDecoder().decode(run.stdout),
      );
      assertMatch(version, /^v\d+\./);
      for (const [size, ...fileIds] of ids as number[][]) {
        const expected = new Uint8Array(size!).map((_, i) => (i * 7 + 3) % 251);
        for (const id of fileIds) {
          assertEquals(
            await sha256(portal.emulator.file(id!)!.bytes),
            await sha256(expected),
          );
        }
      }
      assertEquals(
        portal.emulator.files().map((f) => f.title),
        sizes.flatMap((size) => [
          `from-node-blob-${size}.bin`,
          `from-node-stream-${size}.bin`,
        ]),
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
