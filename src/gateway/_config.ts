// Reads the upload gateway's settings from the platform's environment or bindings, once, and lists every
// problem by the setting's name (never its value, for the secrets).
import { tokenProblem } from "../client/internal.ts";
import { weakSecret } from "../ticket/secret.ts";

/** Cloudflare's request body limit on Free and Pro plans: 100 MB. */
export const DEFAULT_MAX_BODY_SIZE = 100_000_000;
/** Seconds a request body may send nothing before it is answered 408. */
export const DEFAULT_IDLE_TIMEOUT = 30;
/** Seconds an upstream request may take, its streamed body included (a 10 MiB chunk at 1 Mbit/s: 84 s). */
export const DEFAULT_UPSTREAM_TIMEOUT = 120;
/**
 * Direct uploads at once per isolate. Each holds about three 10 MiB chunks, so three fit a Worker's 128 MB
 * beside the runtime, and their 2 chunk requests each are 6 of the 15 writes DocSpace allows the token's user.
 */
export const DEFAULT_MAX_CONCURRENT_UPLOADS = 3;
/** Seconds a caller may wait in the fair queue for a direct upload slot or an upstream request, then 503. */
export const DEFAULT_QUEUE_TIMEOUT = 30;
/**
 * Requests to DocSpace other than GET in flight at once, across the deployment: DocSpace refuses the token's
 * user a 16th concurrent write, and other clients of that user (the web client, scripts) need room too.
 */
export const DEFAULT_UPSTREAM_WRITES = 12;
/** Of those, the most one caller (one ticket, or the secret's holders together) may hold at once. */
export const DEFAULT_UPSTREAM_WRITES_PER_CALLER = 4;
/** Seconds an upload may run past its ticket's expiry before it is aborted. */
export const DEFAULT_EXPIRY_GRACE = 10;
/** Seconds over which repeated refusals from one source for one reason are summarised in one log line. */
export const DEFAULT_LOG_INTERVAL = 10;

/** The gateway's settings, checked. */
export interface GatewayConfig {
  /** `DOCSPACE_URL` without a trailing slash. */
  docspaceUrl: string;
  /** Its origin: the only place the token is sent. */
  docspaceOrigin: string;
  /** `DOCSPACE_TOKEN`. */
  token: string;
  /** `UPLOAD_SECRET`. */
  secret: string;
  /** `ALLOWED_FOLDERS`, or undefined for any folder. */
  allowedFolders: ReadonlySet<string> | undefined;
  /** `MAX_FILE_SIZE` in bytes, or undefined for no limit of the gateway's own. */
  maxFileSize: number | undefined;
  /** `MAX_BODY_SIZE`: the platform's request body limit, which caps direct uploads. */
  maxBodySize: number;
  /** `CORS_ORIGINS`: origins allowed to call from a browser; `*` for any. */
  corsOrigins: readonly string[];
  /** `PUBLIC_URL` without a trailing slash: the gateway's own URL in the locations it hands out. */
  publicUrl: string | undefined;
  /** `IDLE_TIMEOUT` in milliseconds: how long a request body may send nothing. */
  idleTimeout: number;
  /** `UPSTREAM_TIMEOUT` in milliseconds: the deadline of every request to DocSpace. */
  upstreamTimeout: number;
  /** `MAX_CONCURRENT_UPLOADS`: direct uploads at once in this isolate. */
  maxConcurrentUploads: number;
  /** `QUEUE_TIMEOUT` in milliseconds: the longest a caller waits in the fair queue. */
  queueTimeout: number;
  /** `UPSTREAM_WRITES`: DocSpace writes in flight at once, across the deployment. */
  upstreamWrites: number;
  /** `UPSTREAM_WRITES_PER_CALLER`: of those, the most one caller holds. */
  upstreamWritesPerCaller: number;
  /** `EXPIRY_GRACE` in milliseconds: how long an upload may outlive its ticket. */
  expiryGrace: number;
  /** `LOG_INTERVAL` in milliseconds: the window over which repeated refusals make one line. */
  logInterval: number;
}

