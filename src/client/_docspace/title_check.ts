// `POST /api/2.0/files/{folderId}/upload/check`: which titles already exist in a folder, as the web client
// asks before it uploads.
import { folderUrl, type Portal } from "./portal.ts";
import { envelope, send } from "./read_reply.ts";

/** Where a folder's titles are checked: `{url}/api/2.0/files/{folderId}/upload/check`. */
export function titleCheckUrl(url: string, folderId: number | string): string {
  return `${folderUrl(url, folderId)}/upload/check`;
}

/** The titles of `titles` that exist in the folder. */
export async function checkTitles(
  portal: Portal,
  folderId: number | string,
  titles: string[],
  signal: AbortSignal | undefined,
): Promise<string[]> {
  const headers = new Headers(portal.headers);
  headers.set("content-type", "application/json");
  const reply = await send(
    "check",
    portal.fetch,
    titleCheckUrl(portal.url, folderId),
    {
      method: "POST",
      headers,
      body: JSON.stringify({ folderId, filesTitle: titles }),
      signal: signal ?? null,
    },
  );
  const response = envelope("check", reply);
  return Array.isArray(response)
    ? response.filter((t) => typeof t === "string")
    : [];
}
