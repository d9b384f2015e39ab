/**
 * Names as the CLI shows them and as DocSpace stores them: control characters escaped before they
 * reach a terminal, and the titles the server would change caught before any request.
 *
 * @module
 */

import { storedTitle, titleKey } from "../src/client/stored_title.ts";

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

/** The most characters of a server's text printed: enough for any real message. */
const SERVER_TEXT = 500;

/**
 * A server's text (an error message, a reply's detail) made safe for one line of a terminal: escaped as
 * {@linkcode printable} does (a newline in it becomes `\n`, so it cannot start a line of its own) and cut
 * to 500 characters.
 *
 * @param text The text, from a server or with a server's message in it.
 * @returns One line.
 *
 * @example
 * ```ts
 * import { serverText } from "./names.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(serverText("bad\nok: uploaded"), "bad\\nok: uploaded");
 * assertEquals(serverText("x".repeat(600)).length, 500 + " … (100 more characters)".length);
 * ```
 */
export function serverText(text: string): string {
  const shown = printable(text);
  return shown.length <= SERVER_TEXT
    ? shown
    : `${shown.slice(0, SERVER_TEXT)} … (${
      shown.length - SERVER_TEXT
    } more characters)`;
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

/**
 * The title DocSpace stores for a file or folder name, cleaned only (see `storedTitle`).
 *
 * @param name The name.
 * @returns The cleaned title.
 *
 * @example
 * ```ts
 * import { serverTitle } from "./names.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(serverTitle("report: final?.pdf"), "report_ final_.pdf");
 * assertEquals(serverTitle("beach 🏖.jpg"), "beach __.jpg");
 * ```
 */
export function serverTitle(name: string): string {
  return storedTitle(name, { folder: true });
}

/**
 * The title DocSpace stores a file under (see `storedTitle`).
 *
 * @param name The file's name.
 * @param native Whether the folder is DocSpace's own (a numeric id).
 * @returns The stored title.
 */
export function storedFileTitle(name: string, native: boolean): string {
  return storedTitle(name, { native });
}

export { titleKey };

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
