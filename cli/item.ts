/**
 * What the CLI uploads, one item at a time, and what becomes of each.
 *
 * @module
 */
import type { UploadedFile } from "../src/client/session_types.ts";
import type { LocalFile } from "./files/files.ts";

/** One thing to upload: a local file, or stdin. */
export interface UploadItem {
  /** How the user knows it, printable: the path, or `stdin`. */
  display: string;
  /** The title in DocSpace. */
  fileName: string;
  /** The size in bytes. */
  size: number;
  /** The subfolders it goes into. */
  relativePath?: string;
  /** The local file; absent for stdin. */
  file?: LocalFile;
}

/** What became of an item. */
export type ItemResult =
  | { status: "uploaded"; file: UploadedFile; elapsed: number; sent: number }
  | { status: "skipped"; reason: string }
  | { status: "failed"; message: string; error?: unknown }
  | { status: "interrupted"; resumable: boolean };
