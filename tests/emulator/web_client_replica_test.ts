// The protocol proved by an independent client: tests/web_client_replica.mjs, a replica of DocSpace's own web
// client upload flow (UploadDataStore.js) run in Node with Node's own fetch and FormData, uploads into the
// emulator directly and through the upload gateway (served on a port, forwarding to the emulator on loopback).
// Every case must answer 201 and store exactly the bytes sent. Skipped, saying why, when `node` is missing;
// with REQUIRE_E2E=1, as in CI, it fails instead.
import { assert, assertEquals } from "@std/assert";
import { skipSuite } from "../_skip.ts";
import { createUploadTicket } from "../../mod.ts";
import { createUploadGateway } from "../../gateway.ts";
import {
  type RequestLogEntry,
  type RunningEmulator,
  startEmulator,
} from "../../testing.ts";
import { randomBytes, sha256 } from "../_helpers.ts";

const CHUNK = 64 * 1024;
const THREADS = 3; // the web client: maxUploadThreadCount 15 / maxUploadFilesCount 5
const REPLICA = new URL("./web_client_replica.mjs", import.meta.url);
const SECRET = "web-client-replica-upload-secret-5a7e";

/**
 * Why Node cannot run the replica, or undefined when it can. Deno answers for `node` itself when no Node is on
 * PATH (`node --version` then prints "deno …"), so the version must be Node's own, 20 or newer.
 */
function nodeMissing(): string | undefined {
  try {
    const out = new Deno.Command("node", {
      args: ["--version"],
      stdout: "piped",
      stderr: "null",
    }).outputSync();
    const version = new TextDecoder().decode(out.stdout).trim();
    const major = Number(version.match(/^v(\d+)\./)?.[1] ?? 0);
    if (out.success && major >= 20) return undefined;
    return `no Node 20+ on PATH (\`node --version\` printed ${
      JSON.stringify(version.split("\n")[0])
    })`;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      return "node is not installed (the replica runs in Node 20+)";
    }
    throw error;
  }
}

const NODE_MISSING = nodeMissing();

function skip(name: string): boolean {
  return skipSuite(name, NODE_MISSING);
}

/** The replica's `--size/--seed` bytes: xorshift32, as `seededBytes` in web_client_replica.mjs. */
function seededBytes(size: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(size);
  let x = (seed >>> 0) || 0x9e3779b9;
  for (let i = 0; i < size; i++) {
    x = (x ^ (x << 13)) >>> 0;
    x = (x ^ (x >>> 17)) >>> 0;
    x = (x ^ (x << 5)) >>> 0;
    bytes[i] = x & 0xff;
  }
  return bytes;
}

/** The replica's JSON line. */
interface ReplicaResult {
  ok: boolean;
  error?: string;
  status?: number;
  fileId?: number | string;
  sha256?: string;
  size?: number;
  mode?: "numbered" | "sequential";
  chunks?: number;
  uploadThreadCount?: number;
  peakInFlight?: number;
  requests: {
    kind: string;
    chunkNumber?: number;
    status: number;
    success?: boolean;
    message?: string;
  }[];
}

async function runReplica(
  args: string[],
): Promise<{ code: number; result: ReplicaResult; stderr: string }> {
  if (NODE_MISSING !== undefined) {
    throw new Error(`REQUIRE_E2E=1 and ${NODE_MISSING}`);
  }
  const out = await new Deno.Command("node", {
    args: [REPLICA.pathname, ...args],
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(120_000),
  }).output();
  const stdout = new TextDecoder().decode(out.stdout).trim();
  const stderr = new TextDecoder().decode(out.stderr);
  let result: ReplicaResult;
  try {
    result = JSON.parse(stdout.split("\n").at(-1) ?? "");
  } catch {
    throw new Error(
      `the replica printed no JSON line (exit ${out.code}):\n${stdout}\n${stderr}`,
    );
  }
  return { code: out.code, result, stderr };
}

interface Case {
  name: string;
  size: number;
  folder: number | string;
  /** Bytes from a temporary file (`--file`), or from the replica's own generator (`--seed`). */
  source: "file" | "seed";
  /** Through the gateway: an upload ticket for the folder instead of UPLOAD_SECRET. */
  ticket?: boolean;
}

const CASES: Case[] = [
  { name: "0 bytes", size: 0, folder: 1, source: "file" },
  { name: "1000 bytes", size: 1000, folder: 1, source: "file", ticket: true },
  { name: "chunkUploadSize - 1", size: CHUNK - 1, folder: 1, source: "seed" },
  { name: "exactly chunkUploadSize", size: CHUNK, folder: 1, source: "file" },
  { name: "3 × chunkUploadSize", size: 3 * CHUNK, folder: 1, source: "file" },
  {
    name: "5 × chunkUploadSize + 12345",
    size: 5 * CHUNK + 12345,
    folder: 1,
    source: "seed",
    ticket: true,
  },
  {
    name: "third-party folder, 1000 bytes",
    size: 1000,
    folder: "sbox-1",
    source: "file",
  },
  {
    name: "third-party folder, 2 × chunkUploadSize + 777",
    size: 2 * CHUNK + 777,
    folder: "sbox-1",
    source: "seed",
    ticket: true,
  },
];

