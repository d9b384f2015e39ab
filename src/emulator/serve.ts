/**
 * Serving the emulator on a real port.
 *
 * @module
 */

import { DocSpaceEmulator } from "./emulator.ts";
import type { EmulatorOptions } from "./options.ts";

/** Options for {@linkcode startEmulator}. */
export interface StartEmulatorOptions extends EmulatorOptions {
  /** The interface to listen on. @default {"127.0.0.1"} */
  hostname?: string;
  /** The port; 0 picks a free one. @default {0} */
  port?: number;
  /** Stops the server when aborted. @default {undefined} */
  signal?: AbortSignal;
}

/** A served emulator. Dispose of it (`await using`) or call `close()` to stop it. */
export interface RunningEmulator extends AsyncDisposable {
  /** The origin it serves, like `http://127.0.0.1:PORT`. */
  url: string;
  /** The first user's first token. */
  token: string;
  /** The emulator, for its log, files, sessions and faults. */
  emulator: DocSpaceEmulator;
  /** Stops the server, letting in-flight requests finish. */
  close(): Promise<void>;
}

/**
 * Serves a {@linkcode DocSpaceEmulator} with `Deno.serve`, silently, and sets its `publicUrl` to the
 * served URL (unless given), so `location` points at it.
 *
 * @param options The emulator's options, plus where to listen.
 * @returns The running emulator.
 *
 * @example Ask a served emulator for its chunk size
 * ```ts
 * import { startEmulator } from "@docspace-tools/upload/testing";
 * import { assertEquals } from "@std/assert";
 *
 * await using server = await startEmulator({ chunkUploadSize: 65536 });
 * const response = await fetch(`${server.url}/api/2.0/files/settings`);
 * assertEquals((await response.json()).response.chunkUploadSize, 65536);
 * ```
 */
export function startEmulator(
  options: StartEmulatorOptions = {},
): Promise<RunningEmulator> {
  const { hostname = "127.0.0.1", port = 0, signal, ...emulatorOptions } =
    options;
  let emulator: DocSpaceEmulator | undefined;
  const server = Deno.serve({
    hostname,
    port,
    ...(signal === undefined ? {} : { signal }),
    onListen() {},
  }, (request) => emulator!.app.fetch(request));
  const host = server.addr.hostname.includes(":")
    ? `[${server.addr.hostname}]`
    : server.addr.hostname;
  const url = `http://${host}:${server.addr.port}`;
  try {
    emulator = new DocSpaceEmulator({ publicUrl: url, ...emulatorOptions });
  } catch (error) {
    return server.shutdown().then(() => Promise.reject(error));
  }
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => closed ??= server.shutdown();
  return Promise.resolve({
    url,
    token: emulator.options.users[0]?.tokens[0] ?? "",
    emulator,
    close,
    [Symbol.asyncDispose]: close,
  });
}
