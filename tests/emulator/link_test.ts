// The link emulator (src/emulator/link.ts): bytes pass exactly, both ways, through many connections at once;
// its counts are exact; its delays and its cap are lower bounds on time; a slow side stops the other's reads;
// one side closing closes the other after the delayed data; closing the link leaves nothing behind.
import { assert, assertEquals, assertRejects, assertThrows } from "@std/assert";
import { startLink } from "../../testing.ts";
import { randomBytes, sha256 } from "../_helpers.ts";

/** Timers fire to the millisecond, and may fire a fraction of one early against performance.now(). */
const SLACK = 1;

const MiB = 1024 * 1024;

/** Reads a connection to its end. */
async function readAll(conn: Deno.Conn): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  const buffer = new Uint8Array(64 * 1024);
  while (true) {
    const n = await conn.read(buffer);
    if (n === null) break;
    parts.push(buffer.slice(0, n));
    total += n;
  }
  const all = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    all.set(part, at);
    at += part.length;
  }
  return all;
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.length;) {
    at += await conn.write(bytes.subarray(at, at + 100_000));
  }
}

/**
 * A TCP server that reads each connection to its end, records the SHA-256 of what it read, then answers
 * `reply(received)` and closes.
 */
function tcpServer(reply: (received: Uint8Array) => Uint8Array) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const received: string[] = [];
  const tasks: Promise<void>[] = [];
  const serving = (async () => {
    for await (const conn of listener) {
      tasks.push((async () => {
        try {
          const bytes = await readAll(conn);
          received.push(await sha256(bytes));
          await writeAll(conn, reply(bytes));
        } finally {
          conn.close();
        }
      })());
    }
  })();
  return {
    port: (listener.addr as Deno.NetAddr).port,
    received,
    async [Symbol.asyncDispose]() {
      listener.close();
      await serving.catch(() => {});
      await Promise.all(tasks);
    },
  };
}

/** Sends `bytes`, half-closes, and reads the reply to its end. */
async function exchange(port: number, bytes: Uint8Array): Promise<Uint8Array> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    const [, reply] = await Promise.all([
      writeAll(conn, bytes).then(() => conn.closeWrite()),
      readAll(conn),
    ]);
    return reply;
  } finally {
    conn.close();
  }
}

/** The reply of the test server: the bytes reversed, then their length in 8 bytes, so both ways differ. */
function reversed(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length + 8);
  out.set(bytes.toReversed());
  new DataView(out.buffer).setBigUint64(bytes.length, BigInt(bytes.length));
  return out;
}

Deno.test("link: bytes pass exactly both ways through 24 parallel connections, and the counts are exact", async () => {
  await using server = tcpServer(reversed);
  await using link = await startLink({
    target: `127.0.0.1:${server.port}`,
    delayMs: 5,
    bandwidthBitsPerSecond: 2_000_000_000,
  });
  const sizes = Array.from(
    { length: 24 },
    (_, i) => [0, 1, 1000, 65535, 65536, 65537, 300_000, MiB + 7][i % 8]!,
  );
  const payloads = sizes.map((size) => randomBytes(size));
  const replies = await Promise.all(
    payloads.map((bytes) => exchange(link.port, bytes)),
  );
  for (let i = 0; i < payloads.length; i++) {
    assertEquals(
      await sha256(replies[i]!),
      await sha256(reversed(payloads[i]!)),
      `reply ${i}`,
    );
  }
  assertEquals(
    server.received.toSorted(),
    (await Promise.all(payloads.map((p) => sha256(p)))).toSorted(),
  );
  const total = sizes.reduce((a, b) => a + b, 0);
  assertEquals(link.stats(), {
    connections: 24,
    bytesUp: total,
    bytesDown: total + 8 * 24,
  });
});

Deno.test("link: the target may be a URL, and a bad target or number is refused", async () => {
  await using server = tcpServer(reversed);
  await using link = await startLink({
    target: new URL(`http://127.0.0.1:${server.port}/ignored/path`),
  });
  assertEquals(link.url, `http://127.0.0.1:${link.port}`);
  const reply = await exchange(link.port, new Uint8Array([1, 2, 3]));
  assertEquals([...reply.subarray(0, 3)], [3, 2, 1]);
  assertThrows(
    () => startLink({ target: "localhost" }),
    TypeError,
    'target must be HOST:PORT or a URL, received "localhost"',
  );
  assertThrows(
    () => startLink({ target: "127.0.0.1:1", delayMs: -1 }),
    RangeError,
    "delayMs must be a non-negative number, received -1",
  );
  assertThrows(
    () => startLink({ target: "127.0.0.1:1", bandwidthBitsPerSecond: 0 }),
    RangeError,
    "bandwidthBitsPerSecond must be a positive number, received 0",
  );
});