/** What the emulator logged for one run, reduced to what the protocol fixes. */
function sequence(log: RequestLogEntry[]) {
  return log.map(({ mode, chunkNumber, status }) => ({
    mode,
    ...(chunkNumber === undefined ? {} : { chunkNumber }),
    status,
  }));
}

/** Checks the requests of one upload of `size` bytes, as the emulator (behind the gateway or not) saw them. */
function checkLog(log: RequestLogEntry[], c: Case, chunks: number): void {
  const seen = sequence(log);
  assertEquals(seen.slice(0, 2), [
    { mode: "settings", status: 200 },
    { mode: "create", status: 200 },
  ]);
  const uploads = seen.slice(2);
  if (typeof c.folder === "string") {
    // Third-party: sequential chunks, one after another, no numbers; the last answers 201 with the file.
    assertEquals(uploads.length, chunks, JSON.stringify(seen));
    uploads.forEach((entry, i) => {
      assertEquals(entry.chunkNumber, undefined);
      assert(
        entry.mode === "sequential" || entry.mode === "small",
        JSON.stringify(seen),
      );
      assertEquals(entry.status, i === chunks - 1 ? 201 : 200);
      assertEquals(
        log[i + 2]!.computedLength,
        Math.min(CHUNK, c.size - i * CHUNK),
      );
    });
    for (let i = 1; i < log.length; i++) {
      assert(log[i]!.start >= log[i - 1]!.end, "sequential chunks overlap");
    }
    return;
  }
  // Numbered: chunks 1..n (any order), each 200 with the session, then one finalize answering 201.
  const small = c.size < CHUNK;
  assertEquals(uploads.length, chunks + 1, JSON.stringify(seen));
  assertEquals(
    uploads.slice(0, -1).map((e) => e.chunkNumber).sort((a, b) => a! - b!),
    Array.from({ length: chunks }, (_, i) => i + 1),
  );
  for (const entry of uploads.slice(0, -1)) {
    assertEquals(entry.mode, small ? "small" : "numbered");
    assertEquals(entry.status, 200);
  }
  assertEquals(uploads.at(-1), { mode: "finalize", status: 201 });
  // Node's FormData frames a part exactly as the server's Content-Length arithmetic expects.
  for (const entry of log.slice(2, -1)) {
    const n = entry.chunkNumber!;
    assertEquals(
      entry.computedLength,
      Math.min(CHUNK, c.size - (n - 1) * CHUNK),
      `the length the server computes for chunk ${n}`,
    );
  }
  const finalize = log.at(-1)!;
  for (const entry of log.slice(2, -1)) {
    assert(
      finalize.start >= entry.end,
      "the finalize was sent before every chunk was answered",
    );
  }
}

interface Target {
  url: string;
  credential(c: Case): Promise<string>;
  portal: RunningEmulator;
}

async function upload(target: Target, c: Case, dir: string): Promise<void> {
  const { emulator } = target.portal;
  const fileName = `${c.name.replace(/[^a-z0-9]+/gi, "-")}.bin`;
  let bytes: Uint8Array;
  const source: string[] = [];
  if (c.source === "file") {
    bytes = randomBytes(c.size);
    const path = `${dir}/${fileName}`;
    await Deno.writeFile(path, bytes);
    source.push("--file", path);
  } else {
    const seed = c.size + 17;
    bytes = seededBytes(c.size, seed);
    source.push(
      "--size",
      String(c.size),
      "--seed",
      String(seed),
      "--name",
      fileName,
    );
  }
  const expected = await sha256(bytes);
  const before = emulator.log.length;
  const { code, result, stderr } = await runReplica([
    "--url",
    target.url,
    "--token",
    await target.credential(c),
    "--folder",
    String(c.folder),
    ...source,
  ]);
  const log = emulator.log.slice(before);
  const context = `${stderr}\nreplica: ${JSON.stringify(result)}\nemulator: ${
    JSON.stringify(sequence(log))
  }`;
  assertEquals(code, 0, context);
  assert(result.ok, context);
  assertEquals(result.status, 201, context);
  assertEquals(result.sha256, expected, "the replica sent other bytes");
  const chunks = c.size === 0 ? 1 : Math.ceil(c.size / CHUNK);
  assertEquals(result.chunks, chunks);
  assertEquals(
    result.mode,
    typeof c.folder === "string" ? "sequential" : "numbered",
  );
  const stored = emulator.files().find((f) => f.id === result.fileId);
  if (stored === undefined) {
    throw new Error(
      `no stored file with id ${JSON.stringify(result.fileId)}\n${context}`,
    );
  }
  assertEquals(typeof stored.id, typeof c.folder, "file id type");
  assertEquals(stored.folderId, c.folder);
  assertEquals(stored.title, fileName);
  assertEquals(stored.version, 1);
  assertEquals(stored.bytes.length, c.size);
  assertEquals(await sha256(stored.bytes), expected, "stored bytes differ");
  checkLog(log, c, chunks);
  if (typeof c.folder === "number") {
    assertEquals(result.uploadThreadCount, THREADS);
    assertEquals(result.peakInFlight, Math.min(chunks, THREADS));
    assert(
      emulator.peakConcurrency((e) => log.includes(e)) <= THREADS,
      "more than 3 chunk requests at once",
    );
  } else {
    assertEquals(result.peakInFlight, 1);
  }
}

