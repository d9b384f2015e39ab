// The emulator served as `deno run -A testing.ts` serves it, plus `GET /__bench/stats` for the benchmarks:
// what its request log counts (requests by mode and status, 429 refusals, the peak of concurrent chunk
// requests per user), the stored files, and `emulator.stats()` when the emulator has one. A benchmark asks
// it directly, not through the link it measures. Run: deno run -A bench/_emulator_with_stats.ts
import { DocSpaceEmulator, type RequestLogEntry } from "../testing.ts";

/** The modes that write a file's bytes: the requests a per-user limit on concurrent writes counts. */
const WRITES = new Set(["numbered", "sequential", "small"]);

/** What `GET /__bench/stats` answers. */
export interface BenchStats {
  requests: number;
  byMode: Record<string, number>;
  byStatus: Record<string, number>;
  refused429: number;
  peakWritesPerUser: number;
  files: number;
  bytes: number;
  /** `emulator.stats()` when the emulator has it, else null. */
  emulatorStats: unknown;
}

/** Counts from the emulator's log and state. */
export function benchStats(emulator: DocSpaceEmulator): BenchStats {
  const byMode: Record<string, number> = {};
  const byStatus: Record<string, number> = {};
  const users = new Set<string>();
  for (const entry of emulator.log) {
    byMode[entry.mode] = (byMode[entry.mode] ?? 0) + 1;
    byStatus[entry.status] = (byStatus[entry.status] ?? 0) + 1;
    if (entry.user !== undefined) users.add(entry.user);
  }
  let peakWritesPerUser = 0;
  for (const user of users) {
    peakWritesPerUser = Math.max(
      peakWritesPerUser,
      emulator.peakConcurrency((e: RequestLogEntry) =>
        e.user === user && WRITES.has(e.mode)
      ),
    );
  }
  const files = emulator.files();
  const stats = (emulator as unknown as { stats?: () => unknown }).stats;
  return {
    requests: emulator.log.length,
    byMode,
    byStatus,
    refused429: byStatus["429"] ?? 0,
    peakWritesPerUser,
    files: files.length,
    bytes: files.reduce((sum, f) => sum + f.bytes.length, 0),
    emulatorStats: typeof stats === "function" ? stats.call(emulator) : null,
  };
}

if (import.meta.main) {
  const emulator = new DocSpaceEmulator();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (request) =>
      new URL(request.url).pathname === "/__bench/stats"
        ? Response.json(benchStats(emulator))
        : emulator.app.fetch(request),
  );
  const token = emulator.options.users[0]?.tokens[0] ?? "";
  // The banner of `deno run -A testing.ts`, which bench/_processes.ts reads.
  console.log(
    `DocSpace emulator listening on http://127.0.0.1:${server.addr.port}`,
  );
  console.log(`Token: ${token} (Authorization: Bearer ${token})`);
}
