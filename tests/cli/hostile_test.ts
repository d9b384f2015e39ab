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
import {
  errorLines,
  runCli,
  spawnCli,
  tempDir,
  waitFor,
  writeRandom,
} from "./_run.ts";

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

Deno.test("cli reads a listing that claims a huge total but gives one entry a page in one request", async () => {
  await using dir = await tempDir();
  await writeRandom(`${dir.path}/a.txt`, 100);
  await using portal = fakePortal((_, path) => {
    if (path === SETTINGS) return settingsReply();
    const start = Number(
      new URL(path, "http://x").searchParams.get("startIndex"),
    );
    return envelopeReply({
      files: [{
        id: 1000 + start,
        title: `f${start}.txt`,
        pureContentLength: 1,
      }],
      folders: [],
      total: 1e9,
    });
  });
  const run = await runCli([
    `${dir.path}/a.txt`,
    "--folder",
    "1",
    "--skip-existing",
    "--dry-run",
  ], { env: envOf(portal.url, dir.state) });
  assertEquals(run.code, 0, run.stderr);
  assertStringIncludes(run.stdout, "would upload: ");
  assertEquals(portal.requests.filter((r) => r.path !== SETTINGS).length, 1);
});

Deno.test("cli prints a server's message on one line, escaped and cut: no injected lines", async () => {
  await using dir = await tempDir();
  await writeRandom(`${dir.path}/a.txt`, 100);
  const injected = "x.txt: 1 KiB uploaded to folder 1 (file 9, version 1)";
  await using portal = fakePortal((request, path) =>
    path === SETTINGS
      ? settingsReply()
      : request.method === "GET"
      ? envelopeReply({ files: [], folders: [], total: 0 })
      : Response.json({
        error: { message: `refused\n${injected}\n\x1b[2J${"A".repeat(2e6)}` },
      }, { status: 400 })
  );
  const run = await runCli([`${dir.path}/a.txt`, "--folder", "1"], {
    env: envOf(portal.url, dir.state),
  });
  assertEquals(run.code, 1, run.stderr.slice(0, 2000));
  assertEquals(
    run.stderr.split("\n").some((l) => l.startsWith(injected)),
    false,
  );
  const [line, ...others] = errorLines(run.stderr);
  assertEquals(others, []);
  assertStringIncludes(line!, `refused\\n${injected}\\n\\x1b[2JAAA`);
  assertMatch(line!, / … \(\d+ more characters\)$/);
  assertLess(run.stderr.length, 2000);
});

Deno.test("cli says in one line, without a stack trace, that a listing is malformed", async () => {
  await using dir = await tempDir();
  await writeRandom(`${dir.path}/a.txt`, 100);
  await using portal = fakePortal((_, path) =>
    path === SETTINGS
      ? settingsReply()
      : envelopeReply({ files: {}, folders: [], total: 1 })
  );
  const run = await runCli([
    `${dir.path}/a.txt`,
    "--folder",
    "1",
    "--skip-existing",
  ], { env: envOf(portal.url, dir.state) });
  assertEquals(run.code, 1);
  assertEquals(
    errorLines(run.stderr),
    [
      "error: DocSpace folder listing failed: folder 1: the listing's reply has no lists of files and folders",
    ],
  );
  assertEquals(run.stderr.includes("    at "), false);
});

Deno.test("cli refuses to send the token over plain http:// to another machine, unless --allow-http", async () => {
  await using dir = await tempDir();
  await writeRandom(`${dir.path}/a.txt`, 100);
  const run = await runCli([`${dir.path}/a.txt`, "--folder", "1"], {
    env: envOf("http://portal.example.com", dir.state),
  });
  assertEquals(run.code, 2);
  assertEquals(
    run.stderr,
    "error: refusing to send the token over plain HTTP to portal.example.com: anyone on the way can read it and use it; use https://portal.example.com, or pass --allow-http if you trust every network between you and the portal\n",
  );
  // With the flag it goes (here to a name that does not resolve: the failure is the network's).
  const allowed = await runCli([
    `${dir.path}/a.txt`,
    "--folder",
    "1",
    "--allow-http",
  ], { env: envOf("http://portal.invalid", dir.state) });
  assertEquals(allowed.code, 1);
  assertStringIncludes(allowed.stderr, "cannot reach http://portal.invalid");
});

Deno.test("cli --json escapes bidirectional overrides, as the plain output does", async () => {
  const { startEmulator } = await import("../../testing.ts");
  await using portal = await startEmulator();
  await using dir = await tempDir();
  const name = "invoice\u202etxt.exe";
  await writeRandom(`${dir.path}/${name}`, 10);
  const run = await runCli([`${dir.path}/${name}`, "--folder", "1", "--json"], {
    env: { ...envOf(portal.url, dir.state), DOCSPACE_TOKEN: portal.token },
  });
  assertEquals(run.code, 0, run.stderr);
  assertEquals(run.stdout.includes("\u202e"), false);
  assertStringIncludes(run.stdout, '"title": "invoice\\u202etxt.exe"');
  assertEquals(JSON.parse(run.stdout).title, name);
});

Deno.test("cli says both causes of a folder listing's 403 (a wrong token, or no access), and that a gateway lists no folders", async () => {
  const { startEmulator } = await import("../../testing.ts");
  const { createUploadGateway } = await import("../../gateway.ts");
  await using portal = await startEmulator();
  await using dir = await tempDir();
  await writeRandom(`${dir.path}/tree/a.txt`, 10);
  const wrong = await runCli([`${dir.path}/tree`, "--folder", "1"], {
    env: { ...envOf(portal.url, dir.state), DOCSPACE_TOKEN: "wrong" },
  });
  assertEquals(wrong.code, 1);
  assertEquals(errorLines(wrong.stderr), [
    "error: DocSpace folder listing (1) was refused (HTTP 403): DocSpace answers so both to a token it does not know (it treats the request as an anonymous visitor's) and to a user without access to the folder; check DOCSPACE_TOKEN (or --token) first, then the token's user's access to the folder",
  ]);

  const secret = "hostile-test-secret-7Hq2xVb9Lm4Rt8Zk1Wp6"; // strong enough for the gateway
  const gateway = createUploadGateway({
    env: {
      DOCSPACE_URL: portal.url,
      DOCSPACE_TOKEN: portal.token,
      UPLOAD_SECRET: secret,
      LOG: "off",
    },
  });
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    gateway.fetch,
  );
  try {
    const url = `http://127.0.0.1:${server.addr.port}`;
    for (
      const args of [[`${dir.path}/tree`], [
        `${dir.path}/tree/a.txt`,
        "--skip-existing",
      ]]
    ) {
      const run = await runCli([...args, "--folder", "1"], {
        env: { ...envOf(url, dir.state), DOCSPACE_TOKEN: secret },
      });
      assertEquals(run.code, 1);
      const [line, ...others] = errorLines(run.stderr);
      assertEquals(others, []);
      assertStringIncludes(
        line!,
        'failed (HTTP 404: Not found, not DocSpace\'s "The required folder was not found"): this server does not list or create folders, as an upload gateway does not. Through a gateway, upload single files or stdin, without --skip-existing, --on-conflict skip or --dry-run; directories and those options need the portal itself',
      );
    }
    // A single file goes through it.
    const one = await runCli([`${dir.path}/tree/a.txt`, "--folder", "1"], {
      env: { ...envOf(url, dir.state), DOCSPACE_TOKEN: secret },
    });
    assertEquals(one.code, 0, one.stderr);
  } finally {
    await server.shutdown();
  }
});
