// The upload page's script is bundled from src/gateway/page/script.ts (and uploadFile behind it) into the
// committed src/gateway/page/script.generated.ts; this fails when that file no longer matches its sources.
import { assertEquals } from "@std/assert";
import { pageScriptModule, TARGET } from "../../_tools/build_page.ts";

Deno.test("the committed upload page script matches its sources (else run `deno task build:page`)", async () => {
  const committed = await Deno.readTextFile(
    new URL(`../../${TARGET}`, import.meta.url),
  );
  const wanted = await pageScriptModule();
  assertEquals(
    committed === wanted,
    true,
    `${TARGET} is stale: run \`deno task build:page\` and commit it`,
  );
});