Deno.test("link: an HTTP request through a 50 ms link takes at least a round trip, and a new connection one more", async () => {
  await using server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => new Response("pong"),
  );
  await using link = await startLink({
    target: `127.0.0.1:${server.addr.port}`,
    delayMs: 50,
  });
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: link.port });
  try {
    const request = new TextEncoder().encode(
      "GET / HTTP/1.1\r\nhost: x\r\n\r\n",
    );
    const buffer = new Uint8Array(4096);
    for (const floor of [200, 100]) { // handshake + round trip, then a round trip on the same connection
      const start = performance.now();
      await writeAll(conn, request);
      let text = "";
      while (!text.endsWith("pong")) {
        const n = await conn.read(buffer);
        if (n === null) throw new Error(`the connection ended: ${text}`);
        text += new TextDecoder().decode(buffer.subarray(0, n));
      }
      const elapsed = performance.now() - start;
      assert(text.startsWith("HTTP/1.1 200"), text);
      assert(elapsed >= floor - SLACK, `${elapsed} ms < ${floor} ms`);
    }
  } finally {
    conn.close();
  }
  assertEquals(link.stats().connections, 1);
});

Deno.test("link: without the handshake, a new connection's first exchange takes one round trip", async () => {
  await using server = tcpServer(reversed);
  await using link = await startLink({
    target: `127.0.0.1:${server.port}`,
    delayMs: 50,
    handshakeRoundTrip: false,
  });
  const start = performance.now();
  await exchange(link.port, new Uint8Array([9]));
  const elapsed = performance.now() - start;
  assert(elapsed >= 100 - SLACK, `${elapsed} ms`);
});

Deno.test("link: the cap is shared: 1 MiB at 8 Mbit/s takes at least 1 s, alone or split over two connections", async () => {
  await using server = tcpServer(() => new Uint8Array(0));
  await using link = await startLink({
    target: `127.0.0.1:${server.port}`,
    bandwidthBitsPerSecond: 8_000_000,
    handshakeRoundTrip: false,
  });
  const floor = (MiB * 8) / 8_000_000 * 1000; // 1048.6 ms
  let start = performance.now();
  await exchange(link.port, randomBytes(MiB));
  let elapsed = performance.now() - start;
  assert(
    elapsed >= floor - SLACK,
    `one connection: ${elapsed} ms < ${floor} ms`,
  );
  start = performance.now();
  await Promise.all([
    exchange(link.port, randomBytes(MiB / 2)),
    exchange(link.port, randomBytes(MiB / 2)),
  ]);
  elapsed = performance.now() - start;
  assert(
    elapsed >= floor - SLACK,
    `two connections: ${elapsed} ms < ${floor} ms`,
  );
  assertEquals(link.stats().bytesUp, 2 * MiB);
});

Deno.test("link: a side that does not read stops the link reading from the other (bounded memory)", async () => {
  // The server accepts and never reads: the link may hold maxBufferedBytes, the kernel its socket buffers;
  // the client's writes must stall well before 256 MiB.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = listener.accept();
  await using link = await startLink({
    target: `127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
    maxBufferedBytes: MiB,
  });
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: link.port });
  const idle = await accepted;
  const block = new Uint8Array(MiB);
  let written = 0;
  try {
    while (written < 256 * MiB) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const write = conn.write(block);
      const stalled = await Promise.race([
        write.then(() => false),
        new Promise<boolean>((resolve) =>
          timer = setTimeout(() => resolve(true), 1000)
        ),
      ]);
      clearTimeout(timer);
      if (stalled) {
        conn.close(); // the pending write fails
        await write.catch(() => {});
        break;
      }
      written += await write;
    }
  } finally {
    try {
      conn.close();
    } catch { /* closed above */ }
    await link.close();
    idle.close();
    listener.close();
  }
  assert(written < 128 * MiB, `${written / MiB} MiB accepted`);
  assert(link.stats().bytesUp < 128 * MiB);
});

Deno.test("link: when the server closes, the client gets every delayed byte first, then the end", async () => {
  const reply = randomBytes(3 * MiB + 5);
  await using server = tcpServer(() => reply);
  await using link = await startLink({
    target: `127.0.0.1:${server.port}`,
    delayMs: 30,
    bandwidthBitsPerSecond: 1_000_000_000,
  });
  const got = await exchange(link.port, new Uint8Array(10));
  assertEquals(await sha256(got), await sha256(reply));
});

Deno.test("link: closing ends open connections, refuses new ones, and may be repeated", async () => {
  await using server = tcpServer(reversed);
  const link = await startLink({
    target: `127.0.0.1:${server.port}`,
    delayMs: 20,
  });
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: link.port });
  await conn.write(new Uint8Array(1000)); // delayed inside the link when it closes
  const reading = readAll(conn).then(
    (bytes) => bytes.length,
    () => -1,
  );
  await link.close();
  await link.close();
  assert((await reading) <= 0, "the connection kept working");
  conn.close();
  await assertRejects(() =>
    Deno.connect({ hostname: "127.0.0.1", port: link.port })
  );
  assertEquals(link.stats().connections, 1);
});

Deno.test("link: a target that refuses connections closes the client's", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  await using link = await startLink({ target: `127.0.0.1:${port}` });
  const reply = await exchange(link.port, new Uint8Array(3)).catch(() =>
    new Uint8Array(0)
  );
  assertEquals(reply.length, 0);
  assertEquals(link.stats(), { connections: 1, bytesUp: 0, bytesDown: 0 });
});
