// `POST /upload/:folderId`: the body is the file, streamed into numbered chunks by uploadFile, at most
// MAX_CONCURRENT_UPLOADS at once, with an idle timeout on the body.
import { HTTPException } from "hono/http-exception";
import { type Context, Hono } from "hono";
import { DocSpaceError, StreamLengthError } from "../client/errors.ts";
import { uploadFile } from "../client/upload_file.ts";
import { access } from "./_access.ts";
import type { Caller, Gateway, GatewayEnv, Outcome } from "./_context.ts";
import { completionFields } from "./_fields.ts";
import { type IdleBody, idleBody } from "./_idle_body.ts";
import {
  expiry,
  keepAlive,
  leasedFetch,
  queueRefusal,
  TicketExpiredError,
} from "./_lease.ts";
import { QueueError } from "./coordinator.ts";
import {
  checkFileName,
  contentLength,
  permitFolder,
  permitSize,
} from "./_permits.ts";
import { httpError, json } from "./_responses.ts";
import { namedStatus, refusalError } from "./_status_table.ts";

function numericFolder(folderId: string): number | string {
  return /^[1-9]\d{0,14}$/.test(folderId) ? Number(folderId) : folderId;
}

/** The file name from `X-File-Name` (percent-encoded UTF-8) or `?name=`; 400 when missing or bad. */
function fileNameOf(c: Context): string {
  const header = c.req.header("x-file-name");
  let name = c.req.query("name");
  if (header !== undefined) {
    try {
      // deno-lint-ignore no-control-regex
      if (/[^\x00-\x7f]/.test(header)) throw new URIError();
      name = decodeURIComponent(header);
    } catch {
      throw httpError(
        400,
        "Bad X-File-Name: it must be percent-encoded UTF-8",
      );
    }
  }
  return checkFileName(name);
}

/** What a failed direct upload answers, and how the log calls it. */
function uploadFailure(
  gateway: Gateway,
  body: IdleBody,
  error: unknown,
): { failure: HTTPException; outcome?: Outcome } {
  if (error instanceof TicketExpiredError) {
    return { failure: error, outcome: "expired" };
  }
  const broken = body.failure();
  if (broken !== undefined) {
    return {
      failure: broken,
      outcome: body.timedOut() ? "timed-out" : "aborted",
    };
  }
  if (error instanceof HTTPException) return { failure: error };
  if (error instanceof StreamLengthError) {
    return {
      failure: httpError(
        400,
        `The request body does not match its Content-Length; the upload was aborted: ${
          gateway.redact(error.message)
        }`,
      ),
    };
  }
  if (error instanceof DocSpaceError) {
    // A status the table names is answered with DocSpace's own words; any other with the error, its step named.
    const named = namedStatus("direct-upload", error.status);
    return {
      failure: refusalError(
        "direct-upload",
        error.status,
        gateway.redact(
          named ? error.serverMessage ?? error.message : error.message,
        ),
      ),
    };
  }
  return {
    failure: httpError(
      400,
      `The request body could not be read; the upload was aborted: ${
        gateway.redact(error instanceof Error ? error.message : String(error))
      }`,
    ),
    outcome: "aborted",
  };
}

/** What a direct upload asks for, checked before its body is read. */
interface DirectRequest {
  folderId: string;
  /** The file's size: the body's `Content-Length`. */
  length: number;
  fileName: string;
  /** `?createNewIfExist=`, when given. */
  createNew: boolean | undefined;
}

/** Reads and checks the request's folder, size, name and `createNewIfExist`: 400, 403, 411 or 413. */
function directRequest(
  c: Context<GatewayEnv>,
  gateway: Gateway,
  folderId: string,
): DirectRequest {
  const caller = c.get("caller");
  const entry = c.get("entry");
  entry.folder = folderId;
  permitFolder(caller, folderId, gateway.config);
  const length = contentLength(c.req.header("content-length"));
  entry.bytes = length;
  permitSize(caller, length, gateway.config, true);
  const fileName = fileNameOf(c);
  const createNew = c.req.query("createNewIfExist");
  if (
    createNew !== undefined && createNew !== "true" && createNew !== "false"
  ) {
    throw httpError(400, "createNewIfExist must be true or false");
  }
  return {
    folderId,
    length,
    fileName,
    createNew: createNew === undefined ? undefined : createNew === "true",
  };
}

