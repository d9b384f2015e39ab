/**
 * The title DocSpace stores a file under, predicted from the name it is sent with.
 *
 * @module
 */

const MAX_TITLE = 170;
// Global.ReplaceInvalidCharsAndTruncate's `[\t*\+:"<>?|\\/\p{Cs}]`: .NET matches UTF-16 units, so \p{Cs}
// takes every surrogate and an emoji becomes "__".
const INVALID = /[\t*+:"<>?|\\/\uD800-\uDFFF]/g;

/**
 * The title DocSpace gives a name: cleaned as `Global.ReplaceInvalidCharsAndTruncate` does (trimmed, cut
 * at 170 UTF-16 units keeping an extension whose dot is past unit 150, `\t * + : " < > ? | \ /` and every
 * emoji half replaced by `_`), then, as `FileDao.SaveFileAsync` does on every save
 * (`FileUtility.ReplaceFileExtension(title, FileUtility.GetFileExtension(title))`), with its extension
 * lower-cased and a trailing dot added to a name without one. A folder's title is only cleaned: pass
 * `folder: true`.
 *
 * @param name The name the file (or folder) is sent with.
 * @param options `folder: true` for a folder's title.
 * @returns The title the server stores.
 *
 * @example
 * ```ts
 * import { storedTitle } from "@docspace-tools/upload";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(storedTitle("Photo.JPG"), "Photo.jpg");
 * assertEquals(storedTitle("README"), "README.");
 * assertEquals(storedTitle("report: final?.pdf"), "report_ final_.pdf");
 * assertEquals(storedTitle("2024: trip", { folder: true }), "2024_ trip");
 * ```
 */
export function storedTitle(
  name: string,
  options: { folder?: boolean } = {},
): string {
  const cleaned = cleanTitle(name);
  return options.folder ? cleaned : withLowerExtension(cleaned);
}

/**
 * The key two titles share when DocSpace takes them for the same file or folder: its title lookups go
 * through the database's case-insensitive collation.
 *
 * @param title A stored title.
 * @returns The title, case-folded.
 */
export function titleKey(title: string): string {
  return title.toLowerCase();
}

function cleanTitle(title: string): string {
  let cleaned = title.trim();
  if (MAX_TITLE < cleaned.length) {
    const pos = cleaned.lastIndexOf(".");
    cleaned = MAX_TITLE - 20 < pos
      ? cleaned.slice(0, MAX_TITLE - (cleaned.length - pos)) +
        cleaned.slice(pos)
      : cleaned.slice(0, MAX_TITLE);
  }
  return cleaned.replace(INVALID, "_");
}

/** FileUtility.ReplaceFileExtension(t, GetFileExtension(t)), with .NET's Path rules (a final dot is no extension). */
function withLowerExtension(title: string): string {
  const dot = title.lastIndexOf(".");
  const extension = dot >= 0 && dot < title.length - 1
    ? title.slice(dot + 1).trim().toLowerCase()
    : "";
  const base = dot >= 0 ? title.slice(0, dot) : title;
  return `${base}.${extension.replace(/^\.+/, "")}`;
}
