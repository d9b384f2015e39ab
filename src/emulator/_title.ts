// Global.ReplaceInvalidCharsAndTruncate (products/ASC.Files/Core/Helpers/Global.cs): how the server cleans
// file and folder titles before it uses them. The client predicts the same rule on its own
// (src/client/stored_title.ts): the emulator imports nothing of it, so tests compare two readings of the
// server's source.

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

/**
 * FileUtility.GetFileExtension (products/ASC.Files/Core/Helpers/FileUtility.cs): .NET's Path.GetExtension
 * (from the last dot, empty when the dot ends the name; on Linux only "/" separates directories, and the
 * cleaning has already replaced it), trimmed and lower-cased. `.bashrc` → ".bashrc", `a.` → "".
 */
export function fileExtension(title: string): string {
  const dot = title.lastIndexOf(".");
  if (dot < 0 || dot === title.length - 1 || title.indexOf("/", dot) >= 0) {
    return "";
  }
  return title.slice(dot).trim().toLowerCase();
}

/**
 * The title a native save stores: FileDao.SaveFileAsync and ReplaceFileVersionAsync
 * (products/ASC.Files/Core/Core/Dao/TeamlabDao/FileDao.cs) run, after cleaning,
 * `ReplaceFileExtension(title, GetFileExtension(title))`: Path.GetFileNameWithoutExtension + "." + the
 * extension without its dots. The extension is lower-cased (`Photo.JPG` → `Photo.jpg`) and a name without
 * one gains a trailing dot (`README` → `README.`); `.bashrc`, `a.` and `a..` stay as they are. The
 * third-party DAOs (products/ASC.Files/Core/Core/Thirdparty/) do not do this.
 */
export function storedTitle(title: string): string {
  const slash = title.lastIndexOf("/");
  const name = title.slice(slash + 1);
  const dot = name.lastIndexOf(".");
  const base = dot < 0 ? name : name.slice(0, dot);
  return `${base}.${fileExtension(title).replace(/^\.+/, "")}`;
}

/**
 * A key under which titles compare as the database compares them: `files_file.title` and
 * `files_folder.title` are `varchar` with collation `utf8_general_ci`
 * (migrations/mysql/SaaS/MigrationContext/MigrationContextModelSnapshot.cs), so `FileDao.GetFileAsync(parentId,
 * title)`, `upload/check` and `FolderDao.GetFolderAsync(title, parentId)` ignore letter case and accents,
 * and a PAD SPACE collation ignores trailing spaces. Approximated per character: the base letter of its
 * canonical decomposition, upper-cased when that stays one character.
 */
export function titleKey(title: string): string {
  let key = keys.get(title);
  if (key === undefined) {
    key = "";
    for (const ch of title.replace(/ +$/, "")) {
      const base = ch.normalize("NFD")[0] ?? ch;
      const upper = base.toUpperCase();
      key += upper.length === base.length ? upper : base;
    }
    // Every lookup compares a title with each file of a folder: keep the keys (a bounded cache).
    if (keys.size >= 100_000) keys.clear();
    keys.set(title, key);
  }
  return key;
}

const keys = new Map<string, string>();
