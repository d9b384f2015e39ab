// `deno task test`: the whole test suite (tests and doc tests, in parallel) without the type-check
// chatter. It ends with Deno's counts, the suites that skipped themselves and why (tests/_skip.ts
// records them), and one plain line `tests: N passed, N failed, N skipped`. Extra arguments go to
// `deno test`.
const log = await Deno.makeTempFile({ prefix: "skipped-suites-" });
try {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["test", "-A", "--doc", "--parallel", "--quiet", ...Deno.args],
    env: { TEST_SKIPPED_LOG: log },
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  // Pass the output through as it comes, keeping its end for the counts.
  let tail = "";
  const decoder = new TextDecoder();
  for await (const bytes of child.stdout) {
    await Deno.stdout.write(bytes);
    tail = (tail + decoder.decode(bytes, { stream: true })).slice(-4096);
  }
  const { code } = await child.status;
  const skipped = [...new Set((await Deno.readTextFile(log)).split("\n"))]
    .filter((line) => line !== "").sort();
  console.log(
    skipped.length === 0
      ? "Skipped suites: none"
      : `Skipped suites (${skipped.length}):\n${
        skipped.map((s) => `  - ${s}`).join("\n")
      }`,
  );
  // deno test's summary: "ok | 303 passed (28 steps) | 0 failed | 1 ignored (15s)"
  // deno-lint-ignore no-control-regex -- the ESC of the colour codes deno test prints
  const plain = tail.replace(/\x1b\[[0-9;]*m/g, "");
  const count = (word: string) =>
    Number(
      plain.match(new RegExp(`(\\d+) ${word}`, "g"))?.at(-1)?.split(" ")[0] ??
        0,
    );
  console.log(
    `tests: ${count("passed")} passed, ${count("failed")} failed, ${
      count("ignored")
    } skipped`,
  );
  Deno.exitCode = code;
} finally {
  await Deno.remove(log);
}
