// The function-length lint rule (_tools/lint/function_length.ts, a `deno lint` plugin in deno.json): a function
// of more than 60 lines in the product's code is reported, methods and arrow functions included; one of 60 is
// not; tests, benchmarks and tools are not measured.
import { assertEquals } from "@std/assert";
import plugin, { MAX_LINES } from "../../_tools/lint/function_length.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/** A function of exactly `lines` lines, in the given form. */
function functionOf(lines: number, form: "declaration" | "method" | "arrow") {
  const body = Array.from(
    { length: lines - 2 },
    (_, i) => `  const step${i} = ${i};`,
  ).join("\n");
  switch (form) {
    case "declaration":
      return `export function f() {\n${body}\n}\n`;
    case "method":
      return `export class C {\n  m() {\n${body}\n}\n}\n`;
    case "arrow":
      return `export const f = () => {\n${body}\n};\n`;
  }
}

function messages(path: string, source: string): string[] {
  return Deno.lint.runPlugin(plugin, ROOT + path, source).map((d) => d.message);
}

Deno.test("function length: over 60 lines is reported in src/, cli/ and worker/, in every form", () => {
  for (const form of ["declaration", "method", "arrow"] as const) {
    for (
      const path of ["src/client/x.ts", "cli/x.ts", "worker/x.ts", "mod.ts"]
    ) {
      assertEquals(messages(path, functionOf(MAX_LINES + 1, form)), [
        "This function is 61 lines long; at most 60",
      ], `${form} in ${path}`);
      assertEquals(messages(path, functionOf(MAX_LINES, form)), []);
    }
  }
});

Deno.test("function length: tests, benchmarks, tools and the page's bundle are not measured", () => {
  for (
    const path of [
      "tests/client/x_test.ts",
      "bench/x.ts",
      "_tools/x.ts",
      "src/gateway/page/script.generated.ts",
      "worker/tools/node_modules/x/index.ts",
    ]
  ) {
    assertEquals(messages(path, functionOf(200, "declaration")), [], path);
  }
});
