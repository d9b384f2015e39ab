/** The part of `deno info --json` output the cycle check reads. */
export interface ModuleGraph {
  modules: {
    specifier: string;
    dependencies?: {
      code?: { specifier?: string };
      type?: { specifier?: string };
    }[];
  }[];
}

/**
 * The import cycles among the modules `own` selects, each as the path that closes it (first = last).
 * Type-only imports count too: they tie modules together as much as code does.
 */
export function findCycles(
  graph: ModuleGraph,
  own: (specifier: string) => boolean,
): string[][] {
  const edges = new Map<string, string[]>();
  for (const module of graph.modules) {
    if (!own(module.specifier)) continue;
    const targets = (module.dependencies ?? []).flatMap((d) =>
      [d.code?.specifier, d.type?.specifier].filter((s): s is string =>
        s !== undefined && own(s)
      )
    );
    edges.set(module.specifier, [...new Set(targets)]);
  }
  const cycles: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, "open");
    stack.push(node);
    for (const next of edges.get(node) ?? []) {
      if (state.get(next) === "open") {
        cycles.push([...stack.slice(stack.indexOf(next)), next]);
      } else if (!state.has(next)) {
        visit(next);
      }
    }
    stack.pop();
    state.set(node, "done");
  };
  for (const node of [...edges.keys()].sort()) {
    if (!state.has(node)) visit(node);
  }
  return cycles;
}
