// A lint rule (a `deno lint` plugin, in deno.json) that keeps functions short: none in the product's code
// (src/, cli/, worker/ and the root entry points) may be longer than MAX_LINES, signature to closing brace, a
// class method and an arrow function included, nested functions counted in the one that holds them. A long
// function is split into named steps; tests, benchmarks and tools are not held to it.

/** The longest a function may be, in lines. */
export const MAX_LINES = 60;

/** Folders whose functions the rule measures (paths relative to the project's root). */
const MEASURED = ["src/", "cli/", "worker/"];

/** Whether the rule measures the file at `filename` (an absolute path). */
export function isMeasured(filename: string, root: string): boolean {
  const path = filename.replaceAll("\\", "/");
  if (!path.startsWith(root)) return false;
  const relative = path.slice(root.length);
  if (
    relative.includes("/node_modules/") || relative.endsWith(".generated.ts")
  ) {
    return false;
  }
  return MEASURED.some((folder) => relative.startsWith(folder)) ||
    !relative.includes("/");
}

const ROOT = new URL("../../", import.meta.url).pathname;

const plugin: Deno.lint.Plugin = {
  name: "size",
  rules: {
    "function-length": {
      create(context) {
        if (!isMeasured(context.filename, ROOT)) return {};
        const check = (node: Deno.lint.Node) => {
          const lines = context.sourceCode.getText(node).split("\n").length;
          if (lines > MAX_LINES) {
            context.report({
              node,
              message:
                `This function is ${lines} lines long; at most ${MAX_LINES}`,
              hint:
                "Split it into named steps (small functions with names from the domain)",
            });
          }
        };
        return {
          FunctionDeclaration: check,
          FunctionExpression: check,
          ArrowFunctionExpression: check,
        };
      },
    },
  },
};

export default plugin;