/** The settings, or what is wrong with them. */
export type ConfigResult =
  | { ok: true; config: GatewayConfig }
  | { ok: false; problems: string[] };

function text(env: Record<string, unknown>, name: string): string | undefined {
  const value = env[name];
  return typeof value === "string" && value.trim() !== ""
    ? value.trim()
    : undefined;
}

function list(value: string | undefined): string[] {
  return (value ?? "").split(",").map((item) => item.trim()).filter((item) =>
    item !== ""
  );
}

function bytes(
  env: Record<string, unknown>,
  name: string,
  problems: string[],
): number | undefined {
  const value = text(env, name);
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(number) || number === 0) {
    problems.push(
      `${name} must be a positive whole number of bytes, like 104857600, received ${
        JSON.stringify(value)
      }`,
    );
    return undefined;
  }
  return number;
}

function seconds(
  env: Record<string, unknown>,
  name: string,
  fallback: number,
  problems: string[],
): number {
  const value = text(env, name);
  if (value === undefined) return fallback * 1000;
  const number = Number(value);
  if (!/^\d+(\.\d{1,3})?$/.test(value) || !(number > 0) || number > 86400) {
    problems.push(
      `${name} must be a number of seconds between 0.001 and 86400, like 30, received ${
        JSON.stringify(value)
      }`,
    );
  }
  return Math.round(number * 1000);
}

function count(
  env: Record<string, unknown>,
  name: string,
  fallback: number,
  problems: string[],
): number {
  const value = text(env, name);
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!/^\d{1,6}$/.test(value) || number === 0) {
    problems.push(
      `${name} must be a positive whole number, like ${fallback}, received ${
        JSON.stringify(value)
      }`,
    );
  }
  return number;
}

function httpUrl(value: string): URL | undefined {
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:"
      ? url
      : undefined;
  } catch {
    return undefined;
  }
}

/** `DOCSPACE_URL`, without a trailing slash, and its origin; empty when missing or invalid. */
function portalOf(
  env: Record<string, unknown>,
  problems: string[],
): { docspaceUrl: string; docspaceOrigin: string } {
  const url = text(env, "DOCSPACE_URL");
  if (url === undefined) {
    problems.push("DOCSPACE_URL is not set (the portal's URL)");
    return { docspaceUrl: "", docspaceOrigin: "" };
  }
  const parsed = httpUrl(url);
  if (parsed === undefined) {
    problems.push(
      `DOCSPACE_URL must be the portal's http(s) URL, received ${
        JSON.stringify(url)
      }`,
    );
    return { docspaceUrl: "", docspaceOrigin: "" };
  }
  return {
    docspaceUrl: (parsed.origin + parsed.pathname).replace(/\/+$/, ""),
    docspaceOrigin: parsed.origin,
  };
}

/** `DOCSPACE_TOKEN` and `UPLOAD_SECRET`, named when missing (never shown), and the secret when weak. */
function secretsOf(
  env: Record<string, unknown>,
  problems: string[],
): { token: string | undefined; secret: string | undefined } {
  const token = text(env, "DOCSPACE_TOKEN");
  const secret = text(env, "UPLOAD_SECRET");
  if (token === undefined) {
    problems.push("DOCSPACE_TOKEN is not set (the portal's API key, a secret)");
  } else {
    const problem = tokenProblem(token);
    if (problem !== undefined) problems.push(`DOCSPACE_TOKEN: ${problem}`);
  }
  if (secret === undefined) {
    problems.push(
      "UPLOAD_SECRET is not set (the credential callers present, and the key for upload tickets)",
    );
  } else {
    const weak = weakSecret(secret);
    if (weak !== undefined) problems.push(weak);
  }
  return { token, secret };
}

/** `CORS_ORIGINS`: origins exactly as a browser sends them, or `*`. */
function corsOriginsOf(
  env: Record<string, unknown>,
  problems: string[],
): string[] {
  const corsOrigins = list(text(env, "CORS_ORIGINS"));
  for (const origin of corsOrigins) {
    let normalized: string | undefined;
    try {
      normalized = new URL(origin).origin;
    } catch {
      normalized = undefined;
    }
    if (origin !== "*" && normalized !== origin) {
      problems.push(
        `CORS_ORIGINS must list origins like https://app.example.com (no path, no trailing slash) or *, received ${
          JSON.stringify(origin)
        }`,
      );
    }
  }
  return corsOrigins;
}

