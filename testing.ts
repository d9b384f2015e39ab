/**
 * A DocSpace emulator for tests: an in-memory portal that speaks the chunked-upload protocol strictly,
 * as ONLYOFFICE DocSpace 3.7 does. It computes numbered-chunk lengths from `Content-Length` the way the
 * server does, so a badly framed chunk fails at finalize here too; it logs every request and can inject
 * proxy faults (error statuses, dropped responses, latency, slow reads). {@linkcode startLink} puts a network
 * link in front of it (or of anything on TCP): a one-way delay, a shared bandwidth cap, a handshake per
 * connection.
 *
 * It applies DocSpace's rate limiter (per user: 1500 requests a minute, 15 concurrent writes, 50
 * concurrent GETs, 10,000 POST/PUT a day; option `rateLimits`) and keeps uploaded bytes in memory unless
 * option `storage` says `"digest"` or `{ directory }`.
 *
 * Run it as a program to serve it: `deno run -A testing.ts --port 8080 [--hostname 0.0.0.0]` (or
 * `PORT=8080`; `--help` lists the storage and rate-limit flags; served, it keeps only digests by
 * default); it prints the URL, the default token, the folder ids, the storage and the limits.
 *
 * @example Serve an emulator for a test
 * ```ts
 * import { startEmulator } from "@docspace-tools/upload/testing";
 * import { assertEquals } from "@std/assert";
 *
 * await using server = await startEmulator();
 * const response = await fetch(`${server.url}/api/2.0/files/1/upload/create_session`, {
 *   method: "POST",
 *   headers: { authorization: `Bearer ${server.token}`, "content-type": "application/json" },
 *   body: JSON.stringify({ fileName: "report.docx", fileSize: 3 }),
 * });
 * assertEquals(response.status, 200);
 * assertEquals(server.emulator.sessions().length, 1);
 * ```
 *
 * @module
 */
import { serveFromCommandLine } from "./src/emulator/_command.ts";

export * from "./src/emulator/chunk_length.ts";
export * from "./src/emulator/emulator.ts";
export type { Fault, FaultMatch } from "./src/emulator/faults.ts";
export {
  type LinkOptions,
  type LinkStats,
  type RunningLink,
  startLink,
} from "./src/emulator/link.ts";
export type {
  EmulatorFolder,
  EmulatorOptions,
  EmulatorUser,
  ResolvedEmulatorOptions,
} from "./src/emulator/options.ts";
export type {
  RateLimitName,
  RateLimits,
  RateLimitStats,
  ResolvedRateLimits,
} from "./src/emulator/rate_limits.ts";
export * from "./src/emulator/request_log.ts";
export * from "./src/emulator/serve.ts";
export type { SessionInfo, StoredFile } from "./src/emulator/state.ts";
export type { EmulatorStorage } from "./src/emulator/storage.ts";

if (import.meta.main) {
  const code = await serveFromCommandLine(
    Deno.args,
    (name) => Deno.env.get(name),
  );
  if (code !== undefined) Deno.exit(code);
}
