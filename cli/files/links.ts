/**
 * Where a symbolic link in an uploaded directory leads, and whether to follow it: links that stay inside
 * the directory are followed, links out of it only when asked, broken links and links back up the tree
 * (a loop) never.
 *
 * @module
 */
import { sep } from "node:path";
import { printable } from "../names.ts";

/** What decides whether a link is followed. */
export interface LinkPolicy {
  /** The real path of the directory being uploaded. */
  root: string;
  /** Follow links that lead out of it too (`--follow-symlinks`). */
  followOutside: boolean;
  /** The real paths of the directories being walked, from the root down: a link to one is a loop. */
  ancestors: ReadonlySet<string>;
}

function inside(path: string, root: string): boolean {
  return path === root ||
    path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/**
 * Where a link leads, or why it is left out.
 *
 * @param path The link.
 * @param policy The root, `--follow-symlinks` and the directories being walked.
 * @returns The target's real path and what it is, or the reason to leave it out (printable).
 */
export async function followLink(
  path: string,
  policy: LinkPolicy,
): Promise<{ real: string; info: Deno.FileInfo } | { reason: string }> {
  let real: string;
  try {
    real = await Deno.realPath(path);
  } catch {
    const target = await Deno.readLink(path).catch(() => "?");
    return { reason: `a broken link (to ${printable(target)})` };
  }
  if (!policy.followOutside && !inside(real, policy.root)) {
    return {
      reason: `a link to ${
        printable(real)
      }, outside the directory; pass --follow-symlinks to upload what it points to`,
    };
  }
  if (policy.ancestors.has(real)) {
    return { reason: `a link back to ${printable(real)}, which would loop` };
  }
  return { real, info: await Deno.stat(real) };
}
