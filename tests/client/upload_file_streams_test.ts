// uploadFile from streams: a stream longer or shorter than fileSize refused (StreamLengthError) with no file
// created, byte-level progress that only grows and ends at the total, and a file's byte stream read
// straight into the client's buffers.
import { assertEquals, assertRejects } from "@std/assert";
import {
  StreamLengthError,
  uploadFile,
  type UploadProgress,
} from "../../mod.ts";
// dataStore "s3": its abort always succeeds, and these tests are about asking for it (on the default disk
// storage DocSpace keeps a session once a chunk is stored: tests/emulator/storage_test.ts).
import { startEmulator } from "../../testing.ts";
import { byteStreamOf, randomBytes, sha256, streamOf } from "../_helpers.ts";

const CHUNK = 64 * 1024;

for (const kind of ["stream", "byte stream"] as const) {
  for (
    const [label, mode, folderId, bytes, declared] of [
      ["longer", "numbered", 1, 3 * CHUNK + 10, 3 * CHUNK],
      ["shorter", "numbered", 1, 2 * CHUNK, 3 * CHUNK],
      ["longer", "sequential", "sbox-1", 2 * CHUNK + 1, 2 * CHUNK],
      ["shorter", "sequential", "sbox-1", CHUNK + 7, 2 * CHUNK],
      ["longer", "small-file", 1, 100, 99],
      ["shorter", "small-file", 1, 98, 99],
    ] as const
  ) {
    Deno.test(`uploadFile refuses a ${kind} ${label} than fileSize (${mode}) and creates no file`, async () => {
      await using portal = await startEmulator({
        dataStore: "s3",
        chunkUploadSize: CHUNK,
      });
      const message = label === "longer"
        ? `Cannot upload "w.bin": the stream has more bytes than fileSize (${declared}); nothing was finalized`
        : `Cannot upload "w.bin": the stream ended after ${bytes} bytes but fileSize is ${declared}; nothing was finalized`;
      const error = await assertRejects(
        () =>
          uploadFile(
            (kind === "stream" ? streamOf : byteStreamOf)(randomBytes(bytes)),
            {
              url: portal.url,
              token: portal.token,
              folderId,
              fileName: "w.bin",
              fileSize: declared,
              abortSessionOnFailure: false,
            },
          ),
        StreamLengthError,
        message,
      );
      assertEquals(error.expected, declared);
      if (label === "shorter") assertEquals(error.received, bytes);
      else assertEquals(error.received > declared, true);
      assertEquals(portal.emulator.files(), []);
      assertEquals(portal.emulator.sessions(), []);
      assertEquals(
        portal.emulator.log.some((e) => e.mode === "finalize"),
        false,
      );
    });
  }

  Deno.test("uploadFile reports monotonic byte-level progress that ends at the total", async () => {
    await using portal = await startEmulator({
      dataStore: "s3",
      chunkUploadSize: CHUNK,
    });
    const size = 7 * CHUNK + 3;
    const seen: UploadProgress[] = [];
    await uploadFile(new Blob([randomBytes(size)]), {
      url: portal.url,
      token: portal.token,
      folderId: 1,
      fileName: "p.bin",
      onProgress: (p) => seen.push(p),
    });
    for (let i = 1; i < seen.length; i++) {
      const [a, b] = [seen[i - 1]!, seen[i]!];
      assertEquals(
        b.bytesSent >= a.bytesSent && b.bytesConfirmed >= a.bytesConfirmed,
        true,
      );
      assertEquals(b.bytesConfirmed <= b.bytesSent, true);
    }
    assertEquals(seen[0], {
      bytesSent: 0,
      bytesConfirmed: 0,
      totalBytes: size,
      chunksConfirmed: 0,
      totalChunks: 8,
    });
    assertEquals(seen.at(-1), {
      bytesSent: size,
      bytesConfirmed: size,
      totalBytes: size,
      chunksConfirmed: 8,
      totalChunks: 8,
    });
  });
}

Deno.test("uploadFile reads a file's byte stream straight into its buffers, byte-exact", async () => {
  await using portal = await startEmulator({
    dataStore: "s3",
    chunkUploadSize: CHUNK,
  });
  const bytes = randomBytes(9 * CHUNK + 1234);
  const path = await Deno.makeTempFile();
  try {
    await Deno.writeFile(path, bytes);
    using file = await Deno.open(path);
    const uploaded = await uploadFile(file.readable, {
      url: portal.url,
      token: portal.token,
      folderId: 1,
      fileName: "disk.bin",
      fileSize: bytes.length,
    });
    assertEquals(
      await sha256(portal.emulator.file(uploaded.id)!.bytes),
      await sha256(bytes),
    );
  } finally {
    await Deno.remove(path);
  }
});
