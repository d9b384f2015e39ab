/**
 * `--dry-run`: what the batch would do, item by item, on stdout (or as JSON), and nothing sent that
 * writes: the decisions come from reading the target's folders only.
 *
 * @module
 */
import { humanBytes, plural } from "../output/human.ts";
import { printable } from "../names.ts";
import type { Decision } from "./plan.ts";
import type { Reporter } from "../output/reporter.ts";
import { confirmedBytes } from "../resume/saved_sessions.ts";
import type { UploadItem } from "../item.ts";

/** One line of the plan, as `--json` prints it. */
interface PlannedJson {
  path: string;
  title: string;
  relativePath?: string;
  size: number;
  action: "upload" | "resume" | "skip" | "fail" | "create-folder";
  detail?: string;
}

function planned(
  item: UploadItem,
  decision: Decision,
  copy: boolean,
): PlannedJson {
  const base = {
    path: item.file?.path ?? "-",
    title: item.fileName,
    ...(item.relativePath !== undefined
      ? { relativePath: item.relativePath }
      : {}),
    size: item.size,
  };
  if (decision.action === "skip") {
    return { ...base, action: "skip", detail: decision.reason };
  }
  if (decision.action === "fail") {
    return { ...base, action: "fail", detail: decision.message };
  }
  if (decision.resume) {
    return {
      ...base,
      action: "resume",
      detail: `after ${humanBytes(confirmedBytes(decision.resume))} of ${
        humanBytes(item.size)
      }`,
    };
  }
  const existing = decision.existing;
  const other = existing &&
    `file ${existing.id} "${printable(existing.title)}"`;
  const stored = decision.stored === undefined
    ? ""
    : `, stored as "${printable(decision.stored)}"`;
  const why = decision.reason === undefined ? "" : ` (${decision.reason})`;
  return {
    ...base,
    action: "upload",
    detail: other === undefined
      ? `a new file${stored}`
      : copy
      ? `beside ${other}, under a free name${why}`
      : `as a new version of ${other}${why}`,
  };
}

/**
 * Prints the plan and its totals.
 *
 * @param items The items.
 * @param decisions What would be done with each.
 * @param folders The empty folders that would be created (those missing in the target).
 * @param json `--json`.
 * @param createNewIfExist `--on-conflict copy`: a file of that title stays and the new one gets a free name.
 * @param reporter The output.
 * @param excluded Files and directories left out by `--exclude`.
 * @returns 0, or 1 when a file would fail.
 */
export async function printDryRun(
  items: UploadItem[],
  decisions: Decision[],
  folders: string[],
  json: boolean,
  createNewIfExist: boolean,
  reporter: Reporter,
  excluded = 0,
): Promise<number> {
  const plan = items.map((item, i) =>
    planned(item, decisions[i]!, createNewIfExist)
  );
  const created: PlannedJson[] = folders.map((path) => ({
    path,
    title: path.split("/").at(-1) ?? path,
    relativePath: path,
    size: 0,
    action: "create-folder",
  }));
  if (json) {
    await reporter.json([...plan, ...created]);
  } else {
    // People read the paths as they gave them; JSON carries the absolute ones.
    const shown = [
      ...items.map((item) => item.display),
      ...folders.map(printable),
    ];
    await printLines([...plan, ...created], shown, reporter);
  }
  await reporter.note(totals(plan, folders.length, excluded));
  return plan.some((p) => p.action === "fail") ? 1 : 0;
}

const VERBS: Record<PlannedJson["action"], string> = {
  upload: "would upload",
  resume: "would resume",
  skip: "would skip",
  fail: "would fail",
  "create-folder": "would create folder",
};

/** A line per entry of the plan, for people. */
async function printLines(
  entries: PlannedJson[],
  shown: string[],
  reporter: Reporter,
): Promise<void> {
  for (const [i, entry] of entries.entries()) {
    const size = entry.action === "create-folder"
      ? ""
      : ` (${humanBytes(entry.size)})`;
    await reporter.out(
      `${VERBS[entry.action]}: ${shown[i]}${size}${
        entry.detail ? `: ${entry.detail}` : ""
      }`,
    );
  }
}

/** The plan's closing line: what would be uploaded, skipped, failed, left out and created. */
function totals(
  plan: PlannedJson[],
  folders: number,
  excluded: number,
): string {
  const upload = plan.filter((p) =>
    p.action === "upload" || p.action === "resume"
  );
  const bytes = upload.reduce((sum, p) => sum + p.size, 0);
  const skip = plan.filter((p) => p.action === "skip").length;
  const fail = plan.filter((p) => p.action === "fail").length;
  return `Dry run: ${upload.length} to upload (${humanBytes(bytes)})${
    skip ? `, ${skip} to skip` : ""
  }${fail ? `, ${fail} would fail` : ""}${
    excluded ? `, ${excluded} excluded` : ""
  }${
    folders ? `, ${plural(folders, "empty folder")} to create` : ""
  }; nothing was sent`;
}
