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
 * The user a request's credentials name; the `asc_auth_key` cookie wins over `Authorization`
 * (common/ASC.Api.Core/Auth/: CookieAuthHandler, BasicAuthHandler, ApiKeyBearerAuthHandler, JwtBearerAuthHandler).
 */
export function authenticate(
  headers: Headers,
  users: EmulatorUser[],
): EmulatorUser | undefined {
  const cookie = cookieToken(headers.get("cookie"));
  if (cookie !== undefined) return users.find((u) => u.tokens.includes(cookie));
  const authorization = headers.get("authorization")?.trim();
  if (!authorization) return undefined;
  const [scheme = "", rest = ""] = authorization.split(/\s+(.*)/s);
  if (scheme.toLowerCase() === "basic") {
    const credentials = decodeBasic(rest.trim());
    return credentials &&
      users.find((u) =>
        u.email !== undefined && u.password !== undefined &&
        u.email.toLowerCase() === credentials[0].toLowerCase() &&
        u.password === credentials[1]
      );
  }
  const token = scheme.toLowerCase() === "bearer" ? rest.trim() : authorization;
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
