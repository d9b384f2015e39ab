// The Deno entry's way to DocSpace. Deno's own fetch copies a Blob or Uint8Array request body whole, several
// times (130-150 MB more per direct upload of 200 MiB, bench/gateway_memory.ts), and sends a ReadableStream
// body without its Content-Length (chunked), which DocSpace's numbered chunks need. So a chunk cut by a
// direct upload goes out through the package's nodeFetch, and a chunk passed through as a stream through
// node:http here, with the Content-Length the gateway set.
import http from "node:http";
import https from "node:https";
import { once } from "node:events";
import { nodeFetch } from "../node_fetch.ts";

const agents = {
  "http:": new http.Agent({ keepAlive: true, maxSockets: 64 }),
  "https:": new https.Agent({ keepAlive: true, maxSockets: 64 }),
};

/** Sends a request with a streamed body over node:http; the reply is read whole (DocSpace's are small). */
function streamFetch(
  url: URL,
  init: RequestInit & { body: ReadableStream<Uint8Array> },
): Promise<Response> {
  const headers: Record<string, string> = {};
  new Headers(init.headers).forEach((value, key) => headers[key] = value);
  const signal = init.signal ?? undefined;
  return new Promise<Response>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const module = url.protocol === "https:" ? https : http;
    const request = module.request(url, {
      method: init.method ?? "POST",
      headers,
      agent: agents[url.protocol as "http:" | "https:"],
    }, async (response) => {
      try {
        const pieces: Uint8Array[] = [];
        for await (const piece of response) pieces.push(piece);
        const replyHeaders = new Headers();
        for (const [key, value] of Object.entries(response.headers)) {
          if (value !== undefined) {
            replyHeaders.set(
              key,
              Array.isArray(value) ? value.join(", ") : value,
            );
          }
        }
        resolve(
          new Response(new Blob(pieces as BlobPart[]), {
            status: response.statusCode ?? 0,
            statusText: response.statusMessage ?? "",
            headers: replyHeaders,
          }),
        );
      } catch (error) {
        reject(new TypeError(`error reading the response: ${error}`));
      }
    });
    const onAbort = () => {
      reject(signal?.reason);
      request.socket?.destroy();
      request.destroy();
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    request.on("close", () => signal?.removeEventListener("abort", onAbort));
    request.on("error", (error) => {
      reject(
        signal?.aborted
          ? signal.reason
          : new TypeError(error.message, { cause: error }),
      );
    });
    (async () => {
      for await (const piece of init.body) {
        if (!request.write(piece)) await once(request, "drain");
      }
      request.end();
    })().catch((error) => {
      reject(error);
      request.destroy(error);
    });
  });
}

/** The `fetch` the Deno entry gives the gateway: nodeFetch, and node:http for streamed bodies. */
export const denoUpstream: typeof fetch = (input, init = {}) => {
  const body = init.body;
  if (body instanceof ReadableStream) {
    const url = new URL(input instanceof Request ? input.url : String(input));
    return streamFetch(url, { ...init, body });
  }
  return nodeFetch(input, init);
};
