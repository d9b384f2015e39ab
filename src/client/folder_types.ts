/**
 * The values a folder listing gives: a folder's files and subfolders, as {@linkcode FolderTree} keeps them.
 *
 * @module
 */
import type { DocSpaceFile } from "./session_types.ts";

/** A file or folder in a listing. */
export interface FolderEntry {
  /** Its id. */
  id: number | string;
  /** Its title. */
  title: string;
  /** A file's size in bytes (`pureContentLength`). */
  size?: number;
  /** A file's version. */
  version?: number;
  /** A file's object as the listing gives it. */
  file?: DocSpaceFile;
}

/** What a folder holds. */
export interface FolderContent {
  /** Its files. */
  files: FolderEntry[];
  /** Its subfolders. */
  folders: FolderEntry[];
}
