import { assertEquals } from "@std/assert";
import {
  humanBytes,
  humanDuration,
  ProgressBar,
  progressLine,
} from "../../cli/progress_bar.ts";

const MiB = 1024 * 1024;

function collector() {
  const writes: string[] = [];
  const decoder = new TextDecoder();
  const writable = new WritableStream<Uint8Array>({
    write(chunk) {
      writes.push(decoder.decode(chunk));
    },
  });
  return { writes, writable };
}

Deno.test("progressLine shows name, bar, percent, bytes, rate and ETA", () => {
  assertEquals(
    progressLine({
      name: "a.bin",
      bytes: 30 * MiB,
      total: 100 * MiB,
      elapsed: 3000,
      width: 90,
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
      width: 90,
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
      width: 70,
    }),
    "a.bin  [█████████████] 100%     2 KiB / 2 KiB      4 KiB/s  done",
  );
  assertEquals(
    progressLine({ name: "empty", bytes: 0, total: 0, elapsed: 0, width: 70 }),
    "empty  [███████████████] 100%       0 B / 0 B           --  done",
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
      width: 90,
    }),
    "a.bin  [██████████████████░░░░░░░░░░░░]  60%    60 MiB / 100 MiB      5 MiB/s  ETA 8s",
  );
});

Deno.test("progressLine rounds the ETA up to whole seconds and minutes", () => {
  const line = progressLine({
    name: "a",
    bytes: MiB,
    total: 100 * MiB,
    elapsed: 1000,
    width: 90,
  });
  assertEquals(line.endsWith("  1 MiB/s  ETA 1m 39s"), true, line);
});

Deno.test("progressLine cuts a long name from the start and drops the bar when the line is narrow", () => {
  const name = "a-very-long-file-name-that-goes-on-and-on.tar.gz";
  assertEquals(
    progressLine({ name, bytes: 50, total: 100, elapsed: 1000, width: 80 }),
    "…es-on-and-on.tar.gz  [████░░░░]  50%      50 B / 100 B       50 B/s  ETA 1s",
  );
  assertEquals(
    progressLine({ name, bytes: 50, total: 100, elapsed: 1000, width: 60 }),
    "…-and-on.tar.gz   50%      50 B / 100 B       50 B/s  ETA 1s",
  );
  assertEquals(
    progressLine({ name, bytes: 50, total: 100, elapsed: 1000, width: 30 }),
    "…d-on.tar.gz   50%      50 B …",
  );
});

Deno.test("progressLine pads names to a shared width", () => {
  assertEquals(
    progressLine({
      name: "a",
      bytes: 1,
      total: 2,
      elapsed: 1000,
      width: 80,
      nameWidth: 6,
    }),
    "a       [████████████░░░░░░░░░░░░]  50%       1 B / 2 B        1 B/s  ETA 1s",
  );
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

Deno.test("ProgressBar draws a line, redraws it in place, and throttles updates", async () => {
  const { writes, writable } = collector();
  let now = 1000;
  const bar = new ProgressBar({
    writable,
    now: () => now,
    columns: () => 71,
    interval: 100,
  });
  const id = bar.add("a.bin", 4096);
  now += 50;
  bar.update(id, 1024); // 50 ms after the last draw: not drawn
  now += 50;
  bar.update(id, 2048); // 100 ms: drawn
  now += 100;
  bar.update(id, 4096); // complete: drawn at once
  await bar.stop();
  assertEquals(writes, [
    "\x1b[2Ka.bin  [░░░░░░░░░░░░░]   0%       0 B / 4 KiB           --  ETA --\n",
    "\r\x1b[1A\x1b[J" +
    "\x1b[2Ka.bin  [██████░░░░░░░]  50%     2 KiB / 4 KiB     20 KiB/s  ETA 1s\n",
    "\r\x1b[1A\x1b[J" +
    "\x1b[2Ka.bin  [█████████████] 100%     4 KiB / 4 KiB     20 KiB/s  done\n",
  ]);
});

Deno.test("ProgressBar draws one line per file, aligned, and logs text above them", async () => {
  const { writes, writable } = collector();
  const now = 0;
  const bar = new ProgressBar({ writable, now: () => now, columns: () => 71 });
  const a = bar.add("a.bin", 100);
  bar.add("longer.bin", 100);
  bar.log("a note");
  bar.remove(a);
  await bar.stop();
  const lineA =
    "\x1b[2Ka.bin       [░░░░░░░░]   0%       0 B / 100 B           --  ETA --\n";
  const lineB =
    "\x1b[2Klonger.bin  [░░░░░░░░]   0%       0 B / 100 B           --  ETA --\n";
  assertEquals(writes, [
    "\x1b[2Ka.bin  [░░░░░░░░░░░░░]   0%       0 B / 100 B           --  ETA --\n",
    "\r\x1b[1A\x1b[J" + lineA + lineB,
    "\r\x1b[2A\x1b[J" + "a note\n" + lineA + lineB,
    "\r\x1b[2A\x1b[J" + lineB,
  ]);
});

Deno.test("ProgressBar pause erases the lines until resume; stop releases the stream", async () => {
  const { writes, writable } = collector();
  let now = 0;
  const bar = new ProgressBar({ writable, now: () => now, columns: () => 71 });
  const id = bar.add("a.bin", 100);
  await bar.pause();
  now = 1000;
  bar.update(id, 50); // paused: nothing drawn
  bar.resume();
  await bar.stop();
  assertEquals(writes, [
    "\x1b[2Ka.bin  [░░░░░░░░░░░░░]   0%       0 B / 100 B           --  ETA --\n",
    "\r\x1b[1A\x1b[J",
    "\x1b[2Ka.bin  [██████░░░░░░░]  50%      50 B / 100 B       50 B/s  ETA 1s\n",
  ]);
  // The stream is free again.
  const writer = writable.getWriter();
  await writer.write(new TextEncoder().encode("after"));
  assertEquals(writes.at(-1), "after");
});

Deno.test("ProgressBar writes nothing when nothing was added or logged", async () => {
  const { writes, writable } = collector();
  const bar = new ProgressBar({ writable });
  await bar.pause();
  bar.resume();
  await bar.stop();
  assertEquals(writes, []);
});
