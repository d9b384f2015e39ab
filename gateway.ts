/**
 * The upload gateway: a Hono app that holds the DocSpace credentials and forwards uploads to DocSpace,
 * for Cloudflare Workers, Deno Deploy, or your own Hono app. It is its own entry point so that the main
 * module stays free of Hono. Upload tickets (`createUploadTicket`) come from the main module.
 *
 * @module
 */
export * from "./src/gateway/upload_gateway.ts";
