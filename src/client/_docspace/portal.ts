// The portal a request goes to (its URL, origin, `fetch` and the headers of every request), and where its
// files API is: every request of src/client/_docspace/ starts from here.

/** The portal a client talks to: its URL, origin, `fetch` and the headers of every request. */
export interface Portal {
  url: string;
  origin: string;
  fetch: typeof fetch;
  headers: Headers;
}

/** The `Authorization` header for a token: as given when it names its scheme (`Bearer …`, `Basic …`), else `Bearer <token>`. */
export function authorizationHeader(token: string): string {
  return /^(Bearer|Basic)\s+\S/i.test(token) ? token : `Bearer ${token}`;
}

/**
 * What makes a token unusable in an `Authorization` header, or undefined when nothing does: a control
 * character (a pasted line break, an escape) or a character past U+00FF. Names the character and its
 * position, never the token.
 */
export function tokenProblem(token: string): string | undefined {
  const characters = [...token];
  const at = characters.findIndex((character) => {
    const code = character.codePointAt(0)!;
    return (code < 0x20 && code !== 0x09) || code === 0x7f || code > 0xff;
  });
  if (at === -1) return undefined;
  const code = characters[at]!.codePointAt(0)!.toString(16).toUpperCase();
  return `token has a character that cannot go in an HTTP header (U+${
    code.padStart(4, "0")
  } at position ${at + 1}); copy the token again without it`;
}

/** Checks the portal URL and the token; the headers carry the credentials to every request. */
export function portalOf(options: {
  url: string;
  token: string;
  fetch?: typeof fetch;
  headers?: HeadersInit;
}): Portal {
  let parsed: URL | undefined;
  try {
    parsed = new URL(options.url);
  } catch {
    parsed = undefined;
  }
  if (parsed?.protocol !== "https:" && parsed?.protocol !== "http:") {
    throw new TypeError(
      `Cannot create SessionClient: url must be the portal's http(s) URL, received ${
        JSON.stringify(options.url)
      }`,
    );
  }
  if (typeof options.token !== "string" || options.token.trim() === "") {
    throw new TypeError(
      "Cannot create SessionClient: token is empty; pass the portal's API key or authentication token",
    );
  }
  const problem = tokenProblem(options.token);
  if (problem !== undefined) {
    throw new TypeError(`Cannot create SessionClient: ${problem}`);
  }
  return {
    url: (parsed.origin + parsed.pathname).replace(/\/+$/, ""),
    origin: parsed.origin,
    fetch: options.fetch ?? globalThis.fetch.bind(globalThis),
    headers: credentialHeaders(options.token, options.headers),
  };
}

/**
 * A portal from its URL and token as given, unchecked: a wrong URL fails at the first request, as a
 * DocSpaceError (FolderTree's, which takes no extra headers).
 */
export function portalAt(
  url: string,
  token: string,
  fetcher: typeof fetch,
): Portal {
  let origin = "";
  try {
    origin = new URL(url).origin;
  } catch {
    // Unused by folder requests; the request itself reports the URL.
  }
  return {
    url: url.replace(/\/+$/, ""),
    origin,
    fetch: fetcher,
    headers: credentialHeaders(token, undefined),
  };
}

/** The headers of every request: the extra ones, then the credentials and `accept: application/json`. */
function credentialHeaders(
  token: string,
  extra: HeadersInit | undefined,
): Headers {
  const headers = new Headers(extra);
  headers.set("authorization", authorizationHeader(token));
  headers.set("accept", "application/json");
  return headers;
}

/** The files API of the portal at `url` (its URL without a trailing slash): `{url}/api/2.0/files`. */
export function filesApi(url: string): string {
  return `${url}/api/2.0/files`;
}

/** A folder in the files API, `{url}/api/2.0/files/{folderId}`: the id as one path segment. */
export function folderUrl(url: string, folderId: number | string): string {
  return `${filesApi(url)}/${encodeURIComponent(String(folderId))}`;
}
