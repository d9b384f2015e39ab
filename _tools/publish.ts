// `deno task publish`: publishes to JSR with every `@std/*` import mapped to a pinned `jsr:@std/*`
// module, from a copy of deno.json, so the npm repackage used for development never reaches users.
// Extra arguments go to `deno publish` (for example `--dry-run`).
import { jsrImports } from "./jsr_imports.ts";

const config = JSON.parse(await Deno.readTextFile("deno.json"));
config.imports = jsrImports(config.imports);
const path = "deno.publish.json";
await Deno.writeTextFile(path, JSON.stringify(config, null, 2) + "\n");
try {
  const { code } = await new Deno.Command(Deno.execPath(), {
    args: ["publish", "--config", path, ...Deno.args],
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  Deno.exitCode = code;
} finally {
  await Deno.remove(path);
}
