// The client's internal API addresses DocSpace the way the gateway does: the same URLs, byte for byte, for
// the settings, both create-session routes, a REST session's requests and a legacy location's.
import { assertEquals } from "@std/assert";
import {
  createSessionUrl,
  restSessionUrl,
  settingsUrl,
  withQuery,
} from "../../src/client/internal.ts";

const PORTAL = "https://docs.example.com/base";

Deno.test("internal.ts builds the settings and create-session URLs of /api/2.0/files", () => {
  assertEquals(settingsUrl(PORTAL), `${PORTAL}/api/2.0/files/settings`);
  assertEquals(
    createSessionUrl(PORTAL, "a/b 1", "legacy"),
    `${PORTAL}/api/2.0/files/a%2Fb%201/upload/create_session`,
  );
  assertEquals(
    createSessionUrl(PORTAL, 12, "rest"),
    `${PORTAL}/api/2.0/files/12/session`,
  );
});

Deno.test("internal.ts builds a REST session's URLs with the folder and session id as path segments", () => {
  const base = `${PORTAL}/api/2.0/files/sbox-1%3A2/session/id%2F1`;
  assertEquals(restSessionUrl(PORTAL, "sbox-1:2", "id/1", ""), base);
  assertEquals(
    restSessionUrl(PORTAL, "sbox-1:2", "id/1", "/upload?chunkNumber=3"),
    `${base}/upload?chunkNumber=3`,
  );
  assertEquals(
    restSessionUrl(PORTAL, "sbox-1:2", "id/1", "/finalize"),
    `${base}/finalize`,
  );
});

Deno.test("internal.ts adds a legacy request's query to a location after its own", () => {
  const location = "https://docs.example.com/ChunkedUploader.ashx?uid=u1";
  assertEquals(
    withQuery(location, "upload=true&chunkNumber=2"),
    `${location}&upload=true&chunkNumber=2`,
  );
  assertEquals(withQuery(location, ""), location);
  assertEquals(
    withQuery("https://docs.example.com/ChunkedUploader.ashx", "abort=true"),
    "https://docs.example.com/ChunkedUploader.ashx?abort=true",
  );
});
