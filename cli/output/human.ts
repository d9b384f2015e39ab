/**
 * Sizes, durations, times left and counts, written for people.
 *
 * @module
 */
import { format as formatBytes } from "@std/fmt/bytes";
import { format as formatDuration } from "@std/fmt/duration";

/**
 * A byte count for people, in binary units: `"0 B"`, `"2 KiB"`, `"12.5 MiB"`.
 *
 * @param n The number of bytes.
 * @returns The count with its unit.
 *
 * @example Format a few sizes
 * ```ts
 * import { humanBytes } from "./human.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(humanBytes(0), "0 B");
 * assertEquals(humanBytes(2048), "2 KiB");
 * assertEquals(humanBytes(13_107_200), "12.5 MiB");
 * ```
 */
export function humanBytes(n: number): string {
  // std keeps 3 significant digits (1023 B would read "1020 B") and writes the binary kilo "kiB".
  if (n < 1024) return `${Math.round(n)} B`;
  return formatBytes(n, { binary: true }).replace(/ kiB$/, " KiB");
}

/**
 * A duration for people, rounded to what matters: whole seconds from a minute up, tenths of a second
 * from a second up, hundredths below.
 *
 * @param ms The duration in milliseconds.
 * @returns Like `"1m 5s"`, `"4s 500ms"`, `"30ms"` or `"0ms"`.
 *
 * @example Round a few durations
 * ```ts
 * import { humanDuration } from "./human.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(humanDuration(65_400), "1m 5s");
 * assertEquals(humanDuration(4_530), "4s 500ms");
 * assertEquals(humanDuration(34), "30ms");
 * assertEquals(humanDuration(0), "0ms");
 * ```
 */
export function humanDuration(ms: number): string {
  const step = ms >= 60_000 ? 1000 : ms >= 1000 ? 100 : 10;
  const rounded = Math.round(ms / step) * step;
  return rounded <= 0
    ? "0ms"
    : formatDuration(rounded, { style: "narrow", ignoreZero: true });
}

/**
 * A time left, rounded up, in at most two units and seven characters: `"15s"`, `"1m 5s"`, `"2h 10m"`,
 * `"3d 4h"`.
 *
 * @param ms The time left in milliseconds.
 * @returns The time, at least `"1s"`.
 *
 * @example Times left
 * ```ts
 * import { humanTimeLeft } from "./human.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(humanTimeLeft(14_200), "15s");
 * assertEquals(humanTimeLeft(65_000), "1m 5s");
 * assertEquals(humanTimeLeft(7_800_000), "2h 10m");
 * ```
 */
export function humanTimeLeft(ms: number): string {
  const s = Math.max(1, Math.ceil(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  const m = Math.ceil(s / 60);
  if (m < 24 * 60) return `${Math.floor(m / 60)}h ${m % 60}m`;
  const h = Math.ceil(m / 60);
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/**
 * A count and its noun, singular for one: `"1 file"`, `"3 files"`.
 *
 * @param n The count.
 * @param one The noun for one.
 * @param many The noun for any other count; `one` and an `s` by default.
 * @returns The count and the noun.
 *
 * @example Counts
 * ```ts
 * import { plural } from "./human.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(plural(1, "file"), "1 file");
 * assertEquals(plural(0, "file"), "0 files");
 * assertEquals(plural(2, "directory", "directories"), "2 directories");
 * ```
 */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
