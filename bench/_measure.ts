/** Runs `fn` `runs` times after one warm-up and returns the fastest time in milliseconds. */
export async function fastest(
  runs: number,
  fn: () => Promise<unknown>,
): Promise<number> {
  await fn();
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    best = Math.min(best, performance.now() - start);
  }
  return best;
}

/** Formats a throughput in MiB/s. */
export function mibPerSecond(bytes: number, ms: number): string {
  return `${(bytes / 1024 / 1024 / (ms / 1000)).toFixed(0)} MiB/s`;
}
