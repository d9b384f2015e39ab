/**
 * What a failure means for the rest of a batch, and how to say it: a refused token or permission, a
 * redirect, a portal that cannot be reached or a target folder that does not exist would fail every
 * other file the same way, so they stop the batch with one message.
 *
 * @module
 */
import { nodeFetch } from "../../node_fetch.ts";
import { DocSpaceError } from "../../src/client/errors.ts";
import { serverText } from "../names.ts";

/** Why a failure stops the batch. */
export type StopReason =
  | "credentials"
  | "redirect"
  | "unreachable"
  | "folder"
  | "no folders";

/** The server's message for a target folder that does not exist (FileUploader.cs, FileStorageService.cs). */
const FOLDER_NOT_FOUND = "The required folder was not found";

/**
 * Whether a failure would meet every other file of the batch too, and why.
 *
 * @param error What an upload or a folder request failed with.
 * @returns The reason to stop, or undefined when the other files may still succeed.
 */
export function stopReason(error: unknown): StopReason | undefined {
  if (!(error instanceof DocSpaceError)) return undefined;
  const status = error.status;
  if (status === 401 || status === 403) return "credentials";
  if (status !== undefined && status >= 300 && status < 400) return "redirect";
  if (status === undefined && !error.transient) return "unreachable";
  if (status === 404 && error.serverMessage === FOLDER_NOT_FOUND) {
    return "folder";
  }
  if (status === 404 && isFolderStep(error)) {
    return "no folders";
  }
  return undefined;
}

/** Whether a failure is a folder's listing or creation (`folder listing (12)`, `folder creation (…)`). */
function isFolderStep(error: DocSpaceError): boolean {
  return /^folder (listing|creation)\b/.test(error.step);
}

/**
 * What a failure of a folder request means, where the general words would point at the wrong cause.
 */
function folderFailure(error: DocSpaceError): string | undefined {
  if (!isFolderStep(error)) return undefined;
  const { step, status } = error;
  if (status === 403) {
    // FolderTree's listing answers 403 for an unknown token: DocSpace takes it for an anonymous visitor.
    return `DocSpace ${step} was refused (HTTP 403): DocSpace answers so both to a token it does not know (it treats the request as an anonymous visitor's) and to a user without access to the folder; check DOCSPACE_TOKEN (or --token) first, then the token's user's access to the folder`;
  }
  if (status === 404 && error.serverMessage !== FOLDER_NOT_FOUND) {
    // The gateway answers {"error":{"message":"Not found"}}; DocSpace names a missing folder.
    return `DocSpace ${step} failed (HTTP 404${
      error.serverMessage ? `: ${error.serverMessage}` : ""
    }, not DocSpace's "${FOLDER_NOT_FOUND}"): this server does not list or create folders, as an upload gateway does not. Through a gateway, upload single files or stdin, without --skip-existing, --on-conflict skip or --dry-run; directories and those options need the portal itself`;
  }
  return undefined;
}

/**
 * What to do about a refused token or permission, on the CLI. A real server answers an unauthenticated
 * request 401 with an empty body (the authentication challenge), so the status is all there is to go by.
 */
const CREDENTIAL_HINTS: Record<number, string> = {
  401:
    "set DOCSPACE_TOKEN (or --token) to a valid API key or token of this portal's user",
  403:
    "the token's user needs the right to upload into the target folder (or room); check its access there, or use another user's token",
};

/**
 * A failure's message, with what to do about a refused token or permission, and where a redirect points
 * (the CLI's `fetch` does not follow redirects: the token must not go to another origin); as one line
 * of at most 500 characters, escaped, since it carries the server's text.
 *
 * @param error The failure.
 * @param location The `Location` of the last redirect answered, if any.
 * @returns The message for a person.
 */
export function explain(error: DocSpaceError, location?: string): string {
  return serverText(describe(error, location));
}

function describe(error: DocSpaceError, location?: string): string {
  const folder = folderFailure(error);
  if (folder !== undefined) return folder;
  const status = error.status;
  const hint = status === undefined ? undefined : CREDENTIAL_HINTS[status];
  if (hint !== undefined) return `${error.message}; ${hint}`;
  if (status === undefined || status < 300 || status >= 400) {
    return error.message;
  }
  if (location === undefined) {
    return `${error.message} (a redirect, without a Location saying where to)`;
  }
  let origin: string | undefined;
  try {
    origin = new URL(location).origin;
  } catch {
    origin = undefined;
  }
  return `${error.message}; the portal redirects to ${location}${
    origin ? `: if it has moved, use --url ${origin} (or DOCSPACE_URL)` : ""
  }`;
}

