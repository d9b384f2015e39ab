// The server replaces a loopback host in `location` with the portal's own domain (ServerRootPath in
// common/ASC.Core.Common/BaseCommonLinkUtility.cs): a portal reached on localhost (an SSH tunnel, a
// port-forward) answers with a location on its public domain. The client then sends the location's path
// and query to the portal's own origin, and the token nowhere else.
import { assertEquals, assertRejects } from "@std/assert";
import { DocSpaceError, SessionClient, uploadFile } from "../../mod.ts";
import { DocSpaceEmulator, startEmulator } from "../../testing.ts";
import { randomBytes, sha256 } from "../_helpers.ts";

const CHUNK = 1024;

/** A fetch that records where each request goes. */
function recording(): { fetch: typeof fetch; urls: string[] } {
  const urls: string[] = [];
  return {
    urls,
    fetch: (input, init) => {
      urls.push(String(input));
      return fetch(input, init);
    },
  };
}

for (const mode of ["numbered", "sequential"] as const) {
  Deno.test(`uploadFile on a loopback portal sends a location on the public domain to the portal's own origin, ${mode} mode`, async () => {
    // As a real server on localhost:8092 answers: the tenant's domain, the request's scheme and port.
    await using portal = await startEmulator({
      chunkUploadSize: CHUNK,
      publicUrl: "http://docs.example.com:8092",
    });
    const { fetch, urls } = recording();
    const bytes = randomBytes(3 * CHUNK + 7);
    const file = await uploadFile(new Blob([bytes]), {
      url: portal.url,
      token: portal.token,
      folderId: mode === "numbered" ? 1 : "sbox-1",
      fileName: "tunnel.bin",
      routes: "legacy",
      fetch,
    });
    assertEquals(
      await sha256(portal.emulator.file(file.id)!.bytes),
      await sha256(bytes),
    );
    assertEquals(urls.filter((u) => !u.startsWith(`${portal.url}/`)), []);
    const uid = portal.emulator.log.find((e) => e.uid)!.uid;
    assertEquals(
      urls.filter((u) => u.includes("ChunkedUploader.ashx")).at(-1),
      mode === "numbered"
        ? `${portal.url}/ChunkedUploader.ashx?uid=${uid}&finalize=true`
        : `${portal.url}/ChunkedUploader.ashx?uid=${uid}`,
    );
  });
}

Deno.test("SessionClient on a loopback portal refuses a location on another host unless it is /ChunkedUploader.ashx with a uid", async () => {
  const seen: string[] = [];
  const client = new SessionClient({
    url: "http://localhost:8092",
    token: "secret",
    fetch: (input) => {
      seen.push(String(input));
      return Promise.resolve(new Response("{}"));
    },
  });
  for (
    const location of [
      "https://docs.example.com/evil.ashx?uid=abc",
      "https://docs.example.com/files/ChunkedUploader.ashx?uid=abc",
      "https://docs.example.com/ChunkedUploader.ashx?id=abc",
      "not a url",
    ]
  ) {
    await assertRejects(
      () => client.uploadChunk(location, new Blob(["x"]), { chunkNumber: 1 }),
      DocSpaceError,
      `Uploading chunk 1 failed: the session location ${
        JSON.stringify(location)
      } is not on the portal's origin http://localhost:8092; credentials are only sent there${
        location === "not a url"
          ? " (if that host is the portal, use it as the portal URL)"
          : " (a location on another host is sent to the portal's own origin only for the path /ChunkedUploader.ashx with a uid)"
      }`,
    );
  }
  assertEquals(seen, []);
});

Deno.test("SessionClient on a portal that is not loopback refuses a location on another host", async () => {
  const emulator = new DocSpaceEmulator({
    publicUrl: "https://docs.example.com",
    users: [{ id: "u", tokens: ["secret"] }],
  });
  const seen: string[] = [];
  const client = new SessionClient({
    url: "https://portal.example.net",
    token: "secret",
    routes: "legacy",
    fetch: (input, init) => {
      seen.push(String(input));
      return Promise.resolve(emulator.app.fetch(new Request(input, init)));
    },
  });
  const error = await assertRejects(
    () => client.createSession(1, { fileName: "a.bin", fileSize: 1 }),
    DocSpaceError,
  );
  assertEquals(
    error.message.replace(/uid=\w+/, "uid=…"),
    'Creating the upload session failed: the session location "https://docs.example.com/ChunkedUploader.ashx?uid=…" is not on the portal\'s origin https://portal.example.net; credentials are only sent there (if that host is the portal, use it as the portal URL)',
  );
  assertEquals(seen, [
    "https://portal.example.net/api/2.0/files/1/upload/create_session",
  ]);
});
