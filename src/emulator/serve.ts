/**
 * Serving the emulator on a real port.
 *
 * @module
 */

import { remoteAddresses } from "./_remote.ts";
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
  /**
   * An origin it serves, like `http://127.0.0.1:PORT`; when it listens on every interface (`0.0.0.0`, `::`),
   * the loopback one, never `http://0.0.0.0:…`.
   */
  url: string;
  /** The first user's first token. */
  token: string;
  /** The emulator, for its log, files, sessions and faults. */
  emulator: DocSpaceEmulator;
  /** Stops the server, letting in-flight requests finish. */
  close(): Promise<void>;
}

/** A host for a URL: the loopback address for a wildcard one, IPv6 in brackets. */
function loopbackIfAny(hostname: string): string {
  if (hostname === "0.0.0.0") return "127.0.0.1";
  if (hostname === "::" || hostname === "[::]") return "[::1]";
  return hostname.includes(":") ? `[${hostname}]` : hostname;
}

/**
 * Serves a {@linkcode DocSpaceEmulator} with `Deno.serve`, silently. Unless `publicUrl` is given, each
 * session's `location` is on the origin its request came to (`localhost` or `127.0.0.1`, whichever the
 * client used), as the server builds it from the request (FilesLinkUtility.GetUploadChunkLocationUrl,
 * products/ASC.Files/Core/Helpers/FilesLinkUtility.cs).
 *
 * @param options The emulator's options, plus where to listen.
 * @returns The running emulator.
 * @throws {Deno.errors.AddrInUse} If the port is taken.
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
  }, (request, info) => {
    // The rate limiter partitions anonymous requests by the client's address.
    const remote = info.remoteAddr;
    if (remote.transport === "tcp") {
      remoteAddresses.set(request, remote.hostname);
    }
    return emulator!.app.fetch(request);
  });
  const url = `http://${
    loopbackIfAny(server.addr.hostname)
  }:${server.addr.port}`;
  try {
    emulator = new DocSpaceEmulator(emulatorOptions);
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
