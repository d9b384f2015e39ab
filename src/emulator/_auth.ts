// Who a request is: the user its credentials name (Basic, the auth cookie, or a token), and its headers as the log
// keeps them.
import type { EmulatorUser } from "./options.ts";

function decodeBasic(encoded: string): [string, string] | undefined {
  try {
    const text = new TextDecoder().decode(
      Uint8Array.from(atob(encoded), (ch) => ch.charCodeAt(0)),
    );
    const colon = text.indexOf(":");
    return colon < 0
      ? undefined
      : [text.slice(0, colon), text.slice(colon + 1)];
  } catch {
    return undefined;
  }
}

function cookieToken(cookie: string | null): string | undefined {
  for (const pair of (cookie ?? "").split(";")) {
    const eq = pair.indexOf("=");
    if (eq > 0 && pair.slice(0, eq).trim() === "asc_auth_key") {
      return pair.slice(eq + 1).trim();
    }
  }
  return undefined;
}

/**
 * The user a request's credentials name, as the policy scheme of common/ASC.Api.Core/Core/BaseStartup.cs
 * picks a handler: an Authorization header starting with `Basic ` (case-sensitive) goes to BasicAuthHandler;
 * everything else (the emulator has no JWTs or `sk-` keys) to CookieAuthHandler, which takes the
 * `asc_auth_key` cookie or else the whole header, trimmed, and drops its first seven characters when it
 * contains `Bearer` anywhere (common/ASC.Api.Core/Auth/CookieAuthHandler.cs). So `bearer t` and `BASIC …`
 * authenticate nobody.
 */
export function authenticate(
  headers: Headers,
  users: EmulatorUser[],
): EmulatorUser | undefined {
  const authorization = headers.get("authorization") ?? "";
  if (authorization.startsWith("Basic ")) {
    // BasicAuthHandler.cs: `Basic (.*)` replaced by its group, then base64 and "user:password"
    const credentials = decodeBasic(authorization.slice("Basic ".length));
    return credentials &&
      users.find((u) =>
        u.email !== undefined && u.password !== undefined &&
        u.email.toLowerCase() === credentials[0].toLowerCase() &&
        u.password === credentials[1]
      );
  }
  let token = (cookieToken(headers.get("cookie")) ?? authorization).trim();
  if (token === "") return undefined;
  if (token.includes("Bearer")) token = token.slice("Bearer ".length);
  return users.find((u) => u.tokens.includes(token));
}

/** Request headers for the log: lower-case names, credentials reduced to their scheme. */
export function redactHeaders(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of headers) {
    if (name === "authorization") {
      const scheme = value.trim().match(/^(Bearer|Basic)\s/i)?.[1];
      out[name] = scheme ? `${scheme} ***` : "***";
    } else if (name === "cookie") {
      out[name] = value.replace(/(asc_auth_key=)[^;]*/g, "$1***");
    } else {
      out[name] = value;
    }
  }
  return out;
}
