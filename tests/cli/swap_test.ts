// A file tree that changes between the scan and the upload: a file swapped for a link out of the tree
// (same size and time), or for a FIFO. The swap is made when the portal is first asked (the settings),
// after the scan and before any file is opened.
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { envelopeReply, fakePortal, settingsReply } from "./_fake_portal.ts";
import { runCli, tempDir, writeRandom } from "./_run.ts";

function portalSwapping(swap: () => Promise<void>) {
  return fakePortal(async (request, path) => {
    if (path === "/api/2.0/files/settings") {
      await swap();
      return settingsReply();
    }
    if (request.method !== "GET") {
      return Response.json({ error: { message: "no upload expected" } }, {
        status: 400,
      });
    }
    return envelopeReply(
      path.startsWith("/api/2.0/files/1?")
        ? { files: [], folders: [{ id: 2, title: "tree" }], total: 1 }
        : { files: [], folders: [], total: 0 },
    );
  });
}

Deno.test("cli refuses a file swapped for a link out of the tree after the scan, even of the same size and time", async () => {
  await using dir = await tempDir();
  const inside = `${dir.path}/tree/a.txt`;
  const secret = `${dir.path}/secret.txt`;
  await writeRandom(inside, 100);
  await writeRandom(secret, 100);
  const { mtime } = await Deno.stat(inside);
  await Deno.utime(secret, mtime!, mtime!);
  await using portal = portalSwapping(async () => {
    await Deno.remove(inside);
    await Deno.symlink(secret, inside);
  });
  const run = await runCli([`${dir.path}/tree`, "--folder", "1"], {
    env: {
      DOCSPACE_URL: portal.url,
      DOCSPACE_TOKEN: "t",
      DOCSPACE_STATE_DIR: dir.state,
    },
  });
  assertEquals(run.code, 1, run.stderr);
  assertStringIncludes(
    run.stderr,
    "tree/a.txt: the file changed while it was being uploaded (it is not the file that was scanned: another file, or a link to one, took its place); nothing was stored",
  );
  assertEquals(portal.requests.filter((r) => r.method !== "GET"), []);
});

Deno.test("cli does not block on a FIFO swapped in after the scan", async () => {
  await using dir = await tempDir();
  const inside = `${dir.path}/tree/a.txt`;
  await writeRandom(inside, 100);
  await using portal = portalSwapping(async () => {
    await Deno.remove(inside);
    const made = await new Deno.Command("mkfifo", { args: [inside] }).output();
    assert(made.success);
  });
  const run = await runCli([`${dir.path}/tree`, "--folder", "1"], {
    env: {
      DOCSPACE_URL: portal.url,
      DOCSPACE_TOKEN: "t",
      DOCSPACE_STATE_DIR: dir.state,
    },
  });
  assertEquals(run.code, 1, run.stderr);
  assertStringIncludes(
    run.stderr,
    "tree/a.txt: the file changed while it was being uploaded (it is no longer a regular file: something else took its place after it was scanned)",
  );
  assertEquals(portal.requests.filter((r) => r.method !== "GET"), []);
});
