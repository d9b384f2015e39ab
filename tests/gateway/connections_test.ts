// The self-hosted Deno entry guards its connections. 2,000 connections that send nothing, under a
// descriptor limit of 1,024, neither end the process nor keep /health from answering, and are closed; a
// connection is closed after a 408 or a refusal whose body was not read, when it never sends a request, and
// when it idles between requests; when every connection has a request running, a newcomer is answered 503.
import { assert, assertEquals, assertFalse } from "@std/assert";
import { type RunningEmulator, startEmulator } from "../../testing.ts";
import { eventually, startDenoWorker } from "./_worker_e2e.ts";

const SECRET = "connections-upload-secret-0123456789abcdef";
const TOKEN = "sk-connections-docspace-token-31ad";
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function settings(docspace: RunningEmulator): Record<string, string> {
  return {
    DOCSPACE_URL: docspace.url,
    DOCSPACE_TOKEN: TOKEN,
    UPLOAD_SECRET: SECRET,
    IDLE_TIMEOUT: "1",
    HEADERS_TIMEOUT: "2",
    KEEPALIVE_TIMEOUT: "1",
  };
}

function descriptors(pid: number): number {
  return [...Deno.readDirSync(`/proc/${pid}/fd`)].length;
}

function connect(url: string): Promise<Deno.TcpConn> {
  const { hostname, port } = new URL(url);
  return Deno.connect({ hostname, port: Number(port) });
}

/** Reads until the peer closes (or resets) the connection; the text read. */
async function untilClosed(conn: Deno.Conn): Promise<string> {
  const buffer = new Uint8Array(65536);
  let text = "";
  try {
    for (let n; (n = await conn.read(buffer)) !== null;) {
      text += decoder.decode(buffer.subarray(0, n));
    }
  } catch { /* reset: closed too */ }
  try {
    conn.close();
  } catch { /* closed already */ }
  return text;
}

Deno.test("worker/deno.ts under ulimit -n 1024: 2,000 idle connections leave it up and answering /health, and are all closed", async () => {
  await using docspace = await startEmulator({
    users: [{ id: "admin", tokens: [TOKEN] }],
  });
  await using worker = await startDenoWorker(settings(docspace), 1024);
  const limits = Deno.readTextFileSync(`/proc/${worker.pid}/limits`);
  assert(/^Max open files\s+1024\s/m.test(limits), limits);
  const baseline = descriptors(worker.pid);
  const idle: Deno.TcpConn[] = [];
  for (let i = 0; i < 2000; i += 100) {
    idle.push(
      ...await Promise.all(
        Array.from({ length: 100 }, () => connect(worker.url)),
      ),
    );
  }
  const health = await fetch(`${worker.url}/health`);
  assertEquals(await health.json(), { status: "ok" });
  const closed = await Promise.all(idle.map(untilClosed));
  assertEquals(closed.filter((text) => text !== "").length, 0);
  await eventually(
    () => descriptors(worker.pid) <= baseline + 5,
    "the process's descriptors back to where they were",
  );
  const again = await fetch(`${worker.url}/health`);
  assertEquals(again.status, 200);
  await again.body?.cancel();
  assertFalse(worker.output().includes("Too many open files"));
});

Deno.test("worker/deno.ts closes the socket after a 408, after a refusal with an unread body, on a connection that never sends a request, and on an idle keep-alive connection", async () => {
  await using docspace = await startEmulator({
    users: [{ id: "admin", tokens: [TOKEN] }],
  });
  await using worker = await startDenoWorker(settings(docspace));
  const { host } = new URL(worker.url);

  // A direct upload's head, then nothing: 408 with Connection: close, and the socket closed.
  const stalled = await connect(worker.url);
  await stalled.write(encoder.encode(
    `POST /upload/1?name=a.bin HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${SECRET}\r\nContent-Length: 100\r\n\r\n`,
  ));
  const timedOut = await untilClosed(stalled);
  assert(timedOut.startsWith("HTTP/1.1 408"), timedOut);
  assert(/\r\nconnection: close\r\n/i.test(timedOut), timedOut);

  // Refused (401) before its body is read: the rest is never read, the socket is closed.
  const refused = await connect(worker.url);
  await refused.write(encoder.encode(
    `POST /upload/1?name=a.bin HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 100000\r\n\r\n0123456789`,
  ));
  const unauthorized = await untilClosed(refused);
  assert(unauthorized.startsWith("HTTP/1.1 401"), unauthorized);
  assert(/\r\nconnection: close\r\n/i.test(unauthorized), unauthorized);

  // Never a request: closed after HEADERS_TIMEOUT, with nothing said.
  assertEquals(await untilClosed(await connect(worker.url)), "");

  // One request, then idle: closed after KEEPALIVE_TIMEOUT.
  const keepAlive = await connect(worker.url);
  await keepAlive.write(
    encoder.encode(`GET /health HTTP/1.1\r\nHost: ${host}\r\n\r\n`),
  );
  const answered = await untilClosed(keepAlive);
  assert(answered.startsWith("HTTP/1.1 200"), answered);
  assert(answered.endsWith('{"status":"ok"}'), answered);
});

Deno.test("worker/deno.ts at MAX_CONNECTIONS with a request running on each answers a newcomer 503 at once and closes it", async () => {
  await using docspace = await startEmulator({
    users: [{ id: "admin", tokens: [TOKEN] }],
  });
  await using worker = await startDenoWorker({
    ...settings(docspace),
    IDLE_TIMEOUT: "30",
    MAX_CONNECTIONS: "3",
  });
  const { host } = new URL(worker.url);
  const running = await Promise.all([0, 1, 2].map(async () => {
    const conn = await connect(worker.url);
    await conn.write(encoder.encode(
      `POST /upload/1?name=a.bin HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${SECRET}\r\nContent-Length: 100\r\n\r\n`,
    ));
    return conn;
  }));
  // Each of the three has its request running (a direct upload waiting for its body) once the session
  // route sees them; the fourth finds no connection to close for it.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const newcomer = await untilClosed(await connect(worker.url));
  assert(newcomer.startsWith("HTTP/1.1 503"), newcomer);
  assert(newcomer.includes("too many open connections"), newcomer);
  for (const conn of running) conn.close();
});
