/**
 * What a failure means for the rest of a batch, and how to say it: a refused token or permission, a
 * redirect, a portal that cannot be reached or a target folder that does not exist would fail every
 * other file the same way, so they stop the batch with one message.
 *
 * @module
 */
import { nodeFetch } from "../node_fetch.ts";
import { DocSpaceError } from "../src/client/errors.ts";

/** Why a failure stops the batch. */
export type StopReason = "credentials" | "redirect" | "unreachable" | "folder";

/** The server's message for a target folder that does not exist (FileUploader.cs, FileStorageService.cs). */
const FOLDER_NOT_FOUND = "The required folder was not found";

/**
 * Whether a failure would meet every other file of the batch too, and why.
 *
 * @param error What an upload or a folder request failed with.
 * @returns The reason to stop, or undefined when the other files may still succeed.
 */
export function stopReason(error: unknown): StopReason | undefined {
  if (!(error instanceof DocSpaceError)) return undefined;
  const status = error.status;
  if (status === 401 || status === 403) return "credentials";
  if (status !== undefined && status >= 300 && status < 400) return "redirect";
  if (status === undefined && !error.transient) return "unreachable";
  if (status === 404 && error.serverMessage === FOLDER_NOT_FOUND) {
    return "folder";
  }
  return undefined;
}

/**
 * What to do about a refused token or permission, on the CLI. A real server answers an unauthenticated
 * request 401 with an empty body (the authentication challenge), so the status is all there is to go by.
 */
const CREDENTIAL_HINTS: Record<number, string> = {
  401:
    "set DOCSPACE_TOKEN (or --token) to a valid API key or token of this portal's user",
  403:
    "the token's user needs the right to upload into the target folder (or room); check its access there, or use another user's token",
};

/**
 * A failure's message, with what to do about a refused token or permission, and where a redirect points
 * (the CLI's `fetch` does not follow redirects: the token must not go to another origin).
 *
 * @param error The failure.
 * @param location The `Location` of the last redirect answered, if any.
 * @returns The message for a person.
 */
export function explain(error: DocSpaceError, location?: string): string {
  const status = error.status;
  const hint = status === undefined ? undefined : CREDENTIAL_HINTS[status];
  if (hint !== undefined) return `${error.message}; ${hint}`;
  if (status === undefined || status < 300 || status >= 400) {
    return error.message;
  }
  if (location === undefined) {
    return `${error.message} (a redirect, without a Location saying where to)`;
  }
  let origin: string | undefined;
  try {
    origin = new URL(location).origin;
  } catch {
    origin = undefined;
  }
  return `${error.message}; the portal redirects to ${location}${
    origin ? `: if it has moved, use --url ${origin} (or DOCSPACE_URL)` : ""
  }`;
}

/**
 * `nodeFetch` (which streams chunk bodies instead of copying them; it follows no redirect, so the token
 * never goes to another origin), remembering where the last redirect pointed.
 *
 * @returns The `fetch`, and the last redirect's `Location`.
 */
export function redirectAware(): {
  fetch: typeof fetch;
  location: () => string | undefined;
} {
  let location: string | undefined;
  const fetcher: typeof fetch = async (input, init) => {
    const response = await nodeFetch(input, init);
    if (response.status >= 300 && response.status < 400) {
      location = response.headers.get("location") ?? undefined;
    }
    return response;
  };
  return { fetch: fetcher, location: () => location };
}
