// What a server says is input: settings no upload can use, a 401 with an empty body, and third-party
// folders whose storage takes only some chunk sizes, each refused with a clear message before any upload.
import { assertEquals, assertRejects } from "@std/assert";
import { DocSpaceError, SessionClient, uploadFile } from "../../mod.ts";
import { startEmulator } from "../../testing.ts";
import { explain, stopReason } from "../../cli/batch/failures.ts";
import { envelopeReply, randomBytes, sha256 } from "../_helpers.ts";

const KiB = 1024;
const MiB = 1024 * KiB;

for (
  const [settings, what] of [
    [
      { chunkUploadSize: 1000 },
      "chunkUploadSize must be a positive multiple of 512 no greater than 10485760 (10 MiB, the most this client sends in one request), received 1000",
    ],
    [
      { chunkUploadSize: 1024 * MiB },
      "chunkUploadSize must be a positive multiple of 512 no greater than 10485760 (10 MiB, the most this client sends in one request), received 1073741824",
    ],
    [
      { chunkUploadSize: -512 },
      "chunkUploadSize must be a positive multiple of 512 no greater than 10485760 (10 MiB, the most this client sends in one request), received -512",
    ],
    [
      { chunkUploadSize: "10485760" },
      'chunkUploadSize must be a positive multiple of 512 no greater than 10485760 (10 MiB, the most this client sends in one request), received "10485760"',
    ],
    [
      { chunkUploadSize: MiB, maxUploadThreadCount: 0 },
      "maxUploadThreadCount must be a positive integer, received 0",
    ],
    [
      { chunkUploadSize: MiB, maxUploadThreadCount: 2.5 },
      "maxUploadThreadCount must be a positive integer, received 2.5",
    ],
    [
      { chunkUploadSize: MiB, maxUploadThreadCount: "15" },
      'maxUploadThreadCount must be a positive integer, received "15"',
    ],
  ] as const
) {
  Deno.test(`uploadFile refuses the server's settings ${JSON.stringify(settings)} before any session`, async () => {
    const seen: string[] = [];
    const error = await assertRejects(
      () =>
        uploadFile(new Blob([randomBytes(10)]), {
          url: "https://portal.example.com",
          token: "secret",
          folderId: 1,
          fileName: "a.bin",
          fetch: (input) => {
            seen.push(String(input));
            return Promise.resolve(envelopeReply(settings));
          },
        }),
      DocSpaceError,
    );
    assertEquals(
      error.message,
      `Reading the upload settings failed: the server's settings are not usable: ${what}; check the portal URL, or the server's files.uploader settings`,
    );
    assertEquals([error.step, error.status, error.transient], [
      "settings",
      200,
      false,
    ]);
    assertEquals(seen, ["https://portal.example.com/api/2.0/files/settings"]);
  });
}

Deno.test("SessionClient.settings takes 15 threads when the server names none", async () => {
  const client = new SessionClient({
    url: "https://portal.example.com",
    token: "secret",
    fetch: () => Promise.resolve(envelopeReply({ chunkUploadSize: 5 * MiB })),
  });
  assertEquals(await client.settings(), {
    chunkUploadSize: 5 * MiB,
    maxUploadThreadCount: 15,
  });
});

Deno.test("a 401 with an empty body says to check the token, in the client and in the CLI", async () => {
  // What a real server answers an unauthenticated API request: the authentication challenge, no body.
  const client = new SessionClient({
    url: "https://portal.example.com",
    token: "wrong",
    fetch: () =>
      Promise.resolve(
        new Response(null, { status: 401, statusText: "Unauthorized" }),
      ),
  });
  const error = await assertRejects(() => client.settings(), DocSpaceError);
  assertEquals(
    error.message,
    "Reading the upload settings failed: HTTP 401 Unauthorized with an empty body: check the token (DocSpace did not accept it: a wrong, expired or revoked API key or token, or one for another portal)",
  );
  assertEquals([error.status, error.transient], [401, false]);
  assertEquals(stopReason(error), "credentials");
  assertEquals(
    explain(error),
    `${error.message}; set DOCSPACE_TOKEN (or --token) to a valid API key or token of this portal's user`,
  );
});

