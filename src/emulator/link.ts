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

/** How one direction of one connection flows: its wire, when it may start, its bound, its counter. */
interface Flow {
  wire: Wire;
  /** No byte leaves before this time (the handshake's round trip). */
  notBefore: number;
  maxBuffered: number;
  count: (bytes: number) => void;
}

/**
 * One direction of one connection: a reader that timestamps what it reads, and a writer that writes each
 * segment when its time comes. Memory: at most `maxBuffered` bytes (plus one read) wait in the queue.
 */
class Pipe {
  readonly #queue: Segment[] = [];
  /** Written read buffers, reused: no allocation (nor GC) per read. */
  readonly #spare: Uint8Array<ArrayBuffer>[] = [];
  #buffered = 0;
  #lastAt = 0;
  #wakeReader: (() => void) | undefined;
  #wakeWriter: (() => void) | undefined;

  constructor(
    readonly pair: Pair,
    readonly from: Deno.Conn,
    readonly to: Deno.Conn,
    readonly flow: Flow,
  ) {}

  /** Carries bytes until either side ends or the pair is closed. */
  async run(): Promise<void> {
    const signal = this.pair.abort.signal;
    const onAbort = () => {
      this.#wakeReader?.();
      this.#wakeWriter?.();
    };
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      await Promise.all([this.#read(signal), this.#write(signal)]);
    } finally {
      signal.removeEventListener("abort", onAbort);
    }
  }

  #push(segment: Segment): void {
    segment.at = Math.max(segment.at, this.#lastAt);
    this.#lastAt = segment.at;
    this.#queue.push(segment);
    this.#wakeWriter?.();
  }

  async #read(signal: AbortSignal): Promise<void> {
    const { wire, notBefore } = this.flow;
    let buffer = new Uint8Array(READ_SIZE);
    while (!signal.aborted) {
      await this.#roomToRead(signal);
      if (signal.aborted) return;
      let n: number | null;
      try {
        n = await this.from.read(buffer);
      } catch {
        this.#push({ bytes: null, failed: true, at: performance.now() });
        return;
      }
      const now = Math.max(performance.now(), notBefore);
      if (n === null) {
        this.#push({ bytes: null, at: now + wire.delayMs });
        return;
      }
      buffer = this.#queueRead(buffer, n, now);
    }
  }

  /** Waits while this connection holds too many bytes, then while the wire's queue is too long. */
  async #roomToRead(signal: AbortSignal): Promise<void> {
    while (this.#buffered >= this.flow.maxBuffered && !signal.aborted) {
      await new Promise<void>((resolve) => (this.#wakeReader = resolve));
      this.#wakeReader = undefined;
    }
    await sleep(this.flow.wire.backlog(performance.now()), signal);
  }

  /** Queues `n` bytes read into `buffer` at `now`; returns the buffer for the next read. */
  #queueRead(
    buffer: Uint8Array<ArrayBuffer>,
    n: number,
    now: number,
  ): Uint8Array<ArrayBuffer> {
    const at = this.flow.wire.reserve(n, now);
    this.#buffered += n;
    if (n >= READ_SIZE / 4) {
      // Hand the buffer over to the writer, who gives it back once written; take a spare one.
      this.#push({ bytes: buffer.subarray(0, n), buffer, at });
      return this.#spare.pop() ?? new Uint8Array(READ_SIZE);
    }
    this.#push({ bytes: buffer.slice(0, n), at }); // a small read: copy it, keep the buffer
    return buffer;
  }

  async #write(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const segment = this.#queue.shift();
      if (segment === undefined) {
        await new Promise<void>((resolve) => (this.#wakeWriter = resolve));
        this.#wakeWriter = undefined;
        continue;
      }
      await sleep(segment.at - performance.now(), signal);
      if (signal.aborted) return;
      const { bytes } = segment;
      if (bytes === null) return await this.#end(segment.failed === true);
      try {
        for (let at = 0; at < bytes.length;) {
          at += await this.to.write(bytes.subarray(at));
        }
      } catch {
        return this.pair.close();
      }
      this.flow.count(bytes.length);
      this.#buffered -= bytes.length;
      if (segment.buffer !== undefined) this.#spare.push(segment.buffer);
      this.#wakeReader?.();
    }
  }

