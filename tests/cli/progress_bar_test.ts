import { assertEquals } from "@std/assert";
import { progressMode } from "../../cli/io.ts";
import { ProgressBar } from "../../cli/output/progress_bar.ts";

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

Deno.test("ProgressBar draws a line, redraws it in place, and throttles updates", async () => {
  const { writes, writable } = collector();
  let now = 1000;
  const bar = new ProgressBar({
    writable,
    now: () => now,
    columns: () => 80,
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
    "\x1b[2Ka.bin  [░░░░░░░░░░░░░░░░░░░░]   0%       0 B / 4 KiB           --  ETA --\n",
    "\r\x1b[1A\x1b[J" +
    "\x1b[2Ka.bin  [██████████░░░░░░░░░░]  50%     2 KiB / 4 KiB     20 KiB/s  ETA 1s\n",
    "\r\x1b[1A\x1b[J" +
    "\x1b[2Ka.bin  [████████████████████] 100%     4 KiB / 4 KiB     20 KiB/s  done\n",
  ]);
});

Deno.test("ProgressBar draws one line per file, aligned, and logs text above them", async () => {
  const { writes, writable } = collector();
  const now = 0;
  const bar = new ProgressBar({ writable, now: () => now, columns: () => 80 });
  const a = bar.add("a.bin", 100);
  bar.add("longer.bin", 100 * 1024 * 1024);
  bar.log("a note");
  bar.remove(a);
  await bar.stop();
  const lineA =
    "\x1b[2Ka.bin       [░░░░░░░░░░░░░]   0%       0 B / 100 B             --  ETA --\n";
  const lineB =
    "\x1b[2Klonger.bin  [░░░░░░░░░░░░░]   0%       0 B / 100 MiB           --  ETA --\n";
  assertEquals(writes, [
    "\x1b[2Ka.bin  [░░░░░░░░░░░░░░░░░░░░]   0%       0 B / 100 B           --  ETA --\n",
    "\r\x1b[1A\x1b[J" + lineA + lineB,
    "\r\x1b[2A\x1b[J" + "a note\n" + lineA + lineB,
    "\r\x1b[2A\x1b[J" +
    "\x1b[2Klonger.bin  [░░░░░░░░░░░░░]   0%       0 B / 100 MiB           --  ETA --\n",
  ]);
});

Deno.test("ProgressBar shows a retry on its line and counts it down until it is due", async () => {
  const { writes, writable } = collector();
  let now = 0;
  const bar = new ProgressBar({ writable, now: () => now, columns: () => 40 });
  const id = bar.add("a.bin", 100);
  now = 1000;
  bar.update(id, 50);
  bar.retry(id, "HTTP 503", 2500);
  now = 4000; // past the retry: the line is itself again
  bar.render();
  await bar.stop();
  assertEquals(writes.slice(2), [
    "\r\x1b[1A\x1b[J\x1b[2Ka.bin  [█████░░░░░░]  50%  retry in 3s\n",
    "\r\x1b[1A\x1b[J\x1b[2Ka.bin  [█████░░░░░░]  50%  ETA 4s\n",
  ]);
});

Deno.test("ProgressBar pause erases the lines until resume; stop releases the stream", async () => {
  const { writes, writable } = collector();
  let now = 0;
  const bar = new ProgressBar({ writable, now: () => now, columns: () => 40 });
  const id = bar.add("a.bin", 100);
  await bar.pause();
  now = 1000;
  bar.update(id, 50); // paused: nothing drawn
  bar.resume();
  await bar.stop();
  assertEquals(writes, [
    "\x1b[2Ka.bin  [░░░░░░░░░░░]   0%  ETA --\n",
    "\r\x1b[1A\x1b[J",
    "\x1b[2Ka.bin  [█████░░░░░░]  50%  ETA 1s\n",
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

Deno.test("progress is drawn only on a terminal that can move its cursor", () => {
  assertEquals(progressMode(false, true, "xterm-256color"), "bar");
  assertEquals(progressMode(false, true, "dumb"), "plain");
  assertEquals(progressMode(false, false, "xterm"), "plain");
  assertEquals(progressMode(true, true, "xterm"), "quiet");
});