function portal(): Promise<RunningEmulator> {
  return startEmulator({ chunkUploadSize: CHUNK });
}

Deno.test({
  name: "the web client's upload flow (replica in Node) against the emulator",
  ignore: skip("the web client replica against the emulator"),
  async fn(t) {
    await using docspace = await portal();
    const dir = await Deno.makeTempDir({ prefix: "web-client-replica-" });
    try {
      const target: Target = {
        url: docspace.url,
        credential: () => Promise.resolve(docspace.token),
        portal: docspace,
      };
      for (const c of CASES) {
        await t.step(c.name, () => upload(target, c, dir));
      }
      await t.step(
        "the exact request sequence of a small file: settings, create, chunk 1, finalize",
        () => {
          // Re-checked here explicitly, for one case, against the whole log of that run.
          const runs = splitRuns(docspace.emulator.log);
          assertEquals(sequence(runs[1]!), [
            { mode: "settings", status: 200 },
            { mode: "create", status: 200 },
            { mode: "small", chunkNumber: 1, status: 200 },
            { mode: "finalize", status: 201 },
          ]);
          const multi = sequence(runs[4]!); // 3 × chunkUploadSize
          assertEquals(multi.slice(0, 2), [
            { mode: "settings", status: 200 },
            { mode: "create", status: 200 },
          ]);
          assertEquals(
            multi.slice(2, 5).sort((a, b) => a.chunkNumber! - b.chunkNumber!),
            [1, 2, 3].map((n) => ({
              mode: "numbered",
              chunkNumber: n,
              status: 200,
            })),
          );
          assertEquals(multi.slice(5), [{ mode: "finalize", status: 201 }]);
        },
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/** The log cut into runs, each starting at its settings request. */
function splitRuns(log: RequestLogEntry[]): RequestLogEntry[][] {
  const runs: RequestLogEntry[][] = [];
  for (const entry of log) {
    if (entry.mode === "settings") runs.push([]);
    runs.at(-1)?.push(entry);
  }
  return runs;
}

Deno.test({
  name:
    "the web client's upload flow (replica in Node) through the upload gateway, with UPLOAD_SECRET and tickets",
  ignore: skip("the web client replica through the upload gateway"),
  async fn(t) {
    await using docspace = await portal();
    const logs: string[] = [];
    const gateway = createUploadGateway({
      env: {
        DOCSPACE_URL: docspace.url,
        DOCSPACE_TOKEN: docspace.token,
        UPLOAD_SECRET: SECRET,
      },
      log: (line) => logs.push(line),
    });
    await using server = Deno.serve({
      hostname: "127.0.0.1",
      port: 0,
      onListen() {},
    }, gateway.fetch);
    const dir = await Deno.makeTempDir({ prefix: "web-client-replica-" });
    try {
      const target: Target = {
        url: `http://127.0.0.1:${server.addr.port}`,
        credential: (c) =>
          c.ticket
            ? createUploadTicket({
              secret: SECRET,
              folderId: c.folder,
              maxBytes: c.size,
              expiresIn: 600,
            })
            : Promise.resolve(SECRET),
        portal: docspace,
      };
      for (const c of CASES) {
        await t.step(c.name, async () => {
          try {
            await upload(target, c, dir);
          } catch (error) {
            if (logs.length > 0) {
              console.error(`gateway log:\n${logs.join("\n")}`);
            }
            throw error;
          }
        });
      }
      // The gateway logs each upload's outcome: every one of them uploaded, nothing refused or failed.
      assertEquals(
        logs.map((line) => JSON.parse(line).outcome).filter((outcome) =>
          outcome !== "uploaded"
        ),
        [],
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
