// Global.ReplaceInvalidCharsAndTruncate (products/ASC.Files/Core/Helpers/Global.cs): how the server cleans
// file and folder titles before it uses them.

const MAX_TITLE = 170;
// `[\t*\+:"<>?|\\/\p{Cs}]`. .NET matches UTF-16 units, so \p{Cs} takes every surrogate, paired or not:
// an emoji becomes "__".
const INVALID = /[\t*+:"<>?|\\/\uD800-\uDFFF]/g;

/** Trims, truncates to 170 UTF-16 units (keeping an extension whose dot is past unit 150), replaces invalid characters with "_". */
export function cleanTitle(title: string): string {
  if (title === "") return title;
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
