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

/** The replica's JSON line for a batch of files and folders. */
interface BatchSummary {
  ok: boolean;
  error?: string;
  files: number;
  folders: number;
  bytes: number;
  requests: number;
  byKind: Record<string, number>;
  peakInFlight: number;
  maxUploadFilesCount: number;
  uploadThreadCount: number;
  conflicts: string[];
  seconds: number;
  uploaded: {
    path: string;
    fileId: number;
    folderId: number;
    size: number;
    chunks: number;
    sha256?: string;
  }[];
}

Deno.test({
  name:
    "the web client's batch flow (replica in Node): files and a folder tree, folders first, 5 files and 3 chunks each at once",
  ignore: skip("the web client replica's batch flow against the emulator"),
  async fn() {
    await using docspace = await portal();
    const { emulator } = docspace;
    const dir = await Deno.makeTempDir({ prefix: "web-client-batch-" });
    try {
      // Root files, a folder with a subfolder, an empty folder, a hidden file (the web client drops it).
      const layout: Record<string, number> = {
        "a.bin": 0,
        "b.bin": 2 * CHUNK - 100,
        "c.txt": 1000,
        "photos/x.bin": 3 * CHUNK + 5,
        "photos/2024/y.bin": CHUNK,
        "photos/2024/z.bin": 10,
        "photos/.hidden": 50,
      };
      for (let i = 1; i <= 8; i++) layout[`photos/many-0${i}.bin`] = 2000 + i;
      const hashes = new Map<string, string>();
      for (const [path, size] of Object.entries(layout)) {
        const full = `${dir}/${path}`;
        await Deno.mkdir(full.slice(0, full.lastIndexOf("/")), {
          recursive: true,
        });
        const bytes = randomBytes(size);
        await Deno.writeFile(full, bytes);
        hashes.set(path, await sha256(bytes));
      }
      await Deno.mkdir(`${dir}/empty`);
      const out = await new Deno.Command("node", {
        args: [
          REPLICA.pathname,
          "--url",
          docspace.url,
          "--token",
          docspace.token,
          "--folder",
          "1",
          "--sha256",
          ...["a.bin", "b.bin", "c.txt", "photos", "empty"].map((p) =>
            `${dir}/${p}`
          ),
        ],
        stdout: "piped",
        stderr: "piped",
        signal: AbortSignal.timeout(120_000),
      }).output();
      const stdout = new TextDecoder().decode(out.stdout).trim();
      const context = `${stdout}\n${new TextDecoder().decode(out.stderr)}`;
      assertEquals(out.code, 0, context);
      const summary: BatchSummary = JSON.parse(stdout.split("\n").at(-1)!);
      assert(summary.ok, context);
      const expected = Object.keys(layout).filter((p) => !p.includes("/."));
      assertEquals(summary.files, expected.length);
      assertEquals(summary.folders, 3); // photos, photos/2024, empty
      assertEquals(summary.maxUploadFilesCount, 5);
      assertEquals(summary.uploadThreadCount, THREADS);
      assertEquals(summary.conflicts, []);

      // Every file stored byte-exact, under the folder the replica created for its directory.
      const parent = (path: string) => path.split("/").slice(0, -1).join("/");
      const folderOf = new Map<string, number>();
      assertEquals(
        summary.uploaded.map((u) => u.path).toSorted(),
        expected.map((p) => ["a.bin", "b.bin", "c.txt"].includes(p) ? p : p)
          .toSorted(),
      );
      for (const u of summary.uploaded) {
        const stored = emulator.file(u.fileId);
        if (stored === undefined) throw new Error(`no file ${u.fileId}`);
        assertEquals(stored.title, u.path.split("/").at(-1));
        assertEquals(await sha256(stored.bytes), hashes.get(u.path), u.path);
        assertEquals(u.sha256, hashes.get(u.path));
        assertEquals(stored.folderId, u.folderId);
        const known = folderOf.get(parent(u.path));
        if (known !== undefined) assertEquals(u.folderId, known, u.path);
        folderOf.set(parent(u.path), u.folderId);
      }
      assertEquals(folderOf.get(""), 1);
      assertEquals(new Set(folderOf.values()).size, 3); // 1, photos, photos/2024
      // The folders exist where they belong, by title, as the API lists them.
      const list = async (id: number) =>
        (await (await fetch(`${docspace.url}/api/2.0/files/${id}`, {
          headers: { authorization: `Bearer ${docspace.token}` },
        })).json()).response.folders.map((f: { id: number; title: string }) =>
          [f.title, f.id] as const
        );
      const top = new Map(await list(1));
      assertEquals([...top.keys()].toSorted(), ["empty", "photos"]);
      assertEquals(top.get("photos"), folderOf.get("photos"));
      assertEquals(
        await list(folderOf.get("photos")!),
        [["2024", folderOf.get("photos/2024")!]],
      );

      // The request sequence: settings once, then the folders one at a time, then one check of every name,
      // then the files: a session each, its chunks, its finalize.
      const log = emulator.log.filter((e) => e.mode !== "list"); // not this test's own listing
      assertEquals(log[0]!.mode, "settings");
      assertEquals(log.filter((e) => e.mode === "settings").length, 1);
      const folders = log.filter((e) => e.mode === "create-folder");
      assertEquals(folders.length, 3);
      assertEquals(log.slice(1, 4), folders);
      for (let i = 1; i < folders.length; i++) {
        assert(folders[i]!.start >= folders[i - 1]!.end, "folders overlap");
      }
      assertEquals(log[4]!.path, "/api/2.0/files/1/upload/check");
      assert(log[4]!.start >= folders[2]!.end);
      const creates = log.filter((e) => e.mode === "create");
      assertEquals(creates.length, expected.length);
      assert(creates.every((e) => e.start >= log[4]!.end));
      const chunks = expected.reduce(
        (sum, p) => sum + Math.max(1, Math.ceil(layout[p]! / CHUNK)),
        0,
      );
      assertEquals(
        log.filter((e) => e.mode === "numbered" || e.mode === "small").length,
        chunks,
      );
      assertEquals(
        log.filter((e) => e.mode === "finalize" && e.status === 201).length,
        expected.length,
      );
      assertEquals(log.length, 5 + expected.length * 2 + chunks);
      assertEquals(summary.requests, log.length);
      assert(log.every((e) => e.status === 200 || e.status === 201));
      // At most 5 files in action (session created, not yet finalized), 3 chunk requests each, 15 in all.
      const events: [number, number][] = [
        ...creates.map((e) => [e.start, 1] as [number, number]),
        ...log.filter((e) => e.mode === "finalize").map((e) =>
          [e.end, -1] as [number, number]
        ),
      ].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      let open = 0;
      for (const [, delta] of events) {
        open += delta;
        assert(open <= 5, "more than 5 files at once");
      }
      const uids = new Set(log.map((e) => e.uid).filter((u) => u));
      assertEquals(uids.size, expected.length);
      for (const uid of uids) {
        assert(
          emulator.peakConcurrency((e) =>
            e.uid === uid && e.mode !== "finalize"
          ) <= THREADS,
          "more than 3 chunk requests at once for one file",
        );
      }
      assert(summary.peakInFlight <= 15);
      assert(
        emulator.peakConcurrency((e) => e.uid !== undefined) <= 15,
        "more than 15 chunk requests at once",
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
