// The CLI against hostile portals (a fake portal in the test): replies that never come, replies of any
// size, listings that never end, server text meant for the terminal, malformed replies, plain HTTP.
import {
  assert,
  assertEquals,
  assertLess,
  assertMatch,
  assertStringIncludes,
} from "@std/assert";
import {
  collect,
  envelopeReply,
  fakePortal,
  never,
  settingsReply,
} from "./_fake_portal.ts";
import { runCli, spawnCli, tempDir, waitFor, writeRandom } from "./_run.ts";

const SETTINGS = "/api/2.0/files/settings";

function envOf(url: string, state: string): Record<string, string> {
  return { DOCSPACE_URL: url, DOCSPACE_TOKEN: "t", DOCSPACE_STATE_DIR: state };
}

Deno.test("cli gives up on a request without a reply after --timeout, before and during an upload", async () => {
  await using dir = await tempDir();
  await writeRandom(`${dir.path}/a.txt`, 100);
  for (const hang of ["settings", "upload"]) {
    await using portal = fakePortal((request, path) =>
      hang === "settings"
        ? never(request)
        : path === SETTINGS
        ? settingsReply()
        : request.method === "GET"
        ? envelopeReply({ files: [], folders: [], total: 0 })
        : never(request)
    );
    const child = spawnCli([
      `${dir.path}/a.txt`,
      "--folder",
      "1",
      "--timeout",
      "1",
    ], { env: envOf(portal.url, dir.state) });
    const stderr = collect(child.stderr);
    const stdout = collect(child.stdout);
    // The request is given up and tried again, where before it waited forever.
    await waitFor(
      `a retry after the ${hang} timed out`,
      () =>
        /failed \(network error \(nothing arrived for 1 s, the --timeout\)/
            .test(stderr.text())
          ? true
          : undefined,
      30_000,
    );
    child.kill("SIGINT");
    assertEquals((await child.status).code, 130);
    await Promise.all([stderr.done, stdout.done]);
    if (hang === "upload") {
      assert(portal.requests.some((r) => r.method === "POST"), stderr.text());
    }
  }
});

Deno.test("cli reads no more of a reply than 8 MiB, and does not retry one that is longer", async () => {
  await using dir = await tempDir();
  await writeRandom(`${dir.path}/a.txt`, 100);
  let sent = 0;
  const piece = new TextEncoder().encode(" ".repeat(64 * 1024));
  await using portal = fakePortal(() =>
    // 1 GiB of settings, made as it is read, without a Content-Length.
    new Response(
      new ReadableStream({
        pull(controller) {
          if (sent >= 1024 ** 3) return controller.close();
          sent += piece.length;
          controller.enqueue(piece);
        },
      }),
      { headers: { "content-type": "application/json" } },
    )
  );
  const run = await runCli([`${dir.path}/a.txt`, "--folder", "1"], {
    env: envOf(portal.url, dir.state),
  });
  assertEquals(run.code, 1, run.stderr);
  assertStringIncludes(
    run.stderr,
    "the server's reply (HTTP 200) is larger than 8 MiB, more than any DocSpace reply; check the portal URL",
  );
  assertEquals(portal.requests.length, 1);
  assertLess(sent, 64 * 1024 * 1024);
});

Deno.test("the library reads no more of a reply than 8 MiB either, with Deno's fetch and nodeFetch", async () => {
  const { uploadFile, DocSpaceError } = await import("../../mod.ts");
  const { nodeFetch } = await import("../../node_fetch.ts");
  await using portal = fakePortal(() =>
    new Response(new Uint8Array(9 * 1024 * 1024).fill(32), {
      headers: { "content-type": "application/json" },
    })
  );
  for (const fetcher of [fetch, nodeFetch]) {
    const error = await uploadFile(new Blob(["x"]), {
      url: portal.url,
      token: "t",
      folderId: 1,
      fileName: "a.txt",
      fetch: fetcher,
    }).catch((e) => e);
    assert(error instanceof DocSpaceError, String(error));
    assertEquals(error.transient, false);
    assertStringIncludes(error.message, "is larger than 8 MiB");
  }
  assertEquals(portal.requests.length, 2);
});
