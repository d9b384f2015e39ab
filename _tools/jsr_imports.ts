/**
 * The import map a JSR release uses: every `@std/*` import pointed at a pinned `jsr:@std/*` version.
 * Development and CI map `@std/*` to `npm:deno-std` (our machines cannot reach JSR); a published package
 * must not depend on that repackage.
 *
 * @module
 */

/** The pinned JSR version of each std package the code imports. */
export const STD_VERSIONS: Readonly<Record<string, string>> = {
  assert: "1.0.19",
  async: "1.5.0",
  cli: "1.0.32",
  crypto: "1.1.0",
  encoding: "1.0.11",
  fmt: "1.0.10",
  path: "1.1.4",
  streams: "1.1.2",
};

/**
 * Maps `@std/<package>[/<export>]` keys to `jsr:@std/<package>@<version>[/<export>]`; other keys stay.
 *
 * @throws {RangeError} If an `@std` package has no pinned version.
 */
export function jsrImports(
  imports: Readonly<Record<string, string>>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(imports)) {
    const std = key.match(/^@std\/([a-z0-9-]+)(\/[a-z0-9-]+)?$/);
    if (std === null) {
      out[key] = value;
      continue;
    }
    const version = STD_VERSIONS[std[1]!];
    if (version === undefined) {
      throw new RangeError(
        `Cannot map ${key} to JSR: no pinned version for @std/${
          std[1]
        }; add it to STD_VERSIONS`,
      );
    }
    out[key] = `jsr:@std/${std[1]}@${version}${std[2] ?? ""}`;
  }
  return out;
}

/** The `@std/*` specifiers a source text imports, in code and in doc examples. */
export function stdSpecifiers(source: string): Set<string> {
  const found = new Set<string>();
  for (const match of source.matchAll(/from\s+"(@std\/[^"]+)"/g)) {
    found.add(match[1]!);
  }
  return found;
}
