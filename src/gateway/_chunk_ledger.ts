// Chunks that the server numbers by arrival (sequential chunks, and numbered ones sent without a number) carry
// no number the gateway could check, so it keeps a tally per session of what it forwarded: how many chunks,
// and at least how many bytes of file they carried. The tally lives in this isolate's memory (the Deno entry
// is one process; a Worker's requests may reach several isolates, each with its own tally).
import type { BoundSession } from "./_session_binding.ts";

/** What went upstream for one session. */
export interface Tally {
  /** Chunks forwarded (counted when they start, since the server may count one whose reply is lost). */
  chunks: number;
  /** File bytes they carried, at least (from their Content-Length and their part's head). */
  bytes: number;
}

/** Tallies by DocSpace session id, the most recently used kept when there are too many. */
export class ChunkLedger {
  readonly #tallies = new Map<string, Tally>();
  readonly #limit: number;

  constructor(limit = 10_000) {
    this.#limit = limit;
  }

  /** The session's tally, created empty on first use. */
  tally(session: BoundSession): Tally {
    const tally = this.#tallies.get(session.id) ?? { chunks: 0, bytes: 0 };
    this.#tallies.delete(session.id);
    this.#tallies.set(session.id, tally);
    if (this.#tallies.size > this.#limit) {
      this.#tallies.delete(this.#tallies.keys().next().value!);
    }
    return tally;
  }

  /** Drops a session's tally (it was aborted). */
  forget(session: BoundSession): void {
    this.#tallies.delete(session.id);
  }
}

const CRLF2 = [13, 10, 13, 10];

/**
 * How many of a one-part multipart body's bytes are file, at least: its length less the part's head (up to
 * the first blank line, which must be in its `first` bytes) and the longest closing delimiter
 * (`\r\n--boundary--\r\n`); `undefined` when the head is not in `first`.
 */
export function leastPayload(
  length: number,
  first: Uint8Array | undefined,
  boundary: string,
): number | undefined {
  let matched = 0;
  for (let i = 0; first !== undefined && i < first.length; i++) {
    const byte = first[i]!;
    matched = byte === CRLF2[matched] ? matched + 1 : byte === 13 ? 1 : 0;
    if (matched === CRLF2.length) {
      return Math.max(0, length - (i + 1) - `\r\n--${boundary}--\r\n`.length);
    }
  }
  return undefined;
}
