/**
 * A network link for benchmarks and tests: a TCP proxy on loopback that adds a one-way delay and a shared
 * bandwidth cap to every byte, each direction, as an access link 20–100 ms away from a portal would. It
 * imports nothing from the rest of the project.
 *
 * Each chunk read from one side at time `t` is written to the other at `t + delayMs` (plus its time on the
 * wire when a cap is set), in order; the delay is a timestamp per segment, never a sleep per read, so it
 * does not add up. The cap is a token bucket with no burst, shared by every connection in that direction:
 * each chunk reserves `bytes × 8 / bandwidth` of wire time after whatever is already reserved, and a reader
 * stops reading while the wire's queue is longer than `queueMs` (the bottleneck's buffer). A connection's
 * delayed but unwritten bytes are bounded too (`maxBufferedBytes`): a slow side stops the other's reads.
 *
 * @module
 */

/** Options for {@linkcode startLink}. */
export interface LinkOptions {
  /**
   * Where to forward: `"127.0.0.1:8080"`, `"[::1]:8080"` or a URL (`http://127.0.0.1:8080`, whose port is
   * 80 or 443 when absent).
   */
  target: string | URL;
  /** The one-way delay in milliseconds, each direction. @default {0} */
  delayMs?: number;
  /**
   * The cap in bits per second, each direction, shared by all connections like one access link; no cap
   * when absent.
   */
  bandwidthBitsPerSecond?: number;
  /**
   * Whether a new connection costs one round trip (`2 × delayMs`) before its first byte leaves, as TCP's
   * handshake does. @default {true}
   */
  handshakeRoundTrip?: boolean;
  /**
   * How long the wire's queue may grow, in milliseconds of transmission, before readers stop reading
   * (only with a cap). @default {20}
   */
  queueMs?: number;
  /** Bytes one connection may hold, read but not yet written, per direction. @default {4194304} */
  maxBufferedBytes?: number;
  /** The interface to listen on. @default {"127.0.0.1"} */
  hostname?: string;
}

/** What passed through a link so far. */
export interface LinkStats {
  /** Connections accepted. */
  connections: number;
  /** Bytes written to the target (client → target). */
  bytesUp: number;
  /** Bytes written back to clients (target → client). */
  bytesDown: number;
}

/** A running link. Dispose of it (`await using`) or call `close()` to stop it. */
export interface RunningLink extends AsyncDisposable {
  /** Its origin, `http://HOST:PORT`: use it in place of the target's. */
  url: string;
  /** The port it listens on. */
  port: number;
  /** Counts so far. */
  stats(): LinkStats;
  /** Stops listening and closes every connection (data still delayed is dropped). */
  close(): Promise<void>;
}

const READ_SIZE = 64 * 1024;

/** One direction of the link: its delay, and its wire time when capped (shared by every connection). */
class Wire {
  #freeAt = 0;
  constructor(
    readonly delayMs: number,
    readonly bitsPerSecond: number | undefined,
    readonly queueMs: number,
  ) {}