/**
 * Takes one of the isolate's MAX_CONCURRENT_UPLOADS slots, before the body is read: the caller waits in a
 * fair queue up to QUEUE_TIMEOUT, then is refused (503). Returns the slot's release.
 */
async function takeSlot(
  c: Context<GatewayEnv>,
  gateway: Gateway,
): Promise<() => void> {
  const { config } = gateway;
  try {
    const slot = await gateway.slots.acquire({
      caller: c.get("caller").id,
      write: true,
      deadline: gateway.now() + config.queueTimeout,
      signal: c.req.raw.signal,
    });
    return () => slot.release();
  } catch (error) {
    c.get("entry").outcome = "refused"; // a 503 for want of a slot is a refusal, not a failure
    if (!(error instanceof QueueError)) throw error;
    throw queueRefusal(
      error,
      `The gateway is running its ${config.maxConcurrentUploads} direct uploads at once (MAX_CONCURRENT_UPLOADS) and none ended within QUEUE_TIMEOUT; retry in ${error.queue.retryAfter} s, or upload in chunks through the DocSpace-compatible routes`,
    );
  }
}

/**
 * The upload's stop: it stops when a request finds no place in the budget in time (`abort` it), or when the
 * caller's ticket expires; and its disposal.
 */
function uploadStop(
  gateway: Gateway,
  caller: Caller,
): { signal: AbortSignal; abort(reason: unknown): void; dispose(): void } {
  const stop = new AbortController();
  const expires = expiry(gateway, caller);
  expires?.signal.addEventListener(
    "abort",
    () => stop.abort(expires.signal.reason),
    { once: true },
  );
  return {
    signal: stop.signal,
    abort: (reason) => stop.abort(reason),
    dispose: () => expires?.dispose(),
  };
}

/** Waits for the body's first bytes; when they do not come, marks the log entry with why and throws. */
async function openBody(
  c: Context<GatewayEnv>,
  gateway: Gateway,
  signal: AbortSignal,
): Promise<IdleBody> {
  try {
    return await idleBody(c.req.raw.body, gateway.config.idleTimeout, signal);
  } catch (error) {
    c.get("entry").outcome = error instanceof TicketExpiredError
      ? "expired"
      : error instanceof HTTPException && error.status === 408
      ? "timed-out"
      : "aborted";
    throw error;
  }
}

/** Streams the body into DocSpace with `uploadFile`, each request leased from the budget. */
function upload(
  gateway: Gateway,
  caller: Caller,
  request: DirectRequest,
  body: IdleBody,
  stop: ReturnType<typeof uploadStop>,
): ReturnType<typeof uploadFile> {
  return uploadFile(body.stream, {
    url: gateway.config.docspaceUrl,
    token: gateway.config.token,
    folderId: numericFolder(request.folderId),
    fileName: request.fileName,
    fileSize: request.length,
    ...(request.createNew === undefined
      ? {}
      : { createNewIfExist: request.createNew }),
    concurrency: gateway.concurrency,
    fetch: leasedFetch(gateway, caller, stop.abort),
    signal: stop.signal,
  });
}

/** `POST /:folderId` (mounted at `/upload`): the body is the file; 201 with the file. */
export function directUpload(gateway: Gateway): Hono<GatewayEnv> {
  return new Hono<GatewayEnv>().post(
    "/:folderId",
    access(gateway),
    async (c) => {
      const caller = c.get("caller");
      const entry = c.get("entry");
      const request = directRequest(c, gateway, c.req.param("folderId"));
      const release = await takeSlot(c, gateway);
      const stop = uploadStop(gateway, caller);
      const done = () => {
        stop.dispose();
        release();
      };
      let body: IdleBody;
      try {
        body = await openBody(c, gateway, stop.signal);
      } catch (error) {
        done();
        throw error;
      }
      const uploading = upload(gateway, caller, request, body, stop);
      keepAlive(c, uploading.then(done, done));
      try {
        const file = await uploading;
        entry.outcome = "uploaded";
        return json(completionFields(file), 201);
      } catch (error) {
        const { failure, outcome } = uploadFailure(gateway, body, error);
        if (outcome !== undefined) entry.outcome = outcome;
        throw failure;
      }
    },
  );
}
