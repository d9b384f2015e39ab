// The self-hosted Deno entry's connections, guarded: Deno.serve has no cap on open connections, no timeout for
// a connection that sends no request and none for an idle keep-alive connection, and its accept loop ends
// the process when the descriptors run out ("Too many open files"). So the entry accepts connections itself
// and hands each one, once it sends its first bytes, to Deno.serve on loopback:
// - at most `maxConnections` open (default: what the descriptor limit allows, 3 per connection); at the cap
//   the oldest connection that has no request running is closed for the newcomer, and when every one has a
//   request running the newcomer is answered 503 at once and closed;
// - a connection whose request has not arrived `headersTimeout` after it opened, or that stays idle between
//   requests for `keepAliveTimeout`, is closed;
// - a response that says `Connection: close` (a 408, or a refusal whose request body was not read) closes
//   the connection once it is sent;
// - descriptors running out never end the accept loop: it waits and goes on.

/** The guard's limits. */
export interface GuardOptions {
  /** The most connections open at once. */
  maxConnections: number;
  /** Milliseconds a new connection has to send its first request. */
  headersTimeout: number;
  /** Milliseconds a connection may stay idle between requests. */
  keepAliveTimeout: number;
}

/** A connection as the guard tracks it. */
interface Guarded {
  conn: Deno.Conn;
  inner: Deno.TcpConn | undefined;
  /** Requests running (the handler began, the response is not yet sent). */
  active: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  closed: boolean;
  /** Close once the running response is sent. */
  closeAfter: boolean;
  remote: string;
}

/** The soft limit of open descriptors, from /proc (Linux), or undefined. */
export function descriptorLimit(): number | undefined {
  try {
    const limits = Deno.readTextFileSync("/proc/self/limits");
    const soft = /^Max open files\s+(\d+)/m.exec(limits)?.[1];
    return soft === undefined ? undefined : Number(soft);
  } catch {
    return undefined;
  }
}

/** Connections a descriptor limit allows: 3 descriptors each (theirs, and both ends on loopback), 200 kept back. */
export function connectionsFor(limit: number | undefined): number {
  return limit === undefined
    ? 4096
    : Math.max(16, Math.floor((limit - 200) / 3));
}

const BUSY_BODY =
  '{"error":{"message":"The gateway has too many open connections; retry in 5 s"}}';
const BUSY = new TextEncoder().encode(
  "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nretry-after: 5\r\n" +
    `connection: close\r\ncontent-length: ${BUSY_BODY.length}\r\n\r\n${BUSY_BODY}`,
);

/** What the guard serves: a request, with the client's address. */
type Handler = (request: Request, remoteAddress: string) => Promise<Response>;

/**
 * Serves `handler` behind the guard on `hostname:port`; the handler gets each request with the client's
 * address. Returns the address it listens on.
 */
export function serveGuarded(
  options: GuardOptions & { hostname: string; port: number },
  handler: Handler,
): { addr: Deno.NetAddr; open(): number } {
  const guard = new ConnectionGuard(options, handler);
  const listener = Deno.listen({
    hostname: options.hostname,
    port: options.port,
  });
  guard.acceptFrom(listener);
  return {
    addr: listener.addr as Deno.NetAddr,
    open: () => guard.open,
  };
}

/** Closes a connection that may be closed already. */
function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch { /* closed already */ }
}

/** The port a loopback connection to the inner server has on its own end. */
function portOf(inner: Deno.Conn): number {
  return (inner.localAddr as Deno.NetAddr).port;
}

/** Answers a connection over the cap 503 at once, and closes it. */
function refuseBusy(conn: Deno.Conn): void {
  conn.write(BUSY).catch(() => {}).finally(() => closeQuietly(conn));
}

/** The connections open, each handed over to an inner Deno.serve on loopback, and their limits. */
class ConnectionGuard {
  readonly #options: GuardOptions;
  readonly #handler: Handler;
  readonly #connections = new Set<Guarded>();
  /** Each connection by the port of its loopback connection to the inner server. */
  readonly #byInnerPort = new Map<number, Guarded>();
  readonly #innerPort: number;

