// A fake portal for the CLI tests: a small server whose every reply the test decides (hostile ones
// included), logging each request it receives.
import { envelopeReply } from "../_helpers.ts";

export { envelopeReply } from "../_helpers.ts";

/** A request the fake portal received. */
export interface Received {
  method: string;
  /** The path and query. */
  path: string;
}

/** A running fake portal. */
export interface FakePortal extends AsyncDisposable {
  url: string;
  /** Every request, in order of arrival. */
  requests: Received[];
}

/** Starts a fake portal on 127.0.0.1 that answers with `handler`. */
export function fakePortal(
  handler: (request: Request, path: string) => Response | Promise<Response>,
): FakePortal {
  const requests: Received[] = [];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (request) => {
      const url = new URL(request.url);
      const path = url.pathname + url.search;
      requests.push({ method: request.method, path });
      return handler(request, path);
    },
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    requests,
    [Symbol.asyncDispose]: async () => {
      await server.shutdown().catch(() => {});
    },
  };
}

/** The settings a usable portal answers (`GET /api/2.0/files/settings`). */
export function settingsReply(chunkUploadSize = 1024 * 1024): Response {
  return envelopeReply({
    chunkUploadSize,
    maxUploadThreadCount: 15,
    maxUploadFilesCount: 5,
    extsMustConvert: [],
  });
}

/** A reply that never comes: the request stays open until the server shuts down. */
export function never(request: Request): Promise<Response> {
  return new Promise((resolve) =>
    request.signal.addEventListener(
      "abort",
      () => resolve(new Response(null, { status: 499 })),
      { once: true },
    )
  );
}

/** Reads a child's stream into a string as it comes. */
export function collect(
  stream: ReadableStream<Uint8Array>,
): { text: () => string; done: Promise<void> } {
  let text = "";
  const decoder = new TextDecoder();
  const done = stream.pipeTo(
    new WritableStream({
      write(piece) {
        text += decoder.decode(piece, { stream: true });
      },
    }),
  ).catch(() => {});
  return { text: () => text, done };
}
