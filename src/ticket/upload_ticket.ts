/**
 * Upload tickets: short-lived, signed permissions to upload one file of at most so many bytes into one
 * folder through the upload gateway, which an app's backend hands to a browser instead of credentials.
 *
 * @module
 */
import { decodeBase64Url, encodeBase64Url } from "@std/encoding/base64url";
import { Signer } from "./signer.ts";

/** The shortest secret a ticket is made or checked with; the gateway asks more of its UPLOAD_SECRET (secret.ts). */
const MIN_SECRET_LENGTH = 16;

/** Options for {@linkcode createUploadTicket}. */
export interface UploadTicketOptions {
  /** The gateway's `UPLOAD_SECRET`: at least 16 characters, the same string the gateway is configured with. */
  secret: string;
  /** The only folder the ticket lets its holder upload into. */
  folderId: number | string;
  /** The largest file the ticket lets its holder upload, in bytes. */
  maxBytes: number;
  /**
   * How long the ticket is valid, in seconds. Every request of an upload is checked, so it must cover the
   * whole upload, not only its start.
   */
  expiresIn: number;
  /**
   * The clock, in milliseconds since the epoch.
   *
   * @default {Date.now}
   */
  now?: () => number;
}

/** Options for {@linkcode verifyUploadTicket}. */
export interface VerifyUploadTicketOptions {
  /** The secret the ticket was made with: the gateway's `UPLOAD_SECRET`. */
  secret: string;
  /**
   * The clock, in milliseconds since the epoch.
   *
   * @default {Date.now}
   */
  now?: () => number;
}

/** What a valid ticket allows. */
export interface UploadTicket {
  /** Identifies this ticket (its signature): upload sessions opened with it are bound to it. */
  id: string;
  /** The only folder it allows uploads into, as a string. */
  folderId: string;
  /** The largest file it allows, in bytes. */
  maxBytes: number;
  /** When it expires, in milliseconds since the epoch. */
  expiresAt: number;
}

/** Why a ticket was refused. */
export type UploadTicketFailure = "malformed" | "forged" | "expired";

/**
 * A ticket was refused: it is not a ticket at all (`malformed`), its signature does not match the secret
 * (`forged`), or it has expired (`expired`).
 *
 * @example Tell an expired ticket from a forged one
 * ```ts
 * import { createUploadTicket, UploadTicketError, verifyUploadTicket } from "@docspace-tools/upload";
 * import { assertEquals, assertRejects } from "@std/assert";
 *
 * const secret = "a-long-random-upload-secret";
 * const ticket = await createUploadTicket({ secret, folderId: 1, maxBytes: 100, expiresIn: 60, now: () => 0 });
 * const error = await assertRejects(() => verifyUploadTicket(ticket, { secret }), UploadTicketError);
 * assertEquals(error.reason, "expired");
 * ```
 */
export class UploadTicketError extends Error {
  /** Why the ticket was refused. */
  readonly reason: UploadTicketFailure;

  /**
   * Creates the error.
   *
   * @param reason Why the ticket was refused.
   * @param message What went wrong, for a person.
   */
  constructor(reason: UploadTicketFailure, message: string) {
    super(message);
    this.name = "UploadTicketError";
    this.reason = reason;
  }
}

const PREFIX = "ut1";

function checkSecret(secret: unknown, context: string): string {
  if (typeof secret !== "string" || secret.length < MIN_SECRET_LENGTH) {
    throw new TypeError(
      `${context}: secret must be a string of at least ${MIN_SECRET_LENGTH} characters`,
    );
  }
  return secret;
}

/**
 * Makes an upload ticket: a signed, expiring permission to upload into one folder files of at most
 * `maxBytes` bytes, through the gateway configured with the same `secret`. Give it to a browser as its
 * bearer token; it carries no DocSpace credentials. Its content is signed (HMAC-SHA256), not encrypted:
 * the folder, the size limit and the expiry are readable.
 *
 * @param options The secret, the folder, the size limit and the lifetime.
 * @returns The ticket, a URL-safe string.
 * @throws {TypeError} If the secret is shorter than 16 characters or the folder id is empty.
 * @throws {RangeError} If `maxBytes` is not a non-negative integer or `expiresIn` not a positive number.
 *
 * @example Make a ticket and read it back
 * ```ts
 * import { createUploadTicket, verifyUploadTicket } from "@docspace-tools/upload";
 * import { assertEquals } from "@std/assert";
 *
 * const secret = "a-long-random-upload-secret";
 * const ticket = await createUploadTicket({ secret, folderId: 42, maxBytes: 5_000_000, expiresIn: 900 });
 * const allowed = await verifyUploadTicket(ticket, { secret });
 * assertEquals(allowed.folderId, "42");
 * assertEquals(allowed.maxBytes, 5_000_000);
 * ```
 */
