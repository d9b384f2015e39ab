import { assertEquals, assertThrows } from "@std/assert";
import { walk } from "../../_tools/_walk.ts";
import { jsrImports, stdSpecifiers } from "../../_tools/jsr_imports.ts";

const config = JSON.parse(await Deno.readTextFile("deno.json"));

Deno.test("deno.json maps exactly the std modules the code and its docs import", async () => {
  const used = new Set<string>();
  for await (const path of walk(".", [".ts", ".md"])) {
    for (const s of stdSpecifiers(await Deno.readTextFile(path))) used.add(s);
  }
  const mapped = Object.keys(config.imports).filter((k) =>
    k.startsWith("@std/")
  );
  assertEquals([...used].sort(), mapped.sort());
});

Deno.test("the publish map points every std import at a pinned jsr: module and keeps the rest", () => {
  const mapped = jsrImports(config.imports);
  for (const [key, value] of Object.entries(mapped)) {
    if (key.startsWith("@std/")) {
      const [, pkg, sub = ""] = key.match(/^@std\/([a-z0-9-]+)(\/.*)?$/)!;
      assertEquals(value.startsWith(`jsr:@std/${pkg}@1.`), true, value);
      assertEquals(value.endsWith(sub), true, value);
      assertEquals(value.includes("npm:"), false);
    } else {
      assertEquals(value, config.imports[key]);
    }
  }
  assertEquals(
    jsrImports({ "@std/streams/to-bytes": "npm:x" }),
    { "@std/streams/to-bytes": "jsr:@std/streams@1.1.2/to-bytes" },
  );
  assertThrows(
    () => jsrImports({ "@std/yaml": "npm:x" }),
    RangeError,
    "no pinned version for @std/yaml",
  );
});
