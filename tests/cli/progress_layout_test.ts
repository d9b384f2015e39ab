import { assert, assertEquals } from "@std/assert";
import {
  humanBytes,
  humanDuration,
  humanTimeLeft,
} from "../../cli/output/human.ts";
import {
  columnsOf,
  progressLine,
  progressLines,
} from "../../cli/output/progress_layout.ts";

const MiB = 1024 * 1024;

Deno.test("progressLine shows name, bar, percent, bytes, rate and ETA", () => {
  assertEquals(
    progressLine({
      name: "a.bin",
      bytes: 30 * MiB,
      total: 100 * MiB,
      elapsed: 3000,
      width: 99,
    }),
    "a.bin  [█████████░░░░░░░░░░░░░░░░░░░░░]  30%    30 MiB / 100 MiB     10 MiB/s  ETA 7s",
  );
});

Deno.test("progressLine shows -- for rate and ETA until bytes arrive", () => {
  assertEquals(
    progressLine({
      name: "a.bin",
      bytes: 0,
      total: 100 * MiB,
      elapsed: 0,
      width: 99,
    }),
    "a.bin  [░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░]   0%       0 B / 100 MiB           --  ETA --",
  );
});

Deno.test("progressLine says done at 100%, and treats an empty file as done", () => {
  assertEquals(
    progressLine({
      name: "a.bin",
      bytes: 2048,
      total: 2048,
      elapsed: 500,
      width: 79,
    }),
    "a.bin  [████████████████████] 100%     2 KiB / 2 KiB      4 KiB/s  done",
  );
  assertEquals(
    progressLine({ name: "empty", bytes: 0, total: 0, elapsed: 0, width: 79 }),
    "empty  [██████████████████████] 100%       0 B / 0 B           --  done",
  );
});

Deno.test("progressLine leaves resumed bytes out of the rate", () => {
  assertEquals(
    progressLine({
      name: "a.bin",
      bytes: 60 * MiB,
      total: 100 * MiB,
      startBytes: 50 * MiB,
      elapsed: 2000,
      width: 99,
    }),
    "a.bin  [██████████████████░░░░░░░░░░░░]  60%    60 MiB / 100 MiB      5 MiB/s  ETA 8s",
  );
});

Deno.test("progressLine rounds the ETA up, in at most two units", () => {
  const line = (bytes: number, elapsed: number) =>
    progressLine({ name: "a", bytes, total: 100 * MiB, elapsed, width: 99 });
  assert(line(MiB, 1000).endsWith("  1 MiB/s  ETA 1m 39s"), line(MiB, 1000));
  assert(line(MiB, 100_000).endsWith("ETA 2h 45m"), line(MiB, 100_000));
  assertEquals(humanTimeLeft(59_001), "1m 0s");
  assertEquals(humanTimeLeft(90_000_000), "1d 1h");
});

Deno.test("at 40 columns a line keeps the percent and the ETA, and a short bar", () => {
  const name = "a-very-long-file-name-that-goes-on-and-on.tar.gz";
  assertEquals(
    progressLine({ name, bytes: 50, total: 100, elapsed: 1000, width: 39 }),
    "…-on.tar.gz  [██░░░]  50%  ETA 1s",
  );
  assertEquals(
    progressLine({
      name: "b.bin",
      bytes: 25,
      total: 100,
      elapsed: 1000,
      width: 39,
    }),
    "b.bin  [██░░░░░░░░░]  25%  ETA 3s",
  );
  // Narrower still: the bar goes, the percent and the ETA stay.
  assertEquals(
    progressLine({ name, bytes: 50, total: 100, elapsed: 1000, width: 29 }),
    "…n.tar.gz   50%  ETA 1s",
  );
});

Deno.test("lines drawn together share their columns, whatever their names and sizes", () => {
  for (const width of [39, 59, 79, 99, 139]) {
    const lines = progressLines([
      { name: "a.bin", bytes: MiB, total: 4 * MiB, elapsed: 1000 },
      {
        name: "videos/long-name.mp4",
        bytes: 50 * MiB,
        total: 100 * MiB,
        elapsed: 5000,
      },
      { name: "日本語.txt", bytes: 10, total: 1000, elapsed: 1000 },
    ], width);
    const columns = (line: string, mark: string) =>
      columnsOf(line.slice(0, line.indexOf(mark)));
    for (const line of lines) {
      assert(columnsOf(line) <= width, `${width}: ${line}`);
    }
    for (const mark of ["[", "]", "%"]) {
      assertEquals(
        new Set(lines.map((l) => columns(l, mark))).size,
        1,
        `${width} ${mark}:\n${lines.join("\n")}`,
      );
    }
  }
});

Deno.test("a line waiting for a retry says why and counts down", () => {
  assertEquals(
    progressLine({
      name: "a.bin",
      bytes: MiB,
      total: 4 * MiB,
      elapsed: 1000,
      retry: { reason: "HTTP 503", in: 2100 },
      width: 79,
    }),
    "a.bin  [█████░░░░░░░░░░░░░░░]  25%     1 MiB / 4 MiB     HTTP 503  retry in 3s",
  );
  assertEquals(
    progressLine({
      name: "a.bin",
      bytes: MiB,
      total: 4 * MiB,
      elapsed: 1000,
      retry: { reason: "no answer", in: 90_000 },
      width: 39,
    }),
    "a.bin  [██░░░░░░░░░]  25%  retry in 2m",
  );
});

Deno.test("wide characters take two columns", () => {
  assertEquals(columnsOf("日本"), 4);
  assertEquals(columnsOf("e\u0301"), 1);
  assertEquals(columnsOf("ab"), 2);
});

Deno.test("humanBytes and humanDuration", () => {
  assertEquals(humanBytes(0), "0 B");
  assertEquals(humanBytes(1023), "1023 B");
  assertEquals(humanBytes(1536), "1.5 KiB");
  assertEquals(humanBytes(256 * MiB), "256 MiB");
  assertEquals(humanBytes(1024 * MiB), "1 GiB");
  assertEquals(humanDuration(4), "0ms");
  assertEquals(humanDuration(340), "340ms");
  assertEquals(humanDuration(1049), "1s");
  assertEquals(humanDuration(12_345), "12s 300ms");
  assertEquals(humanDuration(3_723_456), "1h 2m 3s");
});
