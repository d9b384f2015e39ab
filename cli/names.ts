/**
 * Names as the CLI shows them and as DocSpace stores them: control characters escaped before they
 * reach a terminal, and the titles the server would change caught before any request.
 *
 * @module
 */

// C0 and C1 controls, DEL, and the bidirectional overrides that can make a name read backwards.
const UNPRINTABLE =
  // deno-lint-ignore no-control-regex -- matching control characters is the point
  /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Record<string, string> = { "\t": "\\t", "\n": "\\n", "\r": "\\r" };

/**
 * A text safe to print on a terminal: each control character (ESC, newline, BEL…) and bidirectional
 * override becomes a visible escape, so a file name cannot move the cursor, ring the bell or reorder the
 * line.
 *
 * @param text Any text, such as a file name.
 * @returns The text with `\n`, `\t`, `\r`, `\x1b`, `\u202e`… written out.
 *
 * @example Escape a hostile name
 * ```ts
 * import { printable } from "./names.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(printable("a\x1b[31mb\n.txt"), "a\\x1b[31mb\\n.txt");
 * ```
 */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (c) => {
    const code = c.charCodeAt(0);
    return NAMED[c] ??
      (code <= 0xff
        ? `\\x${code.toString(16).padStart(2, "0")}`
        : `\\u${code.toString(16).padStart(4, "0")}`);
  });
}

/**
 * Each line of a text made printable; the line breaks between them stay.
 *
 * @param text One or more lines.
 * @returns The lines, each through {@linkcode printable}.
 */
export function printableLines(text: string): string {
  return text.split("\n").map(printable).join("\n");
}

const MAX_TITLE = 170;
// Global.ReplaceInvalidCharsAndTruncate (products/ASC.Files/Core/Helpers/Global.cs in DocSpace-server):
// `[\t*\+:"<>?|\\/\p{Cs}]` on UTF-16 units, so each half of an emoji becomes "_".
const INVALID = /[\t*+:"<>?|\\/\uD800-\uDFFF]/g;

/**
 * The title DocSpace stores for a file or folder name: trimmed, cut to 170 UTF-16 units (keeping an
 * extension whose dot is past unit 150), `\t * + : " < > ? | \ /` and every emoji half replaced by `_`.
 *
 * @param name The name.
 * @returns The title the server would store.
 *
 * @example Names the server changes
 * ```ts
 * import { serverTitle } from "./names.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(serverTitle("report: final?.pdf"), "report_ final_.pdf");
 * assertEquals(serverTitle("beach 🏖.jpg"), "beach __.jpg");
 * assertEquals(serverTitle("plain.txt"), "plain.txt");
 * ```
 */
export function serverTitle(name: string): string {
  let title = name.trim();
  if (MAX_TITLE < title.length) {
    const dot = title.lastIndexOf(".");
    title = MAX_TITLE - 20 < dot
      ? title.slice(0, MAX_TITLE - (title.length - dot)) + title.slice(dot)
      : title.slice(0, MAX_TITLE);
  }
  return title.replace(INVALID, "_");
}

/**
 * The title DocSpace stores for a file uploaded into one of its own folders (a numeric folder id): the
 * {@linkcode serverTitle}, then, as FileDao.SaveFileAsync does with FileUtility.ReplaceFileExtension
 * (products/ASC.Files/Core/Core/Dao/TeamlabDao/FileDao.cs), the extension lower-cased and a trailing dot
 * added to a name without one. Third-party folders store the {@linkcode serverTitle}.
 *
 * @param name The file's name.
 * @param native Whether the folder is DocSpace's own (a numeric id).
 * @returns The title the file will have.
 *
 * @example The extension rule
 * ```ts
 * import { storedFileTitle } from "./names.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(storedFileTitle("Photo.JPG", true), "Photo.jpg");
 * assertEquals(storedFileTitle("README", true), "README.");
 * assertEquals(storedFileTitle(".bashrc", true), ".bashrc");
 * assertEquals(storedFileTitle("README", false), "README");
 * ```
 */
export function storedFileTitle(name: string, native: boolean): string {
  const title = serverTitle(name);
  if (!native) return title;
  const dot = title.lastIndexOf(".");
  if (dot < 0) return `${title}.`;
  // Path.GetExtension: empty when the dot ends the name; then the name keeps its dot as it is.
  if (dot === title.length - 1) return title;
  return title.slice(0, dot) + title.slice(dot).trim().toLowerCase();
}

/**
 * A key under which two titles compare as DocSpace compares them when it looks a title up: its database
 * collation `utf8_general_ci` ignores letter case and accents in its own folders; third-party providers
 * compare ignoring case.
 *
 * @param title A title.
 * @param native Whether the folder is DocSpace's own (a numeric id).
 * @returns The comparison key.
 *
 * @example Case and accents
 * ```ts
 * import { titleKey } from "./names.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(titleKey("Café.JPG", true), titleKey("cafe.jpg", true));
 * ```
 */
export function titleKey(title: string, native: boolean): string {
  if (!native) return title.toUpperCase();
  let key = "";
  for (const ch of title.replace(/ +$/, "")) {
    const base = ch.normalize("NFD")[0] ?? ch;
    const upper = base.toUpperCase();
    key += upper.length === base.length ? upper : base;
  }
  return key;
}

/**
 * The file name to send when creating a session, so that the server's own lookup (by the name as sent)
 * finds the file an earlier upload stored: the stored title in DocSpace's folders (`README.` for
 * `README`), the name itself elsewhere, or when the stored title would be cut again.
 *
 * @param name The file's name.
 * @param native Whether the folder is DocSpace's own (a numeric id).
 * @returns The name to send.
 */
export function sentFileName(name: string, native: boolean): string {
  const stored = storedFileTitle(name, native);
  return native && serverTitle(stored) === stored ? stored : name;
}
