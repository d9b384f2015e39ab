// One way for a test suite to skip itself when a tool it needs is missing: it says why, and
// `deno task test` (_tools/run_tests.ts) lists every skipped suite with its reason after the counts.
// With REQUIRE_E2E=1 (CI) nothing skips: the suite runs and fails on the missing tool.

/** Whether CI asked for every end-to-end suite to run. */
export const REQUIRE_E2E = Deno.env.get("REQUIRE_E2E") === "1";

/**
 * Whether to skip `suite`: true when `reason` is set (and skipping is allowed), after recording the reason.
 *
 * @param suite What is skipped, as a person would name it.
 * @param reason Why, with how to get it to run; undefined when nothing is missing.
 * @param always Skip even under REQUIRE_E2E (for what cannot run on that machine at all, like a test that
 * needs a non-root user when CI runs as root).
 */
export function skipSuite(
  suite: string,
  reason: string | undefined,
  always = false,
): boolean {
  if (reason === undefined || (REQUIRE_E2E && !always)) return false;
  const line = `${suite}: ${reason}`;
  const log = Deno.env.get("TEST_SKIPPED_LOG");
  if (log) Deno.writeTextFileSync(log, line + "\n", { append: true });
  else console.warn(`Skipping ${line}`);
  return true;
}
