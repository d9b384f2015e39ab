// `deno task build:npm [dir]` (default dist/npm): the library as an npm package for Node 20+ (and bundlers):
// ESM bundles with .d.ts types, no dependencies, no Deno globals. Then `npm pack dist/npm` makes the tarball.
//
// Entries: "." (mod.ts, the library) and "./node-fetch" (node_fetch.ts). The emulator (./testing) and the
// gateway are Deno-first and stay JSR-only. `deno bundle --declaration` writes the types; it type-checks
// with Deno's Node types, whose https.AgentOptions conflicts with exactOptionalPropertyTypes, so the build
// reads a copy of deno.json with `skipLibCheck` (deno check . still checks the sources strictly).
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** The package's entry points: export path → source file. */
export const NPM_ENTRIES: Readonly<Record<string, string>> = {
  ".": "mod.ts",
  "./node-fetch": "node_fetch.ts",
};

/**
 * Types the declaration bundle imports from internal modules it does not include, each only used by an
 * internal export (`uploadThrough(portal: SharedPortal, …)`); the build declares them opaque. Any other
 * such import fails the build, so a public type can never silently become `unknown`.
 */
const INTERNAL_TYPES = new Set(["SharedPortal"]);

/** The package.json of the npm package, from deno.json's name, version and license. */
export function packageJson(
  config: { name: string; version: string; license?: string },
): Record<string, unknown> {
  const exports: Record<string, { types: string; default: string }> = {};
  for (const [path, source] of Object.entries(NPM_ENTRIES)) {
    const base = "./" + source.replace(/\.ts$/, "");
    exports[path] = { types: `${base}.d.ts`, default: `${base}.js` };
  }
  return {
    name: config.name,
    version: config.version,
    description:
      "Stream any file or ReadableStream into ONLYOFFICE DocSpace's chunked upload sessions",
    license: config.license ?? "MIT",
    type: "module",
    exports,
    main: "./mod.js",
    types: "./mod.d.ts",
    sideEffects: false,
    engines: { node: ">=20" },
    keywords: ["onlyoffice", "docspace", "upload", "chunked", "stream"],
  };
}

/** Rewrites a declaration bundle's imports of internal modules; throws on one that is not known internal. */
export function fixDeclarations(source: string, file: string): string {
  return source.replace(
    /^import \{([^}]*)\} from "(\.[^"]*)";$/gm,
    (line, names: string, from: string) => {
      const types = names.split(",").map((name) =>
        name.trim().replace(/^type\s+/, "")
      ).filter((name) => name !== "");
      const unknown = types.filter((name) => !INTERNAL_TYPES.has(name));
      if (unknown.length > 0) {
        throw new Error(
          `${file}: the declarations import ${
            unknown.join(", ")
          } from ${from}, which the bundle does not include: ${line}`,
        );
      }
      return types.map((name) =>
        `/** Internal to the library. */\ntype ${name} = unknown;`
      ).join("\n");
    },
  );
}

/** `Deno.` uses a bundle may keep: std's `delay` calls `Deno.unrefTimer` only for `persistent: false`,
 * which this library never passes, inside a try that catches the ReferenceError outside Deno. */
const ALLOWED_DENO = /Deno\.unrefTimer\(/g;

/** Throws when a bundle reaches for a Deno global. */
export function assertNoDenoGlobals(code: string, file: string): void {
  const uses = code.replace(ALLOWED_DENO, "").match(/\bDeno\.[A-Za-z]+/g);
  if (uses !== null) {
    throw new Error(
      `${file} uses Deno globals, which Node does not have: ${
        [...new Set(uses)].join(", ")
      }`,
    );
  }
}

/** Builds the package into `outDir` (emptied first). */
export async function buildNpm(outDir: string): Promise<void> {
  const config = JSON.parse(
    await Deno.readTextFile(join(ROOT, "deno.json")),
  );
  await Deno.remove(outDir, { recursive: true }).catch((error) => {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  });
  await Deno.mkdir(outDir, { recursive: true });
  const buildConfig = join(ROOT, "deno.npm.json");
  await Deno.writeTextFile(
    buildConfig,
    JSON.stringify({
      ...config,
      compilerOptions: { ...config.compilerOptions, skipLibCheck: true },
    }),
  );
  try {
    const { success, stderr } = await new Deno.Command(Deno.execPath(), {
      args: [
        "bundle",
        "--quiet",
        "--config",
        buildConfig,
        "--platform",
        "browser",
        "--code-splitting",
        "--declaration",
        "--outdir",
        outDir,
        ...Object.values(NPM_ENTRIES),
      ],
      cwd: ROOT,
      stdout: "inherit",
      stderr: "piped",
    }).output();
    if (!success) {
      throw new Error(
        `deno bundle failed:\n${new TextDecoder().decode(stderr)}`,
      );
    }
  } finally {
    await Deno.remove(buildConfig);
  }
  for (const source of Object.values(NPM_ENTRIES)) {
    const base = join(outDir, source.replace(/\.ts$/, ""));
    assertNoDenoGlobals(await Deno.readTextFile(`${base}.js`), `${base}.js`);
    const types = `${base}.d.ts`;
    await Deno.writeTextFile(
      types,
      fixDeclarations(await Deno.readTextFile(types), types),
    );
  }
  await Deno.writeTextFile(
    join(outDir, "package.json"),
    JSON.stringify(packageJson(config), null, 2) + "\n",
  );
  await Deno.copyFile(join(ROOT, "README.md"), join(outDir, "README.md"));
}

if (import.meta.main) {
  const outDir = resolve(Deno.args[0] ?? join(ROOT, "dist/npm"));
  await buildNpm(outDir);
  console.log(
    `Built the npm package in ${outDir}; \`npm pack ${outDir}\` makes its tarball.`,
  );
}