Deno.test("a 403 with an empty body says what the token's user lacks, in the client and in the CLI", async () => {
  const client = new SessionClient({
    url: "https://portal.example.com",
    token: "secret",
    fetch: () =>
      Promise.resolve(
        new Response("", { status: 403, statusText: "Forbidden" }),
      ),
  });
  const error = await assertRejects(
    () => client.createSession(1, { fileName: "a.bin", fileSize: 1 }),
    DocSpaceError,
  );
  assertEquals(
    error.message,
    "Creating the upload session failed: HTTP 403 Forbidden with an empty body: the token's user may not upload into this folder",
  );
  assertEquals(stopReason(error), "credentials");
  assertEquals(
    explain(error),
    `${error.message}; the token's user needs the right to upload into the target folder (or room); check its access there, or use another user's token`,
  );
});

Deno.test("uploadFile refuses a chunk size Google Drive or OneDrive cannot take, before any request", async () => {
  for (
    const [folderId, name, multiple] of [
      ["drive-3-0B1x", "Google Drive", 262144],
      ["onedrive-7", "OneDrive", 327680],
    ] as const
  ) {
    let requests = 0;
    await assertRejects(
      () =>
        uploadFile(new Blob([randomBytes(10)]), {
          url: "https://portal.example.com",
          token: "secret",
          folderId,
          fileName: "a.bin",
          chunkSize: 100 * KiB,
          fetch: () => {
            requests++;
            return Promise.resolve(new Response());
          },
        }),
      RangeError,
      `Cannot upload "a.bin": ${name} folders take chunks in multiples of ${multiple} bytes (${
        multiple / 1024
      } KiB), but chunkSize is 102400; use a multiple of it, or leave chunkSize out`,
    );
    assertEquals(requests, 0);
  }
});

Deno.test("uploadFile refuses a SharePoint file larger than one chunk, before any request", async () => {
  let requests = 0;
  await assertRejects(
    () =>
      uploadFile(new Blob([new Uint8Array(10 * MiB + 1)]), {
        url: "https://portal.example.com",
        token: "secret",
        folderId: "spoint-2-Shared%20Documents",
        fileName: "big.bin",
        fetch: () => {
          requests++;
          return Promise.resolve(new Response());
        },
      }),
    RangeError,
    `Cannot upload "big.bin": SharePoint folders store each chunk as the whole file, so a file must go in one chunk, and 10485761 bytes is more than the 10485760 bytes one chunk can carry`,
  );
  assertEquals(requests, 0);
});

Deno.test("uploadFile refuses a Google Drive file that the server's chunk size would cut wrongly, before the session", async () => {
  await using portal = await startEmulator({
    chunkUploadSize: KiB,
    folders: [{ id: 1, title: "My documents" }, {
      id: "drive-1",
      title: "Google Drive",
    }],
  });
  await assertRejects(
    () =>
      uploadFile(new Blob([randomBytes(3000)]), {
        url: portal.url,
        token: portal.token,
        folderId: "drive-1",
        fileName: "cut.bin",
      }),
    RangeError,
    `Cannot upload "cut.bin": Google Drive folders take chunks in multiples of 262144 bytes (256 KiB), but chunkSize is 1024`,
  );
  assertEquals(portal.emulator.log.map((e) => e.mode), ["settings"]);
  // A file smaller than one chunk goes whole, which Google Drive takes.
  const small = randomBytes(1000);
  const file = await uploadFile(new Blob([small]), {
    url: portal.url,
    token: portal.token,
    folderId: "drive-1",
    fileName: "whole.bin",
  });
  assertEquals(portal.emulator.file(file.id)!.bytes, small);
});

Deno.test("uploadFile sends a SharePoint file of exactly one chunk whole, whatever chunkSize says", async () => {
  await using portal = await startEmulator({
    chunkUploadSize: 4 * KiB,
    folders: [{ id: 1, title: "My documents" }, {
      id: "spoint-1",
      title: "SharePoint",
    }],
  });
  const bytes = randomBytes(4 * KiB);
  const file = await uploadFile(new Blob([bytes]), {
    url: portal.url,
    token: portal.token,
    folderId: "spoint-1",
    fileName: "one.bin",
    chunkSize: KiB,
  });
  assertEquals(
    await sha256(portal.emulator.file(file.id)!.bytes),
    await sha256(bytes),
  );
  assertEquals(
    portal.emulator.log.filter((e) => e.mode === "sequential").map((
      e,
    ) => [e.computedLength, e.status]),
    [[4 * KiB, 201]],
  );
});