export async function createUploadTicket(
  options: UploadTicketOptions,
): Promise<string> {
  const context = "Cannot create upload ticket";
  const secret = checkSecret(options.secret, context);
  const folderId = String(options.folderId ?? "");
  if (folderId.trim() === "") {
    throw new TypeError(`${context}: folderId is empty`);
  }
  if (!Number.isSafeInteger(options.maxBytes) || options.maxBytes < 0) {
    throw new RangeError(
      `${context}: maxBytes must be a non-negative integer, received ${options.maxBytes}`,
    );
  }
  if (!(options.expiresIn > 0) || !Number.isFinite(options.expiresIn)) {
    throw new RangeError(
      `${context}: expiresIn must be a positive number of seconds, received ${options.expiresIn}`,
    );
  }
  const now = (options.now ?? Date.now)();
  const payload = encodeBase64Url(JSON.stringify({
    f: folderId,
    m: options.maxBytes,
    e: Math.ceil(now / 1000 + options.expiresIn),
    n: encodeBase64Url(crypto.getRandomValues(new Uint8Array(9))),
  }));
  const mac = await new Signer(secret).sign(PREFIX, payload);
  return `${PREFIX}.${payload}.${mac}`;
}

function readPayload(payload: string): Omit<UploadTicket, "id"> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(decodeBase64Url(payload)));
  } catch {
    return undefined;
  }
  const { f, m, e } = (value ?? {}) as Record<string, unknown>;
  if (
    typeof f !== "string" || f === "" || !Number.isSafeInteger(m) ||
    (m as number) < 0 || !Number.isSafeInteger(e)
  ) {
    return undefined;
  }
  return {
    folderId: f,
    maxBytes: m as number,
    expiresAt: (e as number) * 1000,
  };
}

/**
 * Checks an upload ticket's signature (in constant time) and expiry, and returns what it allows.
 *
 * @param ticket The ticket, as {@linkcode createUploadTicket} made it.
 * @param options The secret it was made with, and the clock.
 * @returns The folder, the size limit, the expiry and the ticket's id.
 * @throws {UploadTicketError} If the ticket is malformed, forged (or made with another secret), or expired.
 * @throws {TypeError} If the secret is shorter than 16 characters.
 *
 * @example Refuse a ticket made with another secret
 * ```ts
 * import { createUploadTicket, UploadTicketError, verifyUploadTicket } from "@docspace-tools/upload";
 * import { assertEquals, assertRejects } from "@std/assert";
 *
 * const ticket = await createUploadTicket({
 *   secret: "the-attackers-own-secret",
 *   folderId: 1,
 *   maxBytes: 1e9,
 *   expiresIn: 3600,
 * });
 * const error = await assertRejects(
 *   () => verifyUploadTicket(ticket, { secret: "a-long-random-upload-secret" }),
 *   UploadTicketError,
 * );
 * assertEquals(error.reason, "forged");
 * ```
 */
export async function verifyUploadTicket(
  ticket: string,
  options: VerifyUploadTicketOptions,
): Promise<UploadTicket> {
  const secret = checkSecret(options.secret, "Cannot verify upload ticket");
  const parts = typeof ticket === "string" ? ticket.split(".") : [];
  const [prefix, payload = "", mac = ""] = parts;
  const claims = parts.length === 3 && prefix === PREFIX
    ? readPayload(payload)
    : undefined;
  if (claims === undefined) {
    throw new UploadTicketError(
      "malformed",
      "Upload ticket refused: it is not a ticket made by createUploadTicket",
    );
  }
  if (!await new Signer(secret).verify(PREFIX, payload, mac)) {
    throw new UploadTicketError(
      "forged",
      "Upload ticket refused: its signature does not match (altered, or made with another secret)",
    );
  }
  if ((options.now ?? Date.now)() >= claims.expiresAt) {
    throw new UploadTicketError(
      "expired",
      `Upload ticket refused: it expired at ${
        new Date(claims.expiresAt).toISOString()
      }`,
    );
  }
  return { id: mac, ...claims };
}
