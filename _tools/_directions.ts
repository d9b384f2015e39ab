// The directions imports may take between the project's folders, which the layout promises: tickets stand
// alone; the client builds on tickets only; the emulator on nothing; the gateway and the CLI on the
// client's public modules (and its stated internal API, src/client/internal.ts), never its private `_`
// files or the files of its private `_` folders (src/client/_docspace/); nothing builds on the CLI, the
// gateway's private files or the worker's entries. `deno task ok` fails on any other edge
// (check_cycles.ts).
import type { ModuleGraph } from "./_cycles.ts";

/** The folder a path (relative to the project's root) belongs to, for the rules. */
function folderOf(path: string): string {
  const top = path.split("/").slice(0, path.startsWith("src/") ? 2 : 1)
    .join("/");
  return top.endsWith(".ts") ? path : top;
}

/** Whether a module is private to its folder: its name, or a folder on its way, starts with `_`. */
function isPrivate(path: string): boolean {
  return path.split("/").some((part) => part.startsWith("_"));
}

/** Which folders (and root files) a folder may import; its own files it always may. */
const MAY_IMPORT: Record<string, string[]> = {
  "src/ticket": [],
  "src/client": ["src/ticket"],
  "src/emulator": [],
  "src/gateway": ["src/ticket", "src/client", "node_fetch.ts"],
  "cli": ["src/client", "src/ticket", "node_fetch.ts", "deno.json"],
  "cli.ts": ["cli"],
  "worker": ["gateway.ts", "src/gateway", "src/client", "node_fetch.ts"],
  "mod.ts": ["src/client", "src/ticket"],
  "gateway.ts": ["src/gateway"],
  "testing.ts": ["src/emulator"],
  "node_fetch.ts": [],
};

/** The entry point that speaks for a folder, and may use its private files. */
const ENTRY_OF: Record<string, string> = {
  "mod.ts": "src/client",
  "gateway.ts": "src/gateway",
  "testing.ts": "src/emulator",
  "cli.ts": "cli",
};

/** Folders whose private (`_`) files no other folder may import. */
const SEALED = new Set(["src/client", "src/gateway", "src/emulator", "cli"]);
/** A sealed folder's stated internal API, importable by the folders allowed in. */
const INTERNAL_API = new Set(["src/client/internal.ts"]);

/** Every import among the project's own modules that breaks the folder rules, as "from → to: why". */
export function forbiddenImports(
  graph: ModuleGraph,
  root: string,
): string[] {
  const problems = new Set<string>();
  for (const module of graph.modules) {
    if (!module.specifier.startsWith(root)) continue;
    const from = module.specifier.slice(root.length);
    const fromFolder = folderOf(from);
    const allowed = MAY_IMPORT[fromFolder];
    if (allowed === undefined) continue; // tests, bench and _tools may import anything
    for (const dependency of module.dependencies ?? []) {
      for (
        const target of [dependency.code?.specifier, dependency.type?.specifier]
      ) {
        if (target === undefined || !target.startsWith(root)) continue;
        const to = target.slice(root.length);
        const toFolder = folderOf(to);
        if (toFolder === fromFolder) continue;
        if (!allowed.includes(toFolder)) {
          problems.add(
            `${from} → ${to}: ${fromFolder} may not import ${toFolder}`,
          );
        } else if (
          SEALED.has(toFolder) && isPrivate(to) && !INTERNAL_API.has(to) &&
          ENTRY_OF[fromFolder] !== toFolder
        ) {
          problems.add(
            `${from} → ${to}: a private module of ${toFolder} (import a public one, or src/client/internal.ts)`,
          );
        }
      }
    }
  }
  return [...problems].sort();
}
