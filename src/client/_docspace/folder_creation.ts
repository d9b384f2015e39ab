// `POST /api/2.0/files/folder/{parentId}`: a new folder, `{title}`, in a folder; the reply is the folder.
import { DocSpaceError } from "../errors.ts";
import { folderRequest, type FolderRequestContext } from "./folder_request.ts";
import { filesApi } from "./portal.ts";

/** Where a folder is created in `parentId`: `{url}/api/2.0/files/folder/{parentId}`. */
export function newFolderUrl(url: string, parentId: number | string): string {
  return `${filesApi(url)}/folder/${encodeURIComponent(String(parentId))}`;
}

/** Creates a folder titled `title` in `parentId`; its id. */
export async function createFolder(
  context: FolderRequestContext,
  parentId: number | string,
  title: string,
): Promise<number | string> {
  const folder = await folderRequest(
    context,
    `folder creation (folder/${parentId})`,
    newFolderUrl(context.portal.url, parentId),
    { method: "POST", body: JSON.stringify({ title }) },
  ) as { id?: unknown } | null;
  const id = folder?.id;
  if (
    !(typeof id === "number" && Number.isSafeInteger(id) && id > 0) &&
    !(typeof id === "string" && id !== "")
  ) {
    throw new DocSpaceError(
      `folder ${parentId}: the reply to the folder's creation has no folder id`,
      { step: "folder creation", status: 200 },
    );
  }
  return id;
}
