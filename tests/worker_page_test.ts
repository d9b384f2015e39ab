// The upload page's script is bundled from src/_gateway_page_client.ts (and uploadFile behind it) into the
// committed src/_gateway_page_script.ts; this fails when that file no longer matches its sources.
import { assertEquals } from "@std/assert";
import { pageScriptModule, TARGET } from "../worker/build_page.ts";

Deno.test("the committed upload page script matches its sources (else run `deno task build:page`)", async () => {
  const committed = await Deno.readTextFile(
    new URL(`../${TARGET}`, import.meta.url),
  );
  const wanted = await pageScriptModule();
  assertEquals(
    committed === wanted,
    true,
    `${TARGET} is stale: run \`deno task build:page\` and commit it`,
  );
});
