/**
 * The client's internal API for the rest of this package (the gateway): its reply layer and its
 * credentials header, so that a request to DocSpace is read one way everywhere. Not part of the public
 * surface (`mod.ts` does not export it), and may change with any release.
 *
 * @module
 */
export { authorizationHeader } from "./_docspace/portal.ts";
export {
  fetchReply,
  networkFailure,
  readEnvelope,
  readUploaderReply,
  type Reply,
  type ReplyReading,
} from "./_docspace/read_reply.ts";
