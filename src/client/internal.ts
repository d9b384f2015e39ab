/**
 * The client's internal API for the rest of this package (the gateway and the CLI): how a request to
 * DocSpace is addressed (its URL builders) and how its reply is read (the reply layer), and its credentials
 * (the header, and what makes a token unusable), so that every DocSpace URL is built, and every reply read,
 * one way everywhere (`src/client/_docspace/`).
 * Not part of the public surface (`mod.ts` does not export it), and may change with any release.
 *
 * @module
 */
export {
  authorizationHeader,
  createSessionUrl,
  fetchReply,
  networkFailure,
  readEnvelope,
  readUploaderReply,
  type Reply,
  type ReplyReading,
  restSessionUrl,
  settingsUrl,
  tokenProblem,
  withQuery,
} from "./_docspace/mod.ts";
