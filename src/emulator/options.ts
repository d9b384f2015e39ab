/**
 * The emulator's configuration: users, folders, limits and the clock.
 *
 * @module
 */

import {
  type RateLimits,
  type ResolvedRateLimits,
  resolveRateLimits,
} from "./rate_limits.ts";
import { type EmulatorStorage, resolveStorage } from "./storage.ts";

/** A user the emulator knows, with the credentials it accepts. */
export interface EmulatorUser {
  /** The user's id, as recorded in the request log and on sessions. */
  id: string;
  /** The name shown in file objects' `createdBy`. */
  displayName?: string;
  /** Tokens accepted as `Authorization: Bearer t`, as a raw `Authorization: t`, or as the `asc_auth_key` cookie. */
  tokens: string[];
  /** The e-mail for `Basic` credentials and `POST /api/2.0/authentication`. */
  email?: string;
  /** The password for `Basic` credentials and `POST /api/2.0/authentication`. */
  password?: string;
}

/** A folder files can be uploaded to. String ids are third-party storage folders. */
export interface EmulatorFolder {
  /** The folder's id: a number for DocSpace folders, a string for third-party storage. */
  id: number | string;
  /** The folder's title. */
  title?: string;
  /** Ids of the users allowed to upload here; every user when absent. */
  writers?: string[];
  /** The parent folder's id; a folder without one is a root. */
  parentId?: number | string;
}

/** Options for {@linkcode DocSpaceEmulator}. */
export interface EmulatorOptions {
  /** The chunk size announced by `/api/2.0/files/settings` and enforced on chunks. @default {10485760} */
  chunkUploadSize?: number;
  /**
   * The thread count announced by `/api/2.0/files/settings`. SetupInfo.cs reads it from the rate
   * limiter's write setting (`core:hosting:rateLimiterOptions:defaultConcurrencyWriteRequests`), so it
   * follows `rateLimits.concurrentWrites` when that is a number.
   *
   * @default {`rateLimits.concurrentWrites`, else 15}
   */
  maxUploadThreadCount?: number;
  /** The users and their credentials. @default {[{ id: "admin", tokens: ["emulator-token"] }]} */
  users?: EmulatorUser[];
  /** The folders. @default {[{ id: 1, title: "My documents" }, { id: "sbox-1", title: "Third-party storage" }]} */
  folders?: EmulatorFolder[];
  /** The largest file size a session may announce, in bytes (a paid plan's cap). @default {1073741824} */
  maxFileSize?: number;
  /**
   * The server's `files:upload-filter`: when set, only these extensions may be uploaded (FileUtility.ExtsUploadable
   * as an allow-list, Global.EnableUploadFilter in products/ASC.Files/Core/Helpers/Global.cs) and any other,
   * including none, is refused with 415. Compared lower-cased. A default server has the filter off and accepts
   * every extension.
   *
   * @default {undefined}
   */
  uploadableExtensions?: string[];
  /**
   * The storage behind native folders (common/ASC.Data.Storage): `"disk"` is DiscDataStore, the self-hosted
   * default, whose abort of a chunked session fails once a chunk is stored; `"s3"` is S3Storage, whose abort
   * always succeeds.
   *
   * @default {"disk"}
   */
  dataStore?: "disk" | "s3";
  /** The clock, in milliseconds since the epoch; drives `created`, `expired` and the 12 h expiry. @default {Date.now} */
  now?: () => number;
  /** The origin put in front of `/ChunkedUploader.ashx` in `location`. @default {the request's own origin} */
  publicUrl?: string;
  /**
   * Which server generation to be: `"3.7"` serves the REST session routes (`POST {folderId}/session`,
   * `…/session/{id}/upload`, `…/finalize`, `DELETE …/session/{id}`) beside the legacy ones; `"3.6"` only
   * `upload/create_session` and `location`, and answers the REST routes 404.
   *
   * @default {"3.7"}
   */
  serverVersion?: "3.6" | "3.7";
  /**
   * The server's `web:available-file-size` (SetupInfo.AvailableFileSize), which the "maximum file size"
   * message of a too-large chunk names (as the smaller of it and `maxFileSize`), and the largest file a
   * single-request upload (`insert`) takes (SetupInfo.MaxUploadSize: the smaller of the two).
   *
   * @default {104857600}
   */
  availableFileSize?: number;
  /**
   * The extensions the portal converts on a single-request upload (FileUtility.ExtsMustConvert: the
   * formats configured with "auto-convert"), announced in the settings as `extsMustConvert`. The emulator
   * converts nothing; it only announces them.
   *
   * @default {[]}
   */
  extsMustConvert?: string[];
  /**
   * The server's global rate limiter, per user (anonymous requests per client address): 1500 requests a
   * minute, 15 concurrent requests other than GET and 50 concurrent GETs (the next is refused at once),
   * 10,000 POST and PUT requests a day; a refusal is 429 with `X-RateLimit-*` headers. `false` turns it
   * off; each limit can be set, or turned off with `false`. On by default, with the server's limits.
   *
   * @default {{ requestsPerMinute: 1500, concurrentWrites: 15, concurrentGets: 50, writesPerDay: 10000 }}
   */
  rateLimits?: false | RateLimits;
  /**
   * Where stored files' bytes go: `"memory"` (`file.bytes` is there), `"digest"` (only each file's size
   * and SHA-256 are kept; `file.bytes` throws), or `{ directory }` (each file is written under it and
   * `file.bytes` reads it back).
   *
   * @default {"memory"}
   */
  storage?: EmulatorStorage;
}

