// The module runs unchanged in Node: bundled for Node, it uploads to the emulator from a `node` process.
import { assertEquals, assertMatch } from "@std/assert";
import { startEmulator } from "../testing.ts";
import { sha256 } from "./_helpers.ts";

const node =
  new Deno.Command("node", { args: ["--version"] }).outputSync().success;

Deno.test({
  name: "uploadFile and nodeFetch run in Node and deliver byte-exact files",
  ignore: !node,
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
          cwd: new URL("..", import.meta.url),
        }).output();
        assertEquals(
          bundle.success,
          true,
          new TextDecoder().decode(bundle.stderr),
        );
      }
      await Deno.copyFile(
        new URL("./fixtures/node_upload.mjs", import.meta.url),
        `${dir}/node_upload.mjs`,
      );
      await using portal = await startEmulator({ chunkUploadSize: 64 * 1024 });
      const size = 5 * 64 * 1024 + 99;
      const run = await new Deno.Command("node", {
        args: [
          `${dir}/node_upload.mjs`,
          portal.url,
          portal.token,
          String(size),
        ],
      }).output();
      const stderr = new TextDecoder().decode(run.stderr);
      assertEquals(run.code, 0, stderr);
      const { node: version, ids } = JSON.parse(
        new TextDecoder().decode(run.stdout),
      );
      assertMatch(version, /^v\d+\./);
      const expected = new Uint8Array(size).map((_, i) => (i * 7 + 3) % 251);
      for (const id of ids) {
        assertEquals(
          await sha256(portal.emulator.file(id)!.bytes),
          await sha256(expected),
        );
      }
      assertEquals(portal.emulator.files().map((f) => f.title), [
        "from-node-blob.bin",
        "from-node-stream.bin",
      ]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
