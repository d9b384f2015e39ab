/**
 * The title DocSpace stores a file under, predicted from the name it is sent with.
 *
 * @module
 */
// The emulator cleans titles with its own copy of the server's rule (src/emulator/_title.ts), on purpose:
// it stands for the server, built from the server's source, and imports nothing of the client, so a test
// that passes shows that the two agree rather than that one function agrees with itself.

const MAX_TITLE = 170;
// Global.ReplaceInvalidCharsAndTruncate's `[\t*\+:"<>?|\\/\p{Cs}]`: .NET matches UTF-16 units, so \p{Cs}
// takes every surrogate and an emoji becomes "__".
const INVALID = /[\t*+:"<>?|\\/\uD800-\uDFFF]/g;

/** Where a title is stored: DocSpace's own folders (numeric ids) or third-party storage. */
export interface StoredTitleOptions {
  /** A folder's title, which is only cleaned. @default {false} */
  folder?: boolean;
  /** Whether the folder is DocSpace's own (a numeric id); third-party storage keeps the extension as sent. @default {true} */
  native?: boolean;
}

/**
 * The title DocSpace gives a name: cleaned as `Global.ReplaceInvalidCharsAndTruncate` does (trimmed, cut
 * at 170 UTF-16 units keeping an extension whose dot is past unit 150, `\t * + : " < > ? | \ /` and every
 * emoji half replaced by `_`), then, for a file in DocSpace's own folders, as `FileDao.SaveFileAsync` does
 * on every save (`FileUtility.ReplaceFileExtension(title, FileUtility.GetFileExtension(title))`): the
 * extension lower-cased, and a trailing dot added to a name without one.
 *
 * @param name The name the file (or folder) is sent with.
 * @param options Whether it is a folder's title, and whether the folder is DocSpace's own.
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
 * assertEquals(storedTitle("Photo.JPG", { native: false }), "Photo.JPG");
 * ```
 */
export function storedTitle(
  name: string,
  options: StoredTitleOptions = {},
): string {
  const cleaned = cleanTitle(name);
  return options.folder || options.native === false
    ? cleaned
    : withLowerExtension(cleaned);
}

/**
 * The key two titles share when DocSpace takes them for the same file or folder. In its own folders the
 * lookups go through the database's `utf8_general_ci` collation, which ignores letter case, accents and
 * trailing spaces; third-party providers compare ignoring case.
 *
 * @param title A title.
 * @param native Whether the folder is DocSpace's own (a numeric id).
 * @returns The comparison key.
 *
 * @example
 * ```ts
 * import { titleKey } from "@docspace-tools/upload";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(titleKey("Résumé.PDF"), titleKey("resume.pdf"));
 * ```
 */
export function titleKey(title: string, native = true): string {
  if (!native) return title.toUpperCase();
  let key = "";
  for (const ch of title.replace(/ +$/, "")) {
    const base = ch.normalize("NFD")[0] ?? ch;
    const upper = base.toUpperCase();
    key += upper.length === base.length ? upper : base;
  }
  return key;
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
  if (dot < 0) return `${title}.`;
  if (dot === title.length - 1) return title;
  return title.slice(0, dot) + title.slice(dot).trim().toLowerCase();
}