  /** The end of the stream: the write half closed, or the whole connection after an error. */
  async #end(failed: boolean): Promise<void> {
    if (failed) return this.pair.close();
    try {
      await this.to.closeWrite();
    } catch {
      this.pair.close();
    }
  }
}

/** A link's options, checked, with defaults filled in. */
interface LinkSettings {
  target: Deno.ConnectOptions;
  delayMs: number;
  handshake: boolean;
  maxBuffered: number;
  up: Wire;
  down: Wire;
}

function linkSettings(options: LinkOptions): LinkSettings {
  const target = parseTarget(options.target);
  const delayMs = options.delayMs ?? 0;
  const queueMs = options.queueMs ?? 20;
  const maxBuffered = options.maxBufferedBytes ?? 4 * 1024 * 1024;
  const cap = options.bandwidthBitsPerSecond;
  checkNumber("delayMs", delayMs);
  checkNumber("queueMs", queueMs);
  checkNumber("maxBufferedBytes", maxBuffered, true);
  if (cap !== undefined) checkNumber("bandwidthBitsPerSecond", cap, true);
  return {
    target,
    delayMs,
    handshake: options.handshakeRoundTrip ?? true,
    maxBuffered,
    up: new Wire(delayMs, cap, queueMs),
    down: new Wire(delayMs, cap, queueMs),
  };
}

/** The proxy: it accepts connections, pipes each to the target, counts, and closes them all. */
class Link {
  readonly stats: LinkStats = { connections: 0, bytesUp: 0, bytesDown: 0 };
  readonly #pairs = new Set<Pair>();
  readonly #tasks = new Set<Promise<void>>();
  readonly #accepting: Promise<void>;
  #closing = false;
  #closed: Promise<void> | undefined;

  constructor(
    readonly settings: LinkSettings,
    readonly listener: Deno.Listener,
  ) {
    this.#accepting = this.#accept();
  }

  async #accept(): Promise<void> {
    try {
      for await (const conn of this.listener) {
        const task = this.#serve(conn).catch(() => {});
        this.#tasks.add(task);
        task.finally(() => this.#tasks.delete(task));
      }
    } catch {
      // the listener was closed
    }
  }

  async #serve(client: Deno.Conn): Promise<void> {
    const { target, up, down, handshake, delayMs, maxBuffered } = this.settings;
    const stats = this.stats;
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
    this.#pairs.add(pair);
    if (this.#closing) pair.close();
    try {
      await Promise.all([
        new Pipe(pair, client, server, {
          wire: up,
          notBefore: handshake ? accepted + 2 * delayMs : 0,
          maxBuffered,
          count: (n) => (stats.bytesUp += n),
        }).run(),
        new Pipe(pair, server, client, {
          wire: down,
          notBefore: 0,
          maxBuffered,
          count: (n) => (stats.bytesDown += n),
        }).run(),
      ]);
    } finally {
      pair.close();
      this.#pairs.delete(pair);
    }
  }

  /** Stops listening and closes every connection; once. */
  close(): Promise<void> {
    return this.#closed ??= (async () => {
      this.#closing = true;
      try {
        this.listener.close();
      } catch { /* already closed */ }
      await this.#accepting;
      for (const pair of this.#pairs) pair.close();
      while (this.#tasks.size > 0) await Promise.all(this.#tasks);
    })();
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
  const settings = linkSettings(options);
  const listener = Deno.listen({
    hostname: options.hostname ?? "127.0.0.1",
    port: 0,
  });
  const { port, hostname } = listener.addr;
  const link = new Link(settings, listener);
  const close = () => link.close();
  const host = hostname.includes(":") ? `[${hostname}]` : hostname;
  return Promise.resolve({
    url: `http://${host}:${port}`,
    port,
    stats: () => ({ ...link.stats }),
    close,
    [Symbol.asyncDispose]: close,
  });
}
