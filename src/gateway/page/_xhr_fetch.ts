// A `fetch` made of XMLHttpRequest, for one upload: its upload events count the bytes on their way (fetch
// has no upload progress), it remembers a 503's place in the gateway's queue, and it sends nothing once the
// page is being left (so a reload never aborts a session the page means to resume). Browser-only.
import type { QueuePlace } from "./_words.ts";

interface Xhr {
  status: number;
  statusText: string;
  response: Blob | null;
  responseType: string;
  upload: { onprogress: ((event: { loaded: number }) => void) | null };
  onload: (() => void) | null;
  onerror: (() => void) | null;
  onabort: (() => void) | null;
  open(method: string, url: string): void;
  setRequestHeader(name: string, value: string): void;
  getAllResponseHeaders(): string;
  send(body: unknown): void;
  abort(): void;
}
declare const XMLHttpRequest: new () => Xhr;

/** What a page-side fetch tells its upload. */
export interface XhrFetchHooks {
  /** Bytes of request bodies on their way, summed over the requests in flight. */
  onSending(bytes: number): void;
  /** A 503 that named its place in the gateway's queue. */
  onQueue(place: QueuePlace): void;
  /** Whether the page is being left: then no request starts. */
  leaving(): boolean;
}

function responseHeaders(raw: string): Headers {
  const headers = new Headers();
  for (const line of raw.trim().split(/[\r\n]+/)) {
    const colon = line.indexOf(":");
    if (colon > 0) {
      headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
    }
  }
  return headers;
}

/** The `queue` of a gateway's 503 body, if it has one (bounded: the body is read only when small). */
async function queueOf(body: Blob): Promise<QueuePlace | undefined> {
  if (body.size > 4096) return undefined;
  try {
    const queue = JSON.parse(await body.text())?.queue;
    if (typeof queue !== "object" || queue === null) return undefined;
    const place: QueuePlace = {};
    if (Number.isSafeInteger(queue.position)) place.position = queue.position;
    if (Number.isFinite(queue.retryAfter)) place.retryAfter = queue.retryAfter;
    return place;
  } catch {
    return undefined;
  }
}

/** Opens `xhr` for a fetch's request: its method, URL and headers, and a Blob for the reply. */
function open(
  xhr: Xhr,
  input: Parameters<typeof fetch>[0],
  init: RequestInit,
): void {
  xhr.open(
    init.method ?? "GET",
    input instanceof Request ? input.url : String(input),
  );
  xhr.responseType = "blob";
  new Headers(init.headers).forEach((value, name) =>
    xhr.setRequestHeader(name, value)
  );
}

/** The Response of a loaded `xhr`; a 503 that names a place in the gateway's queue tells `hooks` first. */
async function responseOf(xhr: Xhr, hooks: XhrFetchHooks): Promise<Response> {
  const empty = [101, 204, 205, 304].includes(xhr.status);
  const body = empty ? null : xhr.response;
  if (xhr.status === 503 && body !== null) {
    const place = await queueOf(body);
    if (place !== undefined) hooks.onQueue(place);
  }
  return new Response(body, {
    status: xhr.status,
    statusText: xhr.statusText,
    headers: responseHeaders(xhr.getAllResponseHeaders()),
  });
}

/** A fetch for one upload, reporting to `hooks`. */
export function xhrFetch(hooks: XhrFetchHooks): typeof fetch {
  const sending = new Map<Xhr, number>();
  const report = () =>
    hooks.onSending([...sending.values()].reduce((sum, n) => sum + n, 0));
  return (input, init = {}) =>
    new Promise<Response>((resolve, reject) => {
      if (hooks.leaving()) {
        reject(new TypeError("The page is being left"));
        return;
      }
      const xhr = new XMLHttpRequest();
      const signal = init.signal ?? undefined;
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const onAbort = () => xhr.abort();
      const settle = () => {
        sending.delete(xhr);
        report();
        signal?.removeEventListener("abort", onAbort);
      };
      open(xhr, input, init);
      xhr.upload.onprogress = (event) => {
        sending.set(xhr, event.loaded);
        report();
      };
      xhr.onload = async () => {
        settle();
        resolve(await responseOf(xhr, hooks));
      };
      xhr.onerror = () => {
        settle();
        reject(new TypeError("Network error"));
      };
      xhr.onabort = () => {
        settle();
        reject(signal?.reason ?? new DOMException("Aborted", "AbortError"));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      xhr.send(init.body ?? null);
    });
}
