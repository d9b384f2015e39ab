/**
 * Stream any file or `ReadableStream` into ONLYOFFICE DocSpace's chunked upload sessions.
 *
 * @module
 */
export * from "./src/client/chunk_body.ts";
export * from "./src/client/rechunk_stream.ts";
export * from "./src/client/errors.ts";
export * from "./src/client/session_client.ts";
export * from "./src/client/upload_file.ts";
export * from "./src/client/upload_ticket.ts";
