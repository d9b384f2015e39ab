// Tells a fetch rejection that sending again may cure (a reset, a timeout, a lost reply) from one it
// cannot (a refused connection, an unknown host, TLS against a server that does not speak it), for
// Deno's fetch and nodeFetch alike, and says what to do about the latter.

/** What a rejected fetch means. */
export interface NetworkFailure {
  /** Whether sending the request again may succeed: resets, timeouts, lost replies. */
  transient: boolean;
  /** What happened, for a person, without the step's label. */
  detail: string;
}

interface Permanent {
  /** Matches the messages and `code`s of the error and its causes. */
  test: RegExp;
  what: (origin: string, text: string) => string;
}

const PERMANENT: Permanent[] = [
  {
    test: /ECONNREFUSED|Connection refused|os error 111\b/i,
    what: (origin) =>
      `cannot reach ${origin}: connection refused; check the portal URL (url, DOCSPACE_URL) and that the server is running`,
  },
  {
    test:
      /ENOTFOUND|Name or service not known|nodename nor servname|No address associated with hostname|No such host is known/i,
    what: (origin) =>
      `cannot reach ${origin}: unknown host (DNS found no address); check the portal URL (url, DOCSPACE_URL)`,
  },
  {
    test:
      /ERR_SSL_WRONG_VERSION_NUMBER|wrong version number|InvalidContentType|packet length too long/i,
    what: (origin) =>
      `cannot reach ${origin}: the server does not speak TLS on that port; check the URL's scheme (http:// or https://) in url or DOCSPACE_URL`,
  },
  {
    test:
      /certificate|CERT_|SELF_SIGNED|UNABLE_TO_VERIFY|UnknownIssuer|ERR_TLS_|ERR_SSL_|handshake/i,
    what: (origin, text) =>
      `cannot reach ${origin}: the TLS connection failed (${text}); check the portal URL and its certificate`,
  },
  {
    test:
      /ERR_INVALID_PROTOCOL|scheme '[^']*' not supported|not supported\. Expected "http/i,
    what: (origin) =>
      `cannot reach ${origin}: the URL's scheme is not supported; use an http:// or https:// URL in url or DOCSPACE_URL`,
  },
  {
    test: /Requests to port \d+ are blocked/i,
    what: (origin, text) =>
      `cannot reach ${origin}: the runtime refuses that port (${text}); check the portal URL's port`,
  },
];

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The messages and codes of an error and its causes, innermost last. */
function chainOf(error: unknown): { texts: string[]; innermost: string } {
  const texts: string[] = [];
  let innermost = messageOf(error);
  for (let at: unknown = error, depth = 0; at && depth < 5; depth++) {
    const code = (at as { code?: unknown }).code;
    if (typeof code === "string") texts.push(code);
    texts.push(messageOf(at));
    innermost = messageOf(at);
    at = (at as { cause?: unknown }).cause;
  }
  return { texts, innermost };
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

/**
 * Classifies the rejection of `fetch(url)` (or of reading its body). A refused connection, an unknown
 * host, a TLS failure, a refused scheme or port is permanent and says what to check; anything else (a
 * reset, a timeout, a lost reply) is transient, and the request may or may not have reached the server.
 */
export function networkFailure(error: unknown, url: string): NetworkFailure {
  const { texts, innermost } = chainOf(error);
  const all = texts.join("\n");
  for (const { test, what } of PERMANENT) {
    if (test.test(all)) {
      // Deno's message repeats the URL before the reason.
      const reason = innermost.replace(
        /^(?:.*client error \([^)]*\): |fetch failed: )/i,
        "",
      );
      return { transient: false, detail: what(originOf(url), reason) };
    }
  }
  return {
    transient: true,
    detail: `network error (${
      messageOf(error)
    }); the request may or may not have reached the server`,
  };
}
