/**
 * The CLI's `fetch`: `nodeFetch`, which streams chunk bodies (Deno's own `fetch` copies each Blob body
 * whole: 228 MiB peak instead of 91 on a 1 GiB upload, bench/cli_memory.ts), made to settle as soon as
 * its signal aborts.
 *
 * Why the wrapper: in Deno 2.9.6's `node:http`, `ClientRequest.destroy()` on a request that reuses a
 * keep-alive socket emits neither `error` nor `close` and does not stop the request, so `nodeFetch`'s
 * promise never settles after an abort and Ctrl-C would hang. Here the promise rejects with the abort
 * reason at once; the CLI exits right after, which closes the sockets.
 *
 * @module
 */
import { nodeFetch } from "../node_fetch.ts";

/**
 * `nodeFetch` that rejects with the signal's reason as soon as the signal aborts.
 *
 * @param input The URL.
 * @param init Method, headers, body and signal.
 * @returns The response.
 */
export function cliFetch(
  input: RequestInfo | URL,
  init: RequestInit = {},
): Promise<Response> {
  const signal = init.signal;
  if (!signal) return nodeFetch(input, init);
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<Response>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    nodeFetch(input, init).then(resolve, reject).finally(() =>
      signal.removeEventListener("abort", onAbort)
    );
  });
}
