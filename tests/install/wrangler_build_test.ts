// wrangler.toml's build finds Deno however the README installed it: here with no `deno` on PATH and no DENO,
// as when Deno comes from `npx -y deno@2.9.6`, `wrangler deploy --dry-run` still bundles the Worker.
import { assert, assertStringIncludes } from "@std/assert";
import { delimiter, join } from "node:path";
import { requireTools, skip, wrangler } from "../gateway/_worker_e2e.ts";
import { copyCheckout, scratchDir } from "./_scratch.ts";

/** PATH without any folder that holds a `deno`. */
function pathWithoutDeno(): string {
  return (Deno.env.get("PATH") ?? "").split(delimiter).filter((dir) => {
    try {
      Deno.statSync(join(dir, "deno"));
      return false;
    } catch {
      return dir !== "";
    }
  }).join(delimiter);
}

Deno.test({
  name:
    "wrangler deploy --dry-run builds the Worker with no deno on PATH (Deno through npx)",
  ignore: skip("wrangler build without deno on PATH", "wrangler"),
  async fn() {
    requireTools("wrangler");
    await using work = await scratchDir("docspace-wrangler-");
    const clone = join(work.path, "docspace-upload");
    await copyCheckout(clone);
    const PATH = pathWithoutDeno();
    const probe = await new Deno.Command("sh", {
      args: ["-c", "command -v deno"],
      env: { PATH },
      stdout: "null",
    }).output();
    assert(!probe.success, "deno is still on PATH");
    const out = join(work.path, "out");
    const { success, output } = await wrangler(
      ["deploy", "--dry-run", "--outdir", out],
      join(clone, "worker"),
      { PATH, DENO: "" },
    );
    assert(success, output);
    assertStringIncludes(output, "--dry-run: exiting now.");
    assert((await Deno.stat(join(out, "worker.js"))).size > 10_000);
  },
});
