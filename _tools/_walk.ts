// The project's own source files: what git would track, without installed tools or build output.
const SKIP = new Set([
  ".git",
  "node_modules",
  "dist",
  ".wrangler",
  ".tmp_probe",
]);

/** Paths of files under `root` whose names end in one of `extensions`. */
export async function* walk(
  root: string,
  extensions: string[],
): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(root)) {
    if (SKIP.has(entry.name)) continue;
    const path = `${root}/${entry.name}`;
    if (entry.isDirectory) yield* walk(path, extensions);
    else if (entry.isFile && extensions.some((e) => entry.name.endsWith(e))) {
      yield path;
    }
  }
}
