// What every part of the gateway shares: its resolved settings and services (`Gateway`), who the caller is,
// what its routes tell the request log, and the Hono environment its sub-apps are typed with.
import type { UploadTicket } from "../ticket/upload_ticket.ts";
import type { GatewayConfig } from "./_config.ts";
import type { Signer } from "../ticket/signer.ts";
import type { Coordinator } from "./coordinator.ts";

/** An authenticated caller. `id` binds upload sessions to it. */
export type Caller =
  | { kind: "secret"; id: string }
  | { kind: "ticket"; id: string; ticket: UploadTicket };

/** How a request ended, as the log line says it. */
export type Outcome =
  | "uploaded"
  | "aborted"
  | "timed-out"
  | "expired"
  | "refused"
  | "failed";

/** What a route tells the log about its request; filled in as the request goes. */
export interface LogEntry {
  /** The route's pattern, like `/upload/:folderId`. */
  route?: string;
  /** The authenticated caller. */
  caller?: Caller;
  /** The folder id the request is about. */
  folder?: string;
  /** The size of the file the request is about, in bytes, once known. */
  bytes?: number;
  /** Set by a route that completed or aborted an upload, or knows better than the status. */
  outcome?: Outcome;
  /** When the upload began, in ms since the epoch, if before this request (a session's creation). */
  since?: number;
}

/** DocSpace's `chunkUploadSize` as the gateway knows it (see `ChunkSizeCache`). */
export interface ChunkSizes {
  /** Keeps the size from settings DocSpace answered, when it is valid. */
  remember(settings: unknown): void;
  /** The size, read from DocSpace's settings unless kept. */
  read(): Promise<number>;
}

/** The gateway's resolved settings and services, made once per app. */
export interface Gateway {
  /** The settings. */
  config: GatewayConfig;
  /** MACs keyed by the upload secret. */
  signer: Signer;
  /** The fetch that reaches DocSpace: only DocSpace's origin, no redirects, each request with a deadline. */
  fetch: typeof fetch;
  /**
   * Whether chunks go upstream as the runtime's own request body, untouched: Deno's own `fetch` sends a
   * streamed body with its `Content-Length` only then. Their idle timeout is then the upstream deadline.
   */
  rawChunkBodies: boolean;
  /** How many chunks a direct upload sends at once. */
  concurrency: number;
  /** The clock, in milliseconds since the epoch. */
  now: () => number;
  /** Removes the token and the secret from a text. */
  redact: (text: string) => string;
  /** Writes one log line, redacted. */
  log: (line: string) => void;
  /** The direct uploads running in this isolate, at most `MAX_CONCURRENT_UPLOADS`, in a fair queue. */
  slots: Coordinator;
  /**
   * The deployment's DocSpace budget (requests in flight, per minute, per day, shared fairly by callers) and
   * the tally of chunks numbered by arrival: in process, in Deno KV or in a Durable Object.
   */
  coordinator: Coordinator;
  /** DocSpace's `chunkUploadSize`, read from its settings and kept for a while. */
  chunkSize: ChunkSizes;
}

/** The Hono environment of the gateway's apps: the caller (set by `access`) and the request's log entry. */
export type GatewayEnv = {
  Variables: {
    caller: Caller;
    entry: LogEntry;
  };
};
