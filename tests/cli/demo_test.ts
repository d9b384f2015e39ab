// `deno task demo` (cli/demo.ts): the upload is paced so the progress can be seen, and without a
// terminal the CLI prints plain progress lines.
import { assert, assertMatch, assertStringIncludes } from "@std/assert";
import { ROOT } from "./_run.ts";

Deno.test("the demo paces its upload and, without a terminal, prints plain progress lines", async () => {
  const started = performance.now();
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}cli/demo.ts`, "8", "3"],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const seconds = (performance.now() - started) / 1000;
  const stdout = new TextDecoder().decode(output.stdout);
  const stderr = new TextDecoder().decode(output.stderr);
  assert(output.success, stderr);
  assertStringIncludes(stdout, "Match: the upload is byte-exact.");
  assertMatch(
    stderr,
    /paced like a 2\.67 MiB\/s link\)\nUploading 8 MiB of random bytes from\n {2}\//,
  );
  assertMatch(stderr, /\nUploading demo\.bin \(8 MiB\)\n/);
  // About 3 seconds of upload: a line at most once a second, at whole tenths.
  assertMatch(
    stderr,
    /\ndemo\.bin: \d0% \([\d.]+ (KiB|MiB) of 8 MiB, [\d.]+ (KiB|MiB)\/s, ETA \d+s\)\n/,
  );
  assert(seconds >= 2.5, `took ${seconds.toFixed(1)} s`);
});
