/**
 * `deno task demo`: uploads 100 MiB of random bytes with the CLI into the built-in emulator, with the
 * progress bar on this terminal (plain progress lines when it is not one); then reads the file back from
 * the emulator, compares SHA-256, prints the summary and cleans up.
 *
 * On loopback the upload would take a few hundred milliseconds, too fast to see, so the demo's emulator
 * paces its chunks like a real link: it reads each chunk at a rate that makes the upload last about six
 * seconds, in 1 MiB chunks so the bar moves smoothly.
 *
 * Usage: `deno run -A cli/demo.ts [MiB] [seconds]`
 *
 * @module
 */
import { encodeHex } from "@std/encoding/hex";
import { startEmulator } from "../testing.ts";
import { humanBytes } from "./output/human.ts";

const MiB = 1024 * 1024;
const size = Number(Deno.args[0] ?? 100) * MiB;
const seconds = Number(Deno.args[1] ?? 6);
/** The CLI's default: chunk requests at once. */
const CONCURRENCY = 3;
const dir = await Deno.makeTempDir({ prefix: "docspace-demo-" });
try {
  await using portal = await startEmulator({ chunkUploadSize: MiB });
  // Each of the chunks in flight is read at a third of the link's rate.
  const link = Math.max(64 * 1024, size / seconds);
  portal.emulator.injectFault({
    kind: "slow-reader",
    bytesPerSecond: link / CONCURRENCY,
    times: 1_000_000,
    match: { mode: "numbered" },
  });
  const path = `${dir}/demo.bin`;
  const bytes = new Uint8Array(size);
  for (let at = 0; at < size; at += 65536) {
    crypto.getRandomValues(bytes.subarray(at, Math.min(size, at + 65536)));
  }
  await Deno.writeFile(path, bytes);
  const local = encodeHex(
    new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)),
  );
  // Lines a person reads on an 80-column terminal stay under 80 columns.
  console.error(
    `Emulator at ${portal.url}\n(chunks of ${
      humanBytes(portal.emulator.options.chunkUploadSize)
    }, paced like a ${humanBytes(link)}/s link)\nUploading ${
      humanBytes(size)
    } of random bytes from\n  ${path}\n`,
  );

  // The CLI runs as its own process, with this terminal, as a user would run it.
  const { code } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("../cli.ts", import.meta.url).pathname,
      "demo.bin",
      "--folder",
      "1",
    ],
    env: {
      DOCSPACE_URL: portal.url,
      DOCSPACE_TOKEN: portal.token,
      DOCSPACE_STATE_DIR: `${dir}/state`,
    },
    cwd: dir,
    stdin: "null",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn().status;
  if (code !== 0) throw new Error(`The CLI exited with code ${code}`);

  const [file] = portal.emulator.files();
  if (file === undefined) throw new Error("The emulator holds no file");
  const remote = encodeHex(
    new Uint8Array(
      await crypto.subtle.digest("SHA-256", file.bytes.slice().buffer),
    ),
  );
  const chunks = portal.emulator.log.filter((e) => e.mode === "numbered");
  console.log(
    `\nRead back "${file.title}" (file ${file.id}, ${
      humanBytes(file.contentLength)
    }) from the emulator:\n${chunks.length} numbered chunks, at most ${
      portal.emulator.peakConcurrency((e) => e.mode === "numbered")
    } at once`,
  );
  console.log(`SHA-256 of the local file:\n  ${local}`);
  console.log(`SHA-256 of the uploaded file:\n  ${remote}`);
  if (remote !== local) throw new Error("The uploaded bytes differ");
  console.log("Match: the upload is byte-exact.");
} finally {
  await Deno.remove(dir, { recursive: true });
}