  constructor(options: GuardOptions, handler: Handler) {
    this.#options = options;
    this.#handler = handler;
    const inner = Deno.serve({
      hostname: "127.0.0.1",
      port: 0,
      onListen: () => {},
    }, (request, info) => this.#handle(request, info));
    this.#innerPort = inner.addr.port;
  }

  /** Connections open. */
  get open(): number {
    return this.#connections.size;
  }

  /** Accepts connections until the listener closes: each is admitted if there is room, else refused. */
  async acceptFrom(listener: Deno.Listener): Promise<void> {
    for (;;) {
      const conn = await this.#accept(listener);
      if (conn === undefined) return;
      if (this.#roomForOneMore()) this.#admit(conn);
      else refuseBusy(conn);
    }
  }

  /**
   * The next connection, or undefined once the listener is closed. Out of descriptors (EMFILE), or with a
   * connection reset before it was accepted, it makes room or waits, and goes on.
   */
  async #accept(listener: Deno.Listener): Promise<Deno.Conn | undefined> {
    for (;;) {
      try {
        return await listener.accept();
      } catch (error) {
        if (error instanceof Deno.errors.BadResource) return undefined; // closed
        if (!this.#evictIdle()) await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  /** Whether one more connection fits: under the cap, or once an idle one is closed for it. */
  #roomForOneMore(): boolean {
    return this.#connections.size < this.#options.maxConnections ||
      this.#evictIdle();
  }

  /** Makes room for one more: closes the oldest connection without a running request, if any. */
  #evictIdle(): boolean {
    for (const guarded of this.#connections) {
      if (guarded.active === 0) {
        this.#close(guarded);
        return true;
      }
    }
    return false;
  }

  /** Tracks a new connection, gives it `headersTimeout` to send its request, and serves it. */
  #admit(conn: Deno.Conn): void {
    const remote = (conn.remoteAddr as Deno.NetAddr).hostname ?? "unknown";
    const guarded: Guarded = {
      conn,
      inner: undefined,
      active: 0,
      timer: undefined,
      closed: false,
      closeAfter: false,
      remote,
    };
    this.#connections.add(guarded);
    this.#closeIfIdleAfter(guarded, this.#options.headersTimeout);
    this.#serve(guarded);
  }

  /** Once a connection sends its first bytes, connects it to the inner server and copies both ways. */
  async #serve(guarded: Guarded): Promise<void> {
    const first = new Uint8Array(65536);
    let n: number | null;
    try {
      n = await guarded.conn.read(first);
    } catch {
      n = null;
    }
    if (n === null || guarded.closed) return this.#close(guarded);
    try {
      guarded.inner = await Deno.connect({
        hostname: "127.0.0.1",
        port: this.#innerPort,
      });
    } catch {
      return this.#close(guarded);
    }
    if (guarded.closed) return this.#close(guarded);
    this.#byInnerPort.set(portOf(guarded.inner), guarded);
    try {
      await guarded.inner.write(first.subarray(0, n));
    } catch {
      return this.#close(guarded);
    }
    await Promise.all([
      this.#pump(guarded, guarded.conn, guarded.inner),
      this.#pump(guarded, guarded.inner, guarded.conn),
    ]);
  }

  /** Copies `from` to `to` until either ends, then closes the connection. */
  async #pump(guarded: Guarded, from: Deno.Conn, to: Deno.Conn): Promise<void> {
    const buffer = new Uint8Array(65536);
    try {
      for (;;) {
        const n = await from.read(buffer);
        if (n === null) break;
        let written = 0;
        while (written < n) {
          written += await to.write(buffer.subarray(written, n));
        }
      }
    } catch { /* either side went away */ }
    this.#close(guarded);
  }

  /** The inner server's handler: runs `handler` for the connection the request came on. */
  async #handle(
    request: Request,
    info: Deno.ServeHandlerInfo,
  ): Promise<Response> {
    const port = (info.remoteAddr as Deno.NetAddr).port;
    const guarded = this.#byInnerPort.get(port);
    if (guarded === undefined) return await this.#handler(request, "unknown");
    this.#requestStarted(guarded);
    let response: Response;
    try {
      response = await this.#handler(request, guarded.remote);
    } catch (error) {
      this.#requestEnded(guarded);
      throw error;
    }
    return await this.#sendWhole(guarded, request, response);
  }

  /** The response as the inner server sends it, marked `Connection: close` when the connection closes after it. */
  async #sendWhole(
    guarded: Guarded,
    request: Request,
    response: Response,
  ): Promise<Response> {
    // A refusal whose body was not read: the connection is closed after it, so the rest is never read.
    const unread = request.body !== null && !request.bodyUsed &&
      response.status >= 400;
    const close = unread || response.headers.get("connection") === "close";
    if (close) guarded.closeAfter = true;
    // The gateway's answers are small and built in memory (JSON, the upload page): read whole, they go out
    // with their length, and the request is over once they are handed to the server.
    const body = response.body === null
      ? null
      : new Uint8Array(await response.arrayBuffer());
    const headers = new Headers(response.headers);
    if (close) headers.set("connection", "close");
    queueMicrotask(() => this.#requestEnded(guarded));
    return new Response(body, {
      status: response.status,
      statusText: response.statusText,
      headers,
    });
  }

  /** A request began on the connection: no timeout closes it while the request runs. */
  #requestStarted(guarded: Guarded): void {
    guarded.active++;
    clearTimeout(guarded.timer);
    guarded.timer = undefined;
  }

  /** The last running request over, the connection closes (`closeAfter`) or may idle `keepAliveTimeout`. */
  #requestEnded(guarded: Guarded): void {
    guarded.active = Math.max(0, guarded.active - 1);
    if (guarded.active > 0) return;
    if (guarded.closeAfter) {
      // Sent by now or within a moment: the inner server's close ends the pump, this is the backstop.
      clearTimeout(guarded.timer);
      guarded.timer = setTimeout(() => this.#close(guarded), 1000);
      return;
    }
    this.#closeIfIdleAfter(guarded, this.#options.keepAliveTimeout);
  }

  /** Closes the connection `ms` from now unless a request is running then (headers and keep-alive timeouts). */
  #closeIfIdleAfter(guarded: Guarded, ms: number): void {
    clearTimeout(guarded.timer);
    guarded.timer = setTimeout(() => {
      if (guarded.active === 0) this.#close(guarded);
    }, ms);
  }

  /** Closes the connection and its loopback half, once, and stops tracking it. */
  #close(guarded: Guarded): void {
    if (guarded.closed) return;
    guarded.closed = true;
    clearTimeout(guarded.timer);
    this.#connections.delete(guarded);
    closeQuietly(guarded.conn);
    if (guarded.inner !== undefined) {
      this.#byInnerPort.delete(portOf(guarded.inner));
      closeQuietly(guarded.inner);
    }
  }
}
