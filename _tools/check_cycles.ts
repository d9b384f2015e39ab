// Fails when the project's own modules import each other in a cycle, as Deno std's CI checks, or across
// folders against the layout's directions (_directions.ts) (`deno task ok` runs it). It reads the module
// graph from `deno info --json` of every entry point.
import { findCycles, type ModuleGraph } from "./_cycles.ts";
import { forbiddenImports } from "./_directions.ts";

const ENTRY_POINTS = [
  "mod.ts",
  "testing.ts",
  "node_fetch.ts",
  "gateway.ts",
  "cli.ts",
  "worker/deno.ts",
  "worker/cloudflare.ts",
];

const graph: ModuleGraph = { modules: [] };
for (const entry of ENTRY_POINTS) {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
  }).output();
  if (code !== 0) {
    console.error(new TextDecoder().decode(stderr));
    Deno.exit(code);
  }
  graph.modules.push(...JSON.parse(new TextDecoder().decode(stdout)).modules);
}
const root = new URL("../", import.meta.url).href;
const cycles = findCycles(graph, (specifier) => specifier.startsWith(root));
if (cycles.length > 0) {
  for (const cycle of cycles) {
    console.error(
      `Import cycle: ${cycle.map((s) => s.slice(root.length)).join(" → ")}`,
    );
  }
  Deno.exit(1);
}
const forbidden = forbiddenImports(graph, root);
if (forbidden.length > 0) {
  for (const line of forbidden) {
    console.error(`Import against the folder rules: ${line}`);
  }
  Deno.exit(1);
}
const checked = new Set(
  graph.modules.map((m) => m.specifier).filter((s) => s.startsWith(root)),
);
console.log(
  `No import cycles among the project's ${checked.size} modules, and every import follows the folder rules`,
);
