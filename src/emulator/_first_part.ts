/** The first part of a multipart body, read the way ASP.NET's MultipartReader does. */
export interface FirstPart {
  /** Headers merged by case-insensitive name, values of repeated names joined into one. */
  headers: [name: string, value: string][];
  /** The offset of the first byte after the blank line that ends the headers. */
  dataStart: number;
  /** The offset of the `\r\n--boundary` that ends the part's body, or -1 when the body never ends. */
  dataEnd: number;
}

const decoder = new TextDecoder();
const CRLF = [13, 10];

function indexOf(
  haystack: Uint8Array,
  needle: Uint8Array,
  from: number,
): number {
  const last = haystack.length - needle.length;
  // The native indexOf finds candidates for the first byte, so a 10 MiB chunk is scanned at memchr speed.
  for (let i = haystack.indexOf(needle[0]!, from); i >= 0 && i <= last;) {
    let j = 1;
    while (j < needle.length && haystack[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
    i = haystack.indexOf(needle[0]!, i + 1);
  }
  return -1;
}

/** The boundary parameter of a `multipart/form-data` Content-Type, unquoted, or undefined. */
export function boundaryOf(contentType: string | null): string | undefined {
  for (const param of (contentType ?? "").split(";").slice(1)) {
    const eq = param.indexOf("=");
    if (param.slice(0, eq).trim().toLowerCase() !== "boundary") continue;
    const value = param.slice(eq + 1).trim().replace(/^"(.*)"$/, "$1");
    return value.trim() === "" ? undefined : value;
  }
  return undefined;
}

/**
 * Finds the first part: skips a preamble up to `--boundary`, the rest of that line, then reads header
 * lines up to the blank line. Undefined when there is no part (no delimiter, the close delimiter first,
 * or headers that never end).
 */
export function readFirstPart(
  body: Uint8Array,
  boundary: string,
  from = 0,
): FirstPart | undefined {
  const delimiter = new TextEncoder().encode("--" + boundary);
  let at = from;
  for (;;) {
    at = indexOf(body, delimiter, at);
    if (at < 0) return undefined;
    if (
      at === from || (body[at - 2] === CRLF[0] && body[at - 1] === CRLF[1])
    ) {
      break;
    }
    at += 1;
  }
  at += delimiter.length;
  if (body[at] === 45 && body[at + 1] === 45) return undefined;
  const lineEnd = indexOf(body, new Uint8Array(CRLF), at);
  if (lineEnd < 0) return undefined;
  const headersEnd = indexOf(body, new Uint8Array([13, 10, 13, 10]), lineEnd);
  const headers = new Map<string, [string, string]>();
  if (headersEnd !== lineEnd) {
    if (headersEnd < 0) return undefined;
    const text = decoder.decode(body.subarray(lineEnd + 2, headersEnd));
    for (const line of text.split("\r\n")) {
      const colon = line.indexOf(":");
      const name = (colon < 0 ? line : line.slice(0, colon)).trim();
      const value = colon < 0 ? "" : line.slice(colon + 1).trim();
      const seen = headers.get(name.toLowerCase());
      if (seen) seen[1] += value;
      else headers.set(name.toLowerCase(), [name, value]);
    }
    return part([...headers.values()], headersEnd + 4);
  }
  return part([], lineEnd + 2);

  function part(
    headers: [string, string][],
    dataStart: number,
  ): FirstPart {
    const end = new TextEncoder().encode("\r\n--" + boundary);
    return { headers, dataStart, dataEnd: indexOf(body, end, dataStart) };
  }
}