/** `PUBLIC_URL` without a trailing slash (no query, no fragment); undefined when unset. */
function publicUrlOf(
  env: Record<string, unknown>,
  problems: string[],
): string | undefined {
  const setting = text(env, "PUBLIC_URL");
  if (setting === undefined) return undefined;
  const parsed = httpUrl(setting);
  if (parsed === undefined || parsed.search !== "" || parsed.hash !== "") {
    problems.push(
      `PUBLIC_URL must be the gateway's own http(s) URL, like https://upload.example.com (no query), received ${
        JSON.stringify(setting)
      }`,
    );
  }
  return parsed === undefined
    ? undefined
    : (parsed.origin + parsed.pathname).replace(/\/+$/, "");
}

/** The timeouts and limits, each with its default. */
type Limits = Pick<
  GatewayConfig,
  | "idleTimeout"
  | "upstreamTimeout"
  | "maxConcurrentUploads"
  | "queueTimeout"
  | "upstreamWrites"
  | "upstreamWritesPerCaller"
  | "expiryGrace"
  | "logInterval"
>;

/** The timeouts (in milliseconds) and the limits on uploads and DocSpace writes, read in this order. */
function limitsOf(env: Record<string, unknown>, problems: string[]): Limits {
  const duration = (name: string, fallback: number) =>
    seconds(env, name, fallback, problems);
  const number = (name: string, fallback: number) =>
    count(env, name, fallback, problems);
  const idleTimeout = duration("IDLE_TIMEOUT", DEFAULT_IDLE_TIMEOUT);
  const upstreamTimeout = duration(
    "UPSTREAM_TIMEOUT",
    DEFAULT_UPSTREAM_TIMEOUT,
  );
  const maxConcurrentUploads = number(
    "MAX_CONCURRENT_UPLOADS",
    DEFAULT_MAX_CONCURRENT_UPLOADS,
  );
  const queueTimeout = duration("QUEUE_TIMEOUT", DEFAULT_QUEUE_TIMEOUT);
  const upstreamWrites = number("UPSTREAM_WRITES", DEFAULT_UPSTREAM_WRITES);
  const perCaller = number(
    "UPSTREAM_WRITES_PER_CALLER",
    Math.min(DEFAULT_UPSTREAM_WRITES_PER_CALLER, upstreamWrites || 1),
  );
  return {
    idleTimeout,
    upstreamTimeout,
    maxConcurrentUploads,
    queueTimeout,
    upstreamWrites,
    upstreamWritesPerCaller: Math.min(perCaller, upstreamWrites),
    expiryGrace: duration("EXPIRY_GRACE", DEFAULT_EXPIRY_GRACE),
    logInterval: duration("LOG_INTERVAL", DEFAULT_LOG_INTERVAL),
  };
}

/** Reads and checks the settings; names every missing or invalid one. */
export function readConfig(env: Record<string, unknown>): ConfigResult {
  const problems: string[] = [];
  const portal = portalOf(env, problems);
  const { token, secret } = secretsOf(env, problems);
  const folders = list(text(env, "ALLOWED_FOLDERS"));
  const maxFileSize = bytes(env, "MAX_FILE_SIZE", problems);
  const maxBodySize = bytes(env, "MAX_BODY_SIZE", problems) ??
    DEFAULT_MAX_BODY_SIZE;
  const corsOrigins = corsOriginsOf(env, problems);
  const publicUrl = publicUrlOf(env, problems);
  const limits = limitsOf(env, problems);
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    config: {
      ...portal,
      token: token!,
      secret: secret!,
      allowedFolders: folders.length > 0 ? new Set(folders) : undefined,
      maxFileSize,
      maxBodySize,
      corsOrigins,
      publicUrl,
      ...limits,
    },
  };
}
