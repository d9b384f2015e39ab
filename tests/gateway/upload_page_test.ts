// The upload page as a product, in headless Chromium against worker/deno.ts in front of the emulator: three
// files and a folder of five (its tree kept) byte-exact, one cancelled mid-upload (its session aborted
// upstream), a 503 with the gateway's queue place and `GET /queue` shown in words, a reload mid-upload
// (the ticket kept, the unfinished uploads offered; one discarded, its session aborted; one resumed, only
// its missing chunks sent), axe-core with no serious findings, a 390-px phone layout, and screenshots of
// each state (page_test.ts holds what needs no browser). Skips, saying why, without chromium, playwright-core
// or axe-core (worker/install.sh installs them); with REQUIRE_E2E=1 it fails.
import { assert, assertEquals, assertFalse, assertMatch } from "@std/assert";
import { createUploadTicket } from "../../mod.ts";
import { type RunningEmulator, startEmulator } from "../../testing.ts";
import { randomBytes, sha256 } from "../_helpers.ts";
import { skipSuite } from "../_skip.ts";
import {
  CHROMIUM,
  CHROMIUM_ARGS,
  eventually,
  missing,
  playwright,
  type RunningWorker,
  startDenoWorker,
} from "./_worker_e2e.ts";

const KiB = 1024;
const CHUNK = 256 * KiB;
const SECRET = "page-e2e-upload-secret-0123456789abcdef";
const TOKEN = "sk-page-e2e-docspace-token-never-shown";
const AXE = new URL(
  "../../worker/tools/node_modules/axe-core/axe.min.js",
  import.meta.url,
);

function axeMissing(): string | undefined {
  try {
    Deno.statSync(AXE);
    return undefined;
  } catch {
    return "axe-core is not installed in worker/tools/node_modules (run worker/install.sh)";
  }
}

function reasons(): string | undefined {
  const all = [missing("chromium"), missing("playwright"), axeMissing()]
    .filter((r) => r !== undefined);
  return all.length ? all.join("; ") : undefined;
}

/** Where the screenshots go: PAGE_ARTIFACTS_DIR, else a new temporary folder (printed). */
async function artifactsDir(): Promise<string> {
  const dir = Deno.env.get("PAGE_ARTIFACTS_DIR") ??
    await Deno.makeTempDir({ prefix: "upload-page-artifacts-" });
  await Deno.mkdir(dir, { recursive: true });
  console.log(`upload page screenshots: ${dir}`);
  return dir;
}

// Playwright's objects, as far as this test uses them (its types live in node_modules, not in the import map).
// deno-lint-ignore no-explicit-any
type Page = any;
// deno-lint-ignore no-explicit-any
type Route = any;

/** axe-core's serious and critical findings on the page as it is now. */
async function axeFindings(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol, which the page's script-src 'self' does not govern.
  await page.evaluate(await Deno.readTextFile(AXE));
  const violations: { id: string; impact: string; help: string }[] = await page
    .evaluate(
      `axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help + ": " + v.nodes.map((n) => n.target.join(" ")).join(", ") })))`,
    );
  return violations.filter((v) =>
    v.impact === "serious" || v.impact === "critical"
  ).map((v) => `${v.id} (${v.impact}): ${v.help}`);
}

/** The row of a file in the page's list. */
function row(page: Page, name: string) {
  return page.locator("#list li", { hasText: name });
}

/** Chunk requests the test holds back, per file title, from a chunk number on; and a 503 to answer once. */
interface Gate {
  hold: Map<string, number>;
  held: Route[];
  /** A file title and chunk number to answer once with the gateway's 503 and queue place. */
  busy?: { title: string; chunk: number } | undefined;
  /** Every chunk request that went on, as `title#chunk`. */
  passed: string[];
}

