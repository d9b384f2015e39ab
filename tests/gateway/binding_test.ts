// Tight binding on the DocSpace-compatible routes: a chunk past the session's file (by number, by
// size, or, for chunks the server numbers by arrival, by what already went) is refused with 400 before
// anything goes upstream, on the legacy location and on the REST session routes; locations are read strictly.
import { assertEquals, assertStringIncludes } from "@std/assert";
import { randomBytes } from "../_helpers.ts";
import {
  bearer,
  CHUNK,
  errorOf,
  type GatewaySession,
  type Harness,
  harness,
  openSession,
  SECRET,
  send,
  WORKER,
} from "./_worker_harness.ts";

/** A session opened with the secret, with its REST route beside its location. */
async function create(
  h: Harness,
  fileSize: number,
  folderId: number | string = 1,
): Promise<GatewaySession & { rest: string }> {
  const session = await openSession(h, SECRET, fileSize, folderId);
  return {
    ...session,
    rest: `${WORKER}/api/2.0/files/${folderId}/session/${session.id}`,
  };
}

/** Sends `bytes` framed as one chunk to `url`. */
function chunk(
  h: Harness,
  url: string,
  bytes: Uint8Array,
  method = "POST",
): Promise<Response> {
  return send(h, SECRET, method, url, bytes);
}

/** What reached DocSpace's chunk routes, as `mode chunkNumber` strings. */
function upstreamChunks(h: Harness): string[] {
  return h.emulator.log
    .filter((e) => ["numbered", "sequential", "small"].includes(e.mode))
    .map((e) => `${e.mode} ${e.chunkNumber ?? "-"}`);
}

Deno.test("a chunk number past ceil(fileSize / chunkUploadSize) is refused with 400 and never goes upstream", async () => {
  const h = harness();
  const session = await create(h, 2 * CHUNK + 5); // chunks 1..3
  for (
    const url of [
      `${session.location}&upload=true&chunkNumber=4`,
      `${session.location}&upload=true&chunkNumber=1000000`,
      `${session.rest}/upload?chunkNumber=4`,
      `${session.rest}/upload?chunkNumber=1000000`,
    ]
  ) {
    assertStringIncludes(
      await errorOf(await chunk(h, url, randomBytes(5)), 400),
      "is past the end of this session's file (2097157 bytes in 3 chunk(s) of at most 1048576)",
    );
  }
  for (
    const url of [
      `${session.location}&upload=true&chunkNumber=3`,
      `${session.rest}/upload?chunkNumber=1`,
    ]
  ) {
    assertEquals((await chunk(h, url, randomBytes(5))).status, 200);
  }
  assertEquals(upstreamChunks(h), ["numbered 3", "numbered 1"]);
});

Deno.test("a chunk body larger than chunkUploadSize plus framing is refused with 400 before it goes upstream", async () => {
  const h = harness();
  const session = await create(h, 3 * CHUNK);
  const tooBig = new Uint8Array(CHUNK + 16385);
  for (
    const url of [
      `${session.location}&upload=true&chunkNumber=1`,
      `${session.rest}/upload?chunkNumber=1`,
      session.rest,
    ]
  ) {
    const response = await h.fetch(url, {
      method: "POST",
      headers: {
        ...bearer(SECRET),
        "content-type": "multipart/form-data; boundary=B",
      },
      body: tooBig,
    });
    assertStringIncludes(
      await errorOf(response, 400),
      `more than one chunk of ${CHUNK} bytes (the server's chunkUploadSize) and its framing`,
    );
  }
  assertEquals(upstreamChunks(h), []);
});

Deno.test("a sequential chunk past the file in a DocSpace folder is refused with 400: the server numbers them by arrival", async () => {
  for (const route of ["location", "rest"] as const) {
    const h = harness();
    const session = await create(h, 2 * CHUNK); // 2 chunks
    const url = route === "location" ? session.location : session.rest;
    // Two half-size chunks: the server numbers them 1 and 2, and the file can never complete.
    for (let i = 0; i < 2; i++) {
      const reply = await chunk(h, url, randomBytes(CHUNK / 2));
      assertEquals(reply.status, 200, await reply.text());
    }
    assertStringIncludes(
      await errorOf(await chunk(h, url, randomBytes(CHUNK / 2)), 400),
      "Chunk 3 (by arrival) is past the end of this session's file",
    );
    // A numbered chunk without a number is numbered by arrival too.
    if (route === "location") {
      assertStringIncludes(
        await errorOf(
          await chunk(h, `${url}&upload=true`, randomBytes(10)),
          400,
        ),
        "(by arrival) is past the end",
      );
    }
    assertEquals(upstreamChunks(h), ["sequential -", "sequential -"], route);
    assertEquals(h.emulator.sessions()[0]!.chunkNumbers, [1, 2], route);
  }
});

