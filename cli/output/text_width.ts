/**
 * How many columns text takes on a terminal, and cutting or padding it to a width: East Asian wide
 * characters and emoji take two, combining marks and zero-width characters none.
 *
 * @module
 */

// East Asian wide and fullwidth characters and emoji take two columns; combining marks and zero-width
// characters none.
const WIDE =
  /[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{1f000}-\u{1faff}\u{20000}-\u{3fffd}]/u;
const ZERO = /[\p{M}\u200b-\u200f\u2060-\u2064\ufeff]/u;

function charWidth(char: string): number {
  return ZERO.test(char) ? 0 : WIDE.test(char) ? 2 : 1;
}

/**
 * The columns a text takes on a terminal.
 *
 * @param text Printable text.
 * @returns Its width in columns.
 */
export function columnsOf(text: string): number {
  let width = 0;
  for (const char of text) width += charWidth(char);
  return width;
}

/**
 * Cuts a text from its start to `width` columns, so a path keeps its file name: `…/a.bin`.
 *
 * @param text Printable text.
 * @param width The columns it may take.
 * @returns The text, or `…` and its end.
 */
export function cutStart(text: string, width: number): string {
  if (columnsOf(text) <= width) return text;
  const chars = [...text];
  let kept = "";
  let used = 1; // the ellipsis
  for (let i = chars.length - 1; i >= 0; i--) {
    const w = charWidth(chars[i]!);
    if (used + w > width) break;
    kept = chars[i] + kept;
    used += w;
  }
  return width <= 0 ? "" : "…" + kept;
}

/**
 * Pads a text with spaces to `width` columns.
 *
 * @param text Printable text.
 * @param width The columns it should take.
 * @returns The text and the spaces.
 */
export function padTo(text: string, width: number): string {
  return text + " ".repeat(Math.max(0, width - columnsOf(text)));
}