async function gate(
  page: Page,
  docspace: RunningEmulator,
  state: Gate,
): Promise<void> {
  await page.route("**/ChunkedUploader.ashx?*", async (route: Route) => {
    const url = new URL(route.request().url());
    const uid = url.searchParams.get("uid");
    const chunk = Number(url.searchParams.get("chunkNumber") ?? 0);
    const title = docspace.emulator.sessions().find((s) => s.id === uid)?.title;
    const from = title === undefined ? undefined : state.hold.get(title);
    if (from !== undefined && chunk >= from) {
      state.held.push(route);
      return;
    }
    if (
      state.busy && title === state.busy.title && chunk === state.busy.chunk
    ) {
      state.busy = undefined;
      await route.fulfill({
        status: 503,
        headers: { "retry-after": "2", "content-type": "application/json" },
        body: JSON.stringify({
          error: { message: "DocSpace's request budget is in use" },
          queue: { position: 3, waitedMs: 30004, retryAfter: 2 },
        }),
      });
      return;
    }
    if (chunk > 0) state.passed.push(`${title}#${chunk}`);
    await route.continue().catch(() => {});
  });
}

/** Lets held chunk requests go on (those whose page is gone fail, which is fine). */
function release(state: Gate, title: string): void {
  state.hold.delete(title);
  for (const route of state.held.splice(0)) route.continue().catch(() => {});
}