Deno.test("a sequential chunk past the file's size in a third-party folder is refused with 400; one that completes it passes", async () => {
  const h = harness();
  const session = await create(h, CHUNK + 1000, "sbox-1");
  assertEquals((await chunk(h, session.rest, randomBytes(CHUNK))).status, 200);
  // 1 MiB went; 1000 bytes are left: 1001 is one byte too many.
  assertStringIncludes(
    await errorOf(await chunk(h, session.rest, randomBytes(1001)), 400),
    "Chunk 2 (by arrival) is past the end of this session's file",
  );
  const last = await chunk(h, session.rest, randomBytes(1000));
  assertEquals(last.status, 201, await last.text());
  assertEquals(upstreamChunks(h), ["sequential -", "sequential -"]);
  // The file is complete: anything more is past it, and refused without asking DocSpace.
  assertStringIncludes(
    await errorOf(await chunk(h, session.location, randomBytes(1)), 400),
    "Chunk 3 (by arrival) is past the end",
  );
  assertEquals(upstreamChunks(h).length, 2);
});

Deno.test("a location is read strictly: exactly its parts, or 400 before anything goes upstream", async () => {
  const h = harness();
  const session = await create(h, CHUNK);
  const url = new URL(session.location);
  const uid = url.searchParams.get("uid")!;
  const gw = url.searchParams.get("gw")!;
  const at = `${url.origin}${url.pathname}`;
  const cases: [string, string][] = [
    [`?uid=${uid}&gw=${gw}.x&finalize=true`, "gw must be <payload>.<mac>"],
    [`?uid=${uid}&gw=${gw.split(".")[0]}&finalize=true`, "gw must be"],
    [`?uid=${uid}&gw=${gw}&gw=${gw}&finalize=true`, "gw is given twice"],
    [`?uid=${uid}&uid=${uid}&gw=${gw}&finalize=true`, "uid is given twice"],
    [`?gw=${gw}&finalize=true`, "it has no uid"],
    [`?uid=${uid}&gw=${gw}&finalize=true&x=1`, 'unknown parameter "x"'],
    [`?uid=${uid}&gw=${gw}&upload=yes`, "upload must be true"],
    [`?uid=${uid}&gw=${gw}&finalize=true&abort=true`, "finalize and abort"],
    [`?uid=${uid}&gw=${gw}&finalize=true&chunkNumber=1`, "chunkNumber goes"],
  ];
  for (const [query, expected] of cases) {
    const response = await h.fetch(at + query, {
      method: "POST",
      headers: bearer(SECRET),
    });
    const message = await errorOf(response, 400);
    assertStringIncludes(message, expected, query);
    assertStringIncludes(message, "Bad location: ");
  }
  assertEquals(
    h.emulator.log.filter((e) => e.path.includes("ChunkedUploader")),
    [],
  );
});

Deno.test("createOn must be an ISO 8601 date, or 400", async () => {
  const h = harness();
  const cases = [
    "yesterday",
    "2024-02-30",
    "2024-13-01T00:00:00Z",
    "2024-05-31T12:00:00Z; DROP",
    "x".repeat(64),
    "",
  ];
  for (const createOn of cases) {
    const response = await h.fetch(
      `${WORKER}/api/2.0/files/1/upload/create_session`,
      {
        method: "POST",
        headers: { ...bearer(SECRET), "content-type": "application/json" },
        body: JSON.stringify({ fileName: "a.bin", fileSize: 5, createOn }),
      },
    );
    assertStringIncludes(
      await errorOf(response, 400),
      "createOn must be an ISO 8601 date",
      createOn,
    );
  }
  assertEquals(h.sent, []);
  for (
    const createOn of [
      "2024-05-31",
      "2024-05-31T12:00:00Z",
      "2024-05-31T12:00:00.1234567+03:00",
    ]
  ) {
    const response = await h.fetch(
      `${WORKER}/api/2.0/files/1/upload/create_session`,
      {
        method: "POST",
        headers: { ...bearer(SECRET), "content-type": "application/json" },
        body: JSON.stringify({ fileName: "a.bin", fileSize: 5, createOn }),
      },
    );
    assertEquals(response.status, 200, createOn);
  }
});
