// What an upload's error says when its clean-up abort failed too: the session, and its chunks, stay.
import { DocSpaceError, StreamLengthError } from "./errors.ts";
import { CHUNKS_LEFT } from "./_docspace/sessions.ts";

/** The clean-up abort's failure, for a person. */
function abortFailure(abortError: unknown): string {
  if (abortError instanceof DocSpaceError) return abortError.message;
  const what = abortError instanceof Error
    ? abortError.message
    : String(abortError);
  return `Aborting the upload session failed: ${what}; the session may not have been aborted: if not, ${CHUNKS_LEFT}`;
}

/**
 * The upload's error with the failed clean-up abort added to its message (a DocSpaceError or a
 * StreamLengthError, as a new error of the same class with the same fields); any other error as it is.
 * An abort of a session the server no longer knows left nothing behind: nothing is added.
 */
export function withAbortNote(error: unknown, abortError: unknown): unknown {
  if (abortError instanceof DocSpaceError && abortError.sessionGone) {
    return error;
  }
  const note = `; then ${abortFailure(abortError)}`;
  if (error instanceof DocSpaceError) {
    return new DocSpaceError(error.detail + note, {
      step: error.step,
      status: error.status,
      serverMessage: error.serverMessage,
      transient: error.transient,
      retryAfter: error.retryAfter,
      rateLimit: error.rateLimit,
      cause: error.cause,
    });
  }
  if (error instanceof StreamLengthError) {
    return new StreamLengthError(error.message + note, {
      expected: error.expected,
      received: error.received,
      cause: error.cause,
    });
  }
  return error;
}
