/**
 * Stream any file or `ReadableStream` into ONLYOFFICE DocSpace's chunked upload sessions.
 *
 * @module
 */
export * from "./src/chunk_body.ts";
export * from "./src/rechunk_stream.ts";
export * from "./src/errors.ts";
export * from "./src/session_client.ts";
export * from "./src/upload_file.ts";
export * from "./src/upload_ticket.ts";