  /** Reserves wire time for `bytes` read at `readAt`; returns when they arrive at the other side. */
  reserve(bytes: number, readAt: number): number {
    if (this.bitsPerSecond === undefined) return readAt + this.delayMs;
    const start = Math.max(readAt, this.#freeAt);
    this.#freeAt = start + (bytes * 8 * 1000) / this.bitsPerSecond;
    return this.#freeAt + this.delayMs;
  }

  /** How long a reader should wait before its next read, for the queue to shrink to `queueMs`. */
  backlog(now: number): number {
    if (this.bitsPerSecond === undefined) return 0;
    return this.#freeAt - this.queueMs - now;
  }
}

function parseTarget(target: string | URL): Deno.ConnectOptions {
  if (target instanceof URL || /^[a-z][a-z0-9+.-]*:\/\//i.test(target)) {
    const url = new URL(target);
    const port = url.port === ""
      ? (url.protocol === "https:" ? 443 : 80)
      : Number(url.port);
    return { hostname: url.hostname.replace(/^\[|\]$/g, ""), port };
  }
  const match = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(target);
  const port = Number(match?.[2]);
  if (!match || !(port > 0 && port <= 65535)) {
    throw new TypeError(
      `Cannot start link: target must be HOST:PORT or a URL, received ${
        JSON.stringify(target)
      }`,
    );
  }
  return { hostname: match[1]!, port };
}

function checkNumber(name: string, value: number, positive = false): void {
  if (!(Number.isFinite(value) && (positive ? value > 0 : value >= 0))) {
    throw new RangeError(
      `Cannot start link: ${name} must be a ${
        positive ? "positive" : "non-negative"
      } number, received ${value}`,
    );
  }
}

/** A timer that an abort signal cancels (resolving early), so closing leaves none behind. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(id);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const id = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

interface Segment {
  bytes: Uint8Array | null; // null: the end of the stream
  buffer?: Uint8Array<ArrayBuffer>; // the read buffer `bytes` is a view of, to reuse once written
  failed?: boolean; // the stream ended with an error: close the connection, not just its write half
  at: number;
}

/** Everything one accepted connection needs: both sockets, both directions, and how to end them. */
class Pair {
  readonly abort = new AbortController();
  #closed = false;
  constructor(readonly client: Deno.Conn, readonly server: Deno.Conn) {}

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.abort.abort();
    for (const conn of [this.client, this.server]) {
      try {
        conn.close();
      } catch { /* already closed */ }
    }
  }
}

/**
 * One direction of one connection: a reader that timestamps what it reads, and a writer that writes each
 * segment when its time comes. Memory: at most `maxBuffered` bytes (plus one read) wait in `queue`.
 */
