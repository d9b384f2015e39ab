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

/**
 * Serves `handler` behind the guard on `hostname:port`; the handler gets each request with the client's
 * address. Returns the address it listens on.
 */
export function serveGuarded(
  options: GuardOptions & { hostname: string; port: number },
  handler: (request: Request, remoteAddress: string) => Promise<Response>,
): { addr: Deno.NetAddr; open(): number } {
  const connections = new Set<Guarded>();
  const byInnerPort = new Map<number, Guarded>();
  const inner = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen: () => {},
  }, async (request, info) => {
    const guarded = byInnerPort.get((info.remoteAddr as Deno.NetAddr).port);
    if (guarded === undefined) return await handler(request, "unknown");
    begin(guarded);
    let response: Response;
    try {
      response = await handler(request, guarded.remote);
    } catch (error) {
      end(guarded);
      throw error;
    }
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
    queueMicrotask(() => end(guarded));
    return new Response(body, {
      status: response.status,
      statusText: response.statusText,
      headers,
    });
  });
  const innerPort = inner.addr.port;

  function arm(guarded: Guarded, ms: number): void {
    clearTimeout(guarded.timer);
    guarded.timer = setTimeout(() => {
      if (guarded.active === 0) close(guarded);
    }, ms);
  }

  function begin(guarded: Guarded): void {
    guarded.active++;
    clearTimeout(guarded.timer);
    guarded.timer = undefined;
  }

  function end(guarded: Guarded): void {
    guarded.active = Math.max(0, guarded.active - 1);
    if (guarded.active > 0) return;
    if (guarded.closeAfter) {
      // Sent by now or within a moment: the inner server's close ends the pump, this is the backstop.
      clearTimeout(guarded.timer);
      guarded.timer = setTimeout(() => close(guarded), 1000);
      return;
    }
    arm(guarded, options.keepAliveTimeout);
  }

  function close(guarded: Guarded): void {
    if (guarded.closed) return;
    guarded.closed = true;
    clearTimeout(guarded.timer);
    connections.delete(guarded);
    try {
      guarded.conn.close();
    } catch { /* closed already */ }
    if (guarded.inner !== undefined) {
      byInnerPort.delete((guarded.inner.localAddr as Deno.NetAddr).port);
      try {
        guarded.inner.close();
      } catch { /* closed already */ }
    }
  }

  /** Copies `from` to `to` until either ends, then closes the connection. */
  async function pump(
    guarded: Guarded,
    from: Deno.Conn,
    to: Deno.Conn,
  ): Promise<void> {
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
    close(guarded);
  }

  async function serve(guarded: Guarded): Promise<void> {
    const first = new Uint8Array(65536);
    let n: number | null;
    try {
      n = await guarded.conn.read(first);
    } catch {
      n = null;
    }
    if (n === null || guarded.closed) return close(guarded);
    try {
      guarded.inner = await Deno.connect({
        hostname: "127.0.0.1",
        port: innerPort,
      });
    } catch {
      return close(guarded);
    }
    if (guarded.closed) return close(guarded);
    byInnerPort.set((guarded.inner.localAddr as Deno.NetAddr).port, guarded);
    try {
      await guarded.inner.write(first.subarray(0, n));
    } catch {
      return close(guarded);
    }
    await Promise.all([
      pump(guarded, guarded.conn, guarded.inner),
      pump(guarded, guarded.inner, guarded.conn),
    ]);
  }

  /** Makes room for one more: closes the oldest connection without a running request, if any. */
  function evict(): boolean {
    for (const guarded of connections) {
      if (guarded.active === 0) {
        close(guarded);
        return true;
      }
    }
    return false;
  }

  const listener = Deno.listen({
    hostname: options.hostname,
    port: options.port,
  });
  (async () => {
    for (;;) {
      let conn: Deno.Conn;
      try {
        conn = await listener.accept();
      } catch (error) {
        if (error instanceof Deno.errors.BadResource) return; // closed
        // Out of descriptors (EMFILE) or a connection reset before it was accepted: wait, go on.
        if (!evict()) await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      if (connections.size >= options.maxConnections && !evict()) {
        conn.write(BUSY).catch(() => {}).finally(() => {
          try {
            conn.close();
          } catch { /* closed already */ }
        });
        continue;
      }
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
      connections.add(guarded);
      arm(guarded, options.headersTimeout);
      serve(guarded);
    }
  })();
  return {
    addr: listener.addr as Deno.NetAddr,
    open: () => connections.size,
  };
}