/** The options with every default filled in, as {@linkcode DocSpaceEmulator.options} exposes them. */
export interface ResolvedEmulatorOptions {
  /** The chunk size in bytes. */
  chunkUploadSize: number;
  /** The announced upload thread count. */
  maxUploadThreadCount: number;
  /** The users; never empty. */
  users: EmulatorUser[];
  /** The configured folders. */
  folders: EmulatorFolder[];
  /** The file size cap in bytes. */
  maxFileSize: number;
  /** The only extensions accepted, lower-cased, each with its leading dot; undefined: the filter is off. */
  uploadableExtensions: string[] | undefined;
  /** The storage behind native folders. */
  dataStore: "disk" | "s3";
  /** The clock. */
  now: () => number;
  /** The origin for `location`, or undefined to use the request's origin. */
  publicUrl: string | undefined;
  /** The server generation. */
  serverVersion: "3.6" | "3.7";
  /** SetupInfo.AvailableFileSize in bytes. */
  availableFileSize: number;
  /** The extensions announced as converted on upload, lower-case with their dot. */
  extsMustConvert: string[];
  /** Each rate limit, `false` where it is off. */
  rateLimits: ResolvedRateLimits;
  /** Where stored files' bytes go. */
  storage: EmulatorStorage;
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new RangeError(
      `Cannot create DocSpaceEmulator: ${name} must be a positive integer, received ${value}`,
    );
  }
  return value;
}

function serverVersion(value: string): "3.6" | "3.7" {
  if (value !== "3.6" && value !== "3.7") {
    throw new RangeError(
      `Cannot create DocSpaceEmulator: serverVersion must be "3.6" or "3.7", received ${
        JSON.stringify(value)
      }`,
    );
  }
  return value;
}

function dataStore(value: string): "disk" | "s3" {
  if (value !== "disk" && value !== "s3") {
    throw new RangeError(
      `Cannot create DocSpaceEmulator: dataStore must be "disk" or "s3", received ${
        JSON.stringify(value)
      }`,
    );
  }
  return value;
}

/** Fills in defaults and validates; internal to the emulator. */
export function resolveOptions(
  options: EmulatorOptions = {},
): ResolvedEmulatorOptions {
  const users = options.users ?? [{ id: "admin", tokens: ["emulator-token"] }];
  if (users.length === 0) {
    throw new RangeError(
      "Cannot create DocSpaceEmulator: users must not be empty",
    );
  }
  const rateLimits = resolveRateLimits(options.rateLimits);
  return {
    chunkUploadSize: positiveInteger(
      "chunkUploadSize",
      options.chunkUploadSize ?? 10485760,
    ),
    maxUploadThreadCount: positiveInteger(
      "maxUploadThreadCount",
      options.maxUploadThreadCount ??
        (rateLimits.concurrentWrites === false
          ? 15
          : rateLimits.concurrentWrites),
    ),
    users,
    folders: options.folders ??
      [{ id: 1, title: "My documents" }, {
        id: "sbox-1",
        title: "Third-party storage",
      }],
    maxFileSize: positiveInteger(
      "maxFileSize",
      options.maxFileSize ?? 1073741824,
    ),
    uploadableExtensions: options.uploadableExtensions?.map((ext) =>
      ext === "" || ext.startsWith(".")
        ? ext.toLowerCase()
        : `.${ext}`.toLowerCase()
    ),
    dataStore: dataStore(options.dataStore ?? "disk"),
    now: options.now ?? Date.now,
    publicUrl: options.publicUrl?.replace(/\/+$/, ""),
    serverVersion: serverVersion(options.serverVersion ?? "3.7"),
    availableFileSize: positiveInteger(
      "availableFileSize",
      options.availableFileSize ?? 104857600,
    ),
    extsMustConvert: (options.extsMustConvert ?? []).map((ext) =>
      (ext.startsWith(".") ? ext : `.${ext}`).toLowerCase()
    ),
    rateLimits,
    storage: resolveStorage(options.storage),
  };
}
