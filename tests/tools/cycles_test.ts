import { assertEquals } from "@std/assert";
import { findCycles } from "../../_tools/_cycles.ts";

const graph = (edges: Record<string, string[]>) => ({
  modules: Object.entries(edges).map(([specifier, targets]) => ({
    specifier,
    dependencies: targets.map((t) => ({ code: { specifier: t } })),
  })),
});

Deno.test("findCycles reports each cycle among own modules, and ignores outside ones", () => {
  const own = (s: string) => s.startsWith("file:");
  assertEquals(
    findCycles(
      graph({
        "file:a": ["file:b"],
        "file:b": ["file:c"],
        "file:c": ["file:a"],
      }),
      own,
    ),
    [["file:a", "file:b", "file:c", "file:a"]],
  );
  assertEquals(
    findCycles(
      graph({
        "file:a": ["file:b", "npm:x"],
        "file:b": [],
        "npm:x": ["file:a"],
      }),
      own,
    ),
    [],
  );
  assertEquals(
    findCycles({
      modules: [{
        specifier: "file:a",
        dependencies: [{ type: { specifier: "file:a" } }],
      }],
    }, own),
    [["file:a", "file:a"]],
  );
});