async function pipe(
  pair: Pair,
  from: Deno.Conn,
  to: Deno.Conn,
  wire: Wire,
  notBefore: number,
  maxBuffered: number,
  count: (bytes: number) => void,
): Promise<void> {
  const signal = pair.abort.signal;
  const queue: Segment[] = [];
  const spare: Uint8Array<ArrayBuffer>[] = []; // written read buffers, reused: no allocation (nor GC) per read
  let buffered = 0;
  let lastAt = 0;
  let wakeReader: (() => void) | undefined;
  let wakeWriter: (() => void) | undefined;
  const push = (segment: Segment) => {
    segment.at = Math.max(segment.at, lastAt);
    lastAt = segment.at;
    queue.push(segment);
    wakeWriter?.();
  };
  const onAbort = () => {
    wakeReader?.();
    wakeWriter?.();
  };
  signal.addEventListener("abort", onAbort, { once: true });

  const reader = async () => {
    let buffer = new Uint8Array(READ_SIZE);
    while (!signal.aborted) {
      while (buffered >= maxBuffered && !signal.aborted) {
        await new Promise<void>((resolve) => (wakeReader = resolve));
        wakeReader = undefined;
      }
      await sleep(wire.backlog(performance.now()), signal);
      if (signal.aborted) return;
      let n: number | null;
      try {
        n = await from.read(buffer);
      } catch {
        push({ bytes: null, failed: true, at: performance.now() });
        return;
      }
      const now = Math.max(performance.now(), notBefore);
      if (n === null) {
        push({ bytes: null, at: now + wire.delayMs });
        return;
      }
      const at = wire.reserve(n, now);
      buffered += n;
      if (n >= READ_SIZE / 4) {
        // Hand the buffer over to the writer, who gives it back once written; take a spare one.
        push({ bytes: buffer.subarray(0, n), buffer, at });
        buffer = spare.pop() ?? new Uint8Array(READ_SIZE);
      } else {
        push({ bytes: buffer.slice(0, n), at }); // a small read: copy it, keep the buffer
      }
    }
  };

  const writer = async () => {
    while (!signal.aborted) {
      const segment = queue.shift();
      if (segment === undefined) {
        await new Promise<void>((resolve) => (wakeWriter = resolve));
        wakeWriter = undefined;
        continue;
      }
      await sleep(segment.at - performance.now(), signal);
      if (signal.aborted) return;
      if (segment.bytes === null) {
        if (segment.failed) return pair.close();
        try {
          await to.closeWrite();
        } catch {
          pair.close();
        }
        return;
      }
      try {
        for (let at = 0; at < segment.bytes.length;) {
          at += await to.write(segment.bytes.subarray(at));
        }
      } catch {
        return pair.close();
      }
      count(segment.bytes.length);
      buffered -= segment.bytes.length;
      if (segment.buffer !== undefined) spare.push(segment.buffer);
      wakeReader?.();
    }
  };

  try {
    await Promise.all([reader(), writer()]);
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

/**
 * Starts a link: a TCP proxy on loopback to `target` with a one-way delay and a shared bandwidth cap per
 * direction, and optionally a handshake round trip per new connection.
 *
 * @param options The target, the delay, the cap.
 * @returns The running link: its URL, its counts, and how to close it.
 * @throws {TypeError} If the target is not `HOST:PORT` or a URL.
 * @throws {RangeError} If a delay, cap or bound is out of range.
 *
 * @example A request through a 20 ms link takes a round trip and a handshake
 * ```ts
 * import { startLink } from "@docspace-tools/upload/testing";
 * import { assert, assertEquals } from "@std/assert";
 *
 * await using server = Deno.serve({ port: 0, onListen() {} }, () => new Response("hello"));
 * await using link = await startLink({ target: `127.0.0.1:${server.addr.port}`, delayMs: 20 });
 * const start = performance.now();
 * const response = await fetch(link.url);
 * assertEquals(await response.text(), "hello");
 * assert(performance.now() - start >= 80); // 2 × 20 ms handshake, then 20 ms there and 20 ms back
 * assertEquals(link.stats().connections, 1);
 * ```
 */
export function startLink(options: LinkOptions): Promise<RunningLink> {
  const target = parseTarget(options.target);
  const delayMs = options.delayMs ?? 0;
  const queueMs = options.queueMs ?? 20;
  const maxBuffered = options.maxBufferedBytes ?? 4 * 1024 * 1024;
  const cap = options.bandwidthBitsPerSecond;
  checkNumber("delayMs", delayMs);
  checkNumber("queueMs", queueMs);
  checkNumber("maxBufferedBytes", maxBuffered, true);
  if (cap !== undefined) checkNumber("bandwidthBitsPerSecond", cap, true);
  const handshake = options.handshakeRoundTrip ?? true;
  const up = new Wire(delayMs, cap, queueMs);
  const down = new Wire(delayMs, cap, queueMs);
  const stats: LinkStats = { connections: 0, bytesUp: 0, bytesDown: 0 };
  const pairs = new Set<Pair>();
  const tasks = new Set<Promise<void>>();
  const listener = Deno.listen({
    hostname: options.hostname ?? "127.0.0.1",
    port: 0,
  });
  const { port, hostname } = listener.addr;

  const serve = async (client: Deno.Conn) => {
    stats.connections++;
    const accepted = performance.now();
    let server: Deno.Conn;
    try {
      server = await Deno.connect(target);
    } catch {
      client.close();
      return;
    }
    const pair = new Pair(client, server);
    pairs.add(pair);
    if (closing) pair.close();
    try {
      await Promise.all([
        pipe(
          pair,
          client,
          server,
          up,
          handshake ? accepted + 2 * delayMs : 0,
          maxBuffered,
          (n) => (stats.bytesUp += n),
        ),
        pipe(
          pair,
          server,
          client,
          down,
          0,
          maxBuffered,
          (n) => (stats.bytesDown += n),
        ),
      ]);
    } finally {
      pair.close();
      pairs.delete(pair);
    }
  };

  let closing = false;
  const accepting = (async () => {
    try {
      for await (const conn of listener) {
        const task = serve(conn).catch(() => {});
        tasks.add(task);
        task.finally(() => tasks.delete(task));
      }
    } catch {
      // the listener was closed
    }
  })();

  let closed: Promise<void> | undefined;
  const close = (): Promise<void> =>
    closed ??= (async () => {
      closing = true;
      try {
        listener.close();
      } catch { /* already closed */ }
      await accepting;
      for (const pair of pairs) pair.close();
      while (tasks.size > 0) await Promise.all(tasks);
    })();

  const host = hostname.includes(":") ? `[${hostname}]` : hostname;
  return Promise.resolve({
    url: `http://${host}:${port}`,
    port,
    stats: () => ({ ...stats }),
    close,
    [Symbol.asyncDispose]: close,
  });
}