/** Pieces a Uint8Array or Blob request body is sent in, so that each one sent counts as progress. */
const PIECE = 256 * 1024;

/** A request body as a stream of pieces (a stream stays one), each piece reported as it is sent. */
function watchedBody(
  body: BodyInit,
  onPiece: () => void,
): ReadableStream<Uint8Array> | undefined {
  let source: ReadableStream<Uint8Array>;
  if (body instanceof ReadableStream) source = body;
  else if (body instanceof Blob) source = body.stream();
  else if (body instanceof Uint8Array) {
    source = ReadableStream.from((function* () {
      for (let at = 0; at < body.length; at += PIECE) {
        yield body.subarray(at, at + PIECE);
      }
    })());
  } else return undefined;
  return source.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(piece, controller) {
        onPiece();
        controller.enqueue(piece);
      },
    }),
  );
}

/** The length of a body sent as a stream, which nodeFetch needs stated. */
function lengthOf(body: BodyInit): number | undefined {
  if (body instanceof Blob) return body.size;
  if (body instanceof Uint8Array) return body.length;
  return undefined;
}

/**
 * A `fetch` that gives up on a request when nothing moves for `timeout` milliseconds: no piece of the
 * request body taken, no reply, no piece of the reply's body. The request then fails with a
 * `TimeoutError`, which the upload client retries like a reset connection. A slow link that keeps moving
 * is never cut.
 *
 * @param fetcher The `fetch` to wrap.
 * @param timeout Milliseconds without progress.
 * @returns The `fetch`.
 */
export function idleTimeoutFetch(
  fetcher: typeof fetch,
  timeout: number,
): typeof fetch {
  return async (input, init = {}) => {
    const idle = new IdleTimer(timeout);
    const request = watchedRequest(init, idle);
    idle.arm();
    let response: Response;
    try {
      response = await fetcher(input, request);
    } catch (error) {
      idle.stop();
      throw error;
    }
    return watchedResponse(response, idle);
  };
}

/** Aborts a request when nothing moved for `timeout` milliseconds; armed again at every sign of progress. */
class IdleTimer {
  #controller = new AbortController();
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(readonly timeout: number) {}

  /** Aborted when the time ran out. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Starts the time again. */
  arm = (): void => {
    this.stop();
    this.#timer = setTimeout(
      () =>
        this.#controller.abort(
          new DOMException(
            `nothing arrived for ${this.timeout / 1000} s, the --timeout`,
            "TimeoutError",
          ),
        ),
      this.timeout,
    );
  };

  /** Stops the time: the request is over. */
  stop = (): void => clearTimeout(this.#timer);
}

/** The request, its body watched for progress (with its length kept) and its signal joined to the timer's. */
function watchedRequest(init: RequestInit, idle: IdleTimer): RequestInit {
  const signal = init.signal
    ? AbortSignal.any([init.signal, idle.signal])
    : idle.signal;
  const given = init.body ?? undefined;
  const body = given === undefined ? undefined : watchedBody(given, idle.arm);
  const headers = new Headers(init.headers);
  const length = given === undefined ? undefined : lengthOf(given);
  if (body !== undefined && length !== undefined) {
    headers.set("content-length", String(length));
  }
  return {
    ...init,
    headers,
    ...(body !== undefined ? { body } : {}),
    signal,
  };
}

/** The reply, its body watched for progress; the timer stops at its end. */
function watchedResponse(response: Response, idle: IdleTimer): Response {
  if (response.body === null) {
    idle.stop();
    return response;
  }
  idle.arm();
  const watched = response.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(piece, controller) {
        idle.arm();
        controller.enqueue(piece);
      },
      flush: idle.stop,
    }),
  );
  return new Response(watched, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}

/**
 * `nodeFetch` (which streams chunk bodies instead of copying them; it follows no redirect, so the token
 * never goes to another origin), remembering where the last redirect pointed, and giving up on a
 * request when nothing moves for `timeout` milliseconds (see {@linkcode idleTimeoutFetch}).
 *
 * @param timeout Milliseconds without progress before a request is given up; none when absent.
 * @returns The `fetch`, and the last redirect's `Location`.
 */
export function redirectAware(timeout?: number): {
  fetch: typeof fetch;
  location: () => string | undefined;
} {
  let location: string | undefined;
  const base = timeout === undefined
    ? nodeFetch
    : idleTimeoutFetch(nodeFetch, timeout);
  const fetcher: typeof fetch = async (input, init) => {
    const response = await base(input, init);
    if (response.status >= 300 && response.status < 400) {
      location = response.headers.get("location") ?? undefined;
    }
    return response;
  };
  return { fetch: fetcher, location: () => location };
}