Deno.test({
  name:
    "the upload page in Chromium: 3 files and a folder of 5 byte-exact, a cancel, a reload and resume, a discard, accessible, phone-sized",
  ignore: skipSuite("the upload page in Chromium", reasons()),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const why = reasons();
    if (why) throw new Error(why);
    await using docspace = await startEmulator({
      users: [{ id: "admin", tokens: [TOKEN] }],
      folders: [{ id: 1 }, { id: 2 }],
      chunkUploadSize: CHUNK,
      // On disk storage (the default) DocSpace refuses to abort a session that has stored chunks, which
      // then stays until it expires (src/emulator/_uploader.ts abortSession); S3 storage aborts it.
      dataStore: "s3",
    });
    await using worker = await startDenoWorker({
      DOCSPACE_URL: docspace.url,
      DOCSPACE_TOKEN: TOKEN,
      UPLOAD_SECRET: SECRET,
      ALLOWED_FOLDERS: "1",
    });
    const shots = await artifactsDir();
    const dir = await Deno.makeTempDir({ prefix: "upload-page-files-" });
    const browser = await playwright().chromium.launch({
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGS,
    });
    try {
      await exercise(t, worker, docspace, dir, shots, browser);
    } finally {
      await browser.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

async function exercise(
  t: Deno.TestContext,
  worker: RunningWorker,
  docspace: RunningEmulator,
  dir: string,
  shots: string,
  // deno-lint-ignore no-explicit-any
  browser: any,
): Promise<void> {
  const { emulator } = docspace;
  const bytes = new Map<string, Uint8Array>();
  const write = async (path: string, size: number) => {
    const data = randomBytes(size);
    await Deno.mkdir(`${dir}/${path.split("/").slice(0, -1).join("/")}`, {
      recursive: true,
    });
    await Deno.writeFile(`${dir}/${path}`, data);
    bytes.set(path, data);
  };
  await write("notes.txt", 1000);
  await write("report.bin", 3 * CHUNK + 123);
  await write("cancel me.bin", 8 * CHUNK);
  await write("album/empty.txt", 0);
  await write("album/a.bin", CHUNK + 1);
  await write("album/b.txt", 5000);
  await write("album/sub/c.bin", 2 * CHUNK);
  await write("album/sub/deeper/d.txt", 77);
  await write("later/resume me.bin", 8 * CHUNK);
  await write("later/discard me.bin", 6 * CHUNK);

  const ticket = await createUploadTicket({
    secret: SECRET,
    folderId: 1,
    maxBytes: 4 * 1024 * KiB,
    expiresIn: 900,
  });
  const context = await browser.newContext({
    viewport: { width: 1000, height: 900 },
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error: Error) => errors.push(error.message));
  const dialogs: string[] = [];
  page.on("dialog", (dialog: { type(): string; accept(): Promise<void> }) => {
    dialogs.push(dialog.type());
    dialog.accept();
  });
  const state: Gate = { hold: new Map(), held: [], passed: [] };
  await gate(page, docspace, state);
  await page.route("**/queue", (route: Route) =>
    route.fulfill({
      status: 200,
      contentType: "application/json",
      body: JSON.stringify({ queue: { waiting: 2, position: 1, inFlight: 4 } }),
    }));
  const shot = (name: string) =>
    page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });

  await t.step(
    "empty: the ticket read from the fragment and hidden",
    async () => {
      await page.goto(`${worker.url}/#ticket=${ticket}`);
      assertFalse(page.url().includes("ticket"));
      assertEquals(await page.inputValue("#folder"), "1");
      assertMatch(
        await page.textContent("#ticket-info"),
        /^This ticket allows files up to 4\.0 MiB into folder 1, until /,
      );
      assertEquals(await page.textContent("#summary"), "No files yet.");
      await shot("1-empty");
      assertEquals(await axeFindings(page), []);
    },
  );

  await t.step("three files and a folder of five picked", async () => {
    await page.setInputFiles("#files", [
      `${dir}/notes.txt`,
      `${dir}/report.bin`,
      `${dir}/cancel me.bin`,
    ]);
    await page.setInputFiles("#folder-files", `${dir}/album`);
    assertEquals(
      await page.textContent("#summary"),
      "8 files (3.5 MiB): 8 ready.",
    );
    assertEquals(await page.locator("#list li").count(), 8);
    assertEquals(
      await row(page, "deeper/d.txt").locator(".name").textContent(),
      "album/sub/deeper/d.txt",
    );
    await shot("2-picked");
    assertEquals(await axeFindings(page), []);
  });

  await t.step(
    "uploading: progress, a 503 and the gateway's queue in words, one cancelled and its session aborted",
    async () => {
      state.hold.set("cancel me.bin", 3);
      state.busy = { title: "report.bin", chunk: 2 };
      await page.evaluate(`
      globalThis.reportSeen = [];
      const target = [...document.querySelectorAll("#list li")].find((li) => li.textContent.includes("report.bin"));
      new MutationObserver(() => globalThis.reportSeen.push(target.querySelector(".state").textContent))
        .observe(target, { childList: true, characterData: true, subtree: true });
    `);
      await page.click("#upload");
      const cancelRow = row(page, "cancel me.bin");
      await cancelRow.locator(".state", { hasText: /^(2[5-9]|[3-9]\d) % · / })
        .waitFor({
          timeout: 60_000,
        });
      await eventually(
        () => state.held.length > 0,
        "the third chunk of cancel me.bin to be held",
      );
      // While uploads run, the page asks the gateway's GET /queue (answered here by the test).
      await page.locator("#wait", {
        hasText:
          "Waiting for the gateway: it is busy with other uploads (yours is next in line).",
      }).waitFor();
      await shot("3-uploading");
      const session = emulator.sessions().find((s) =>
        s.title === "cancel me.bin"
      )!;
      assert(session !== undefined, "no session for cancel me.bin");
      await page.getByRole("button", { name: "Cancel cancel me.bin" }).click();
      await cancelRow.locator(".state", { hasText: "Cancelled" }).waitFor();
      await eventually(
        () =>
          emulator.log.some((e) => e.mode === "abort" && e.uid === session.id),
        "the cancelled upload's session to be aborted",
      );
      release(state, "cancel me.bin");
      assertFalse(
        emulator.sessions().some((s) => s.id === session.id),
        JSON.stringify(
          emulator.log.filter((e) => e.uid === session.id).map((
            e,
          ) => [e.mode, e.chunkNumber, e.status, e.message]),
        ),
      );
      // The Retry button took the focus from the Cancel button that went away.
      assertEquals(
        await page.evaluate(
          "document.activeElement.getAttribute('aria-label')",
        ),
        "Retry cancel me.bin",
      );
      await page.locator("#summary", {
        hasText: "8 files (3.5 MiB): 7 uploaded, 1 cancelled.",
      }).waitFor({ timeout: 90_000 });
      const reportSeen: string[] = await page.evaluate("globalThis.reportSeen");
      assert(
        reportSeen.some((s) =>
          /^\d+ %: Waiting for the gateway: 2 uploads ahead, retrying in 2 s$/
            .test(s)
        ),
        `report.bin's states: ${[...new Set(reportSeen)].join(" | ")}`,
      );
      assert(await page.locator("#wait").isHidden());
      await shot("4-cancelled");
      assertEquals(await axeFindings(page), []);
    },
  );

  await t.step(
    "every upload byte-exact, the folder's tree kept, links to DocSpace",
    async () => {
      for (const path of bytes.keys()) {
        if (path.startsWith("later/") || path === "cancel me.bin") continue;
        const title = path.split("/").pop()!;
        const folder = path.split("/").slice(0, -1).join("/");
        const stored = emulator.files().filter((f) => f.title === title);
        assertEquals(stored.length, 1, path);
        assertEquals(
          emulator.folderPath(stored[0]!.folderId),
          folder || undefined,
        );
        assertEquals(stored[0]!.sha256, await sha256(bytes.get(path)!), path);
      }
      assertFalse(emulator.files().some((f) => f.title === "cancel me.bin"));
      const link = row(page, "notes.txt").getByRole("link");
      assertEquals(
        await link.getAttribute("aria-label"),
        "Open in DocSpace: notes.txt",
      );
      assertMatch(
        await link.getAttribute("href"),
        /^http:\/\/127\.0\.0\.1:\d+\/doceditor\?fileid=\d+&version=1$/,
      );
      assertEquals(
        await row(page, "notes.txt").locator(".state").textContent(),
        "Uploaded as “notes.txt”",
      );
    },
  );

  let resumeUid = "";
  let discardUid = "";
  await t.step(
    "a reload mid-upload: the ticket kept, the unfinished uploads offered",
    async () => {
      await page.click("#clear");
      state.hold.set("resume me.bin", 4);
      state.hold.set("discard me.bin", 3);
      await page.setInputFiles("#files", [
        `${dir}/later/resume me.bin`,
        `${dir}/later/discard me.bin`,
      ]);
      await page.click("#upload");
      // Three chunks of one and two of the other confirmed and saved, the rest held back.
      await eventually(
        () => {
          const saved = emulator.sessions();
          resumeUid = saved.find((s) => s.title === "resume me.bin")?.id ?? "";
          discardUid = saved.find((s) => s.title === "discard me.bin")?.id ??
            "";
          return state.passed.filter((p) => p.startsWith("resume me.bin#"))
                .length === 3 &&
            state.passed.filter((p) => p.startsWith("discard me.bin#"))
                .length === 2 &&
            state.held.length === 4;
        },
        "chunks 1-3 and 1-2 to pass and the next ones to be held",
        60_000,
      );
      await page.waitForFunction(
        `Object.keys(localStorage).filter((k) => k.startsWith("docspace-upload:v1:")).map((k) => JSON.parse(localStorage[k]).state.confirmedChunks.length).sort().join() === "2,3"`,
      );
      await page.reload();
      state.held.splice(0);
      state.hold.clear();
      assertEquals(dialogs, ["beforeunload"]);
      assertEquals(await page.inputValue("#ticket"), ticket);
      assertFalse(page.url().includes("ticket"));
      await page.locator("#resume").waitFor();
      const offered = await page.locator("#saved li").allTextContents();
      assertEquals(
        offered.map((s: string) => s.replace(/Discard$/, "")).sort(),
        [
          "discard me.bin33 % of 1.5 MiB uploaded, into folder 1",
          "resume me.bin37 % of 2.0 MiB uploaded, into folder 1",
        ],
      );
      // Nothing was aborted on the way out: both sessions wait to be resumed.
      assertEquals(
        emulator.sessions().filter((s) => s.title.endsWith(" me.bin")).map((
          s,
        ) => s.id).sort(),
        [discardUid, resumeUid].sort(),
      );
      await shot("5-resume-offer");
      assertEquals(await axeFindings(page), []);
    },
  );

  await t.step(
    "discard aborts the session; the same file picked again resumes, only its missing chunks sent",
    async () => {
      await page.getByRole("button", { name: "Discard discard me.bin" })
        .click();
      await eventually(
        () =>
          emulator.log.some((e) => e.mode === "abort" && e.uid === discardUid),
        "the discarded session to be aborted",
      );
      await page.locator("#saved li").filter({ hasText: "discard me.bin" })
        .waitFor({ state: "detached" });
      await page.setInputFiles("#files", `${dir}/later/resume me.bin`);
      assertEquals(
        await row(page, "resume me.bin").locator(".state").textContent(),
        "Ready: continues at 37 %",
      );
      assert(await page.locator("#resume").isHidden());
      const before = state.passed.length;
      await page.click("#upload");
      await page.locator("#summary", { hasText: "1 uploaded" }).waitFor({
        timeout: 60_000,
      });
      assertEquals(state.passed.slice(before).sort(), [
        "resume me.bin#4",
        "resume me.bin#5",
        "resume me.bin#6",
        "resume me.bin#7",
        "resume me.bin#8",
      ]);
      const chunks = emulator.log.filter((e) =>
        e.mode === "numbered" && e.uid === resumeUid
      ).map((e) => e.chunkNumber).sort((a, b) => a! - b!);
      assertEquals(chunks, [1, 2, 3, 4, 5, 6, 7, 8]);
      const stored = emulator.files().find((f) => f.title === "resume me.bin")!;
      assertEquals(
        stored.sha256,
        await sha256(bytes.get("later/resume me.bin")!),
      );
      // Files smaller than a chunk went as one chunk each, whose sessions DocSpace keeps; no other is open.
      assertEquals(emulator.sessions().filter((s) => !s.small), []);
      assertEquals(
        await page.evaluate(
          `Object.keys(localStorage).filter((k) => k.startsWith("docspace-upload:")).length`,
        ),
        0,
      );
      await shot("6-done");
      assertEquals(await axeFindings(page), []);
    },
  );

  await t.step("two files dropped are both listed and uploaded", async () => {
    await page.click("#clear");
    // A synthetic drop has no file system entries: the page takes its files.
    await page.evaluate(`
      const transfer = new DataTransfer();
      transfer.items.add(new File(["first dropped file"], "dropped 1.txt"));
      transfer.items.add(new File(["second dropped file"], "dropped 2.txt"));
      document.getElementById("drop").dispatchEvent(
        new DragEvent("drop", { dataTransfer: transfer, bubbles: true, cancelable: true }),
      );
    `);
    await page.locator("#summary", { hasText: "2 files (37 bytes): 2 ready." })
      .waitFor();
    await page.click("#upload");
    await page.locator("#summary", { hasText: "2 uploaded" }).waitFor({
      timeout: 60_000,
    });
    for (
      const [title, text] of [
        ["dropped 1.txt", "first dropped file"],
        ["dropped 2.txt", "second dropped file"],
      ]
    ) {
      const stored = emulator.files().filter((f) => f.title === title);
      assertEquals(stored.map((f) => new TextDecoder().decode(f.bytes)), [
        text,
      ]);
    }
  });

  await t.step(
    "phone-sized: 390 px wide, no sideways scrolling, still accessible",
    async () => {
      await page.setViewportSize({ width: 390, height: 844 });
      assertEquals(
        await page.evaluate("document.documentElement.scrollWidth"),
        390,
      );
      await shot("7-done-phone");
      assertEquals(await axeFindings(page), []);
      assertEquals(errors, []);
    },
  );
}
