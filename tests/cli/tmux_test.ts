// The progress bars as a person sees them: the CLI runs in a real terminal (tmux) against a slow
// emulator, and the test reads the screen with `tmux capture-pane`: bars that line up and never wrap at
// 80 columns, the percent and the ETA at 40, a retry on its bar, a hostile name shown escaped.
import { assert, assertEquals, assertMatch } from "@std/assert";
import type { PaneSetup } from "./_tmux_portal.ts";
import { ROOT, tempDir, waitFor } from "./_run.ts";
import { skipSuite } from "../_skip.ts";

const tmux = !skipSuite(
  "the CLI in a terminal (tmux)",
  await new Deno.Command("tmux", { args: ["-V"] }).output().then(
      (o) => o.success,
      () => false,
    )
    ? undefined
    : "tmux is not installed (apt-get install -y tmux)",
);

async function tmuxRun(socket: string, args: string[]): Promise<string> {
  const output = await new Deno.Command("tmux", {
    args: ["-L", socket, ...args],
  }).output();
  if (!output.success) {
    throw new Error(
      `tmux ${args.join(" ")}: ${new TextDecoder().decode(output.stderr)}`,
    );
  }
  return new TextDecoder().decode(output.stdout);
}

const BAR = new RegExp(
  "^(file-[12]\\.bin) {2}\\[([█░]{30})\\] +(\\d+)% {2,}[\\d.]+ (B|KiB|MiB) \\/ 4 MiB {2,}" +
    "([\\d.]+ (B|KiB|MiB)\\/s|--) {2}(ETA (\\d+m )?\\d+s|ETA --|done)$",
);

/** A pane of `width` columns running the portal script; disposing of it kills its tmux server. */
async function startPane(dir: string, setup: PaneSetup, width = 100) {
  const socket = `docspace-cli-test-${crypto.randomUUID().slice(0, 8)}`;
  const script = `${ROOT}tests/cli/_tmux_portal.ts`;
  await tmuxRun(socket, [
    "new-session",
    "-d",
    "-s",
    "cli",
    "-x",
    String(width),
    "-y",
    "24",
    `'${Deno.execPath()}' run -A '${script}' '${dir}' '${
      JSON.stringify(setup)
    }'; sleep 60`,
  ]);
  return {
    socket,
    screen: () => tmuxRun(socket, ["capture-pane", "-p", "-t", "cli"]),
    async [Symbol.asyncDispose]() {
      await tmuxRun(socket, ["kill-server"]).catch(() => {});
    },
  };
}

const exited = (dir: string) =>
  Deno.readTextFile(`${dir}/exit-code`).then((code) => code, () => undefined);

/**
 * Every screen seen until the CLI exits, each as its non-empty rows. A screen counts once two captures
 * in a row show it, so a redraw that tmux has only half taken in is not mistaken for a broken line.
 */
async function framesUntilExit(
  pane: { screen: () => Promise<string> },
  dir: string,
): Promise<string[][]> {
  const frames: string[][] = [];
  let last = "";
  await waitFor("the CLI to finish", async () => {
    const screen = await pane.screen();
    if (
      screen === last && frames.at(-1)?.join("\n") !== rowsOf(screen).join("\n")
    ) {
      frames.push(rowsOf(screen));
    }
    last = screen;
    return await exited(dir);
  }, 30_000);
  frames.push(rowsOf(await pane.screen()));
  return frames;
}

function rowsOf(screen: string): string[] {
  return screen.split("\n").filter((row) => row.trim() !== "");
}

const isBar = (row: string) => /\[[█░]+\]/.test(row);

Deno.test({
  name: "cli shows a progress bar per file in a terminal, then the summaries",
  ignore: !tmux,
  async fn() {
    await using dir = await tempDir();
    await using pane = await startPane(dir.path, {
      files: [{ name: "file-1.bin", kib: 4096 }, {
        name: "file-2.bin",
        kib: 4096,
      }],
      latency: 100,
    });
    const frames = await framesUntilExit(pane, dir.path);
    assertEquals(await exited(dir.path), "0");
    // While uploading: two bars at once, one per file, each line whole (nothing wrapped or left over).
    const both = frames.find((rows) =>
      rows.length === 2 && rows.every((row) => BAR.test(row))
    );
    if (both === undefined) {
      throw new Error(`No frame showed two bars:\n${frames.join("\n---\n")}`);
    }
    // The two files start at once, in either order.
    assertEquals(
      both.map((row) => BAR.exec(row)?.[1]).sort(),
      ["file-1.bin", "file-2.bin"],
    );
    // The bars move: file-1 was seen at several percentages between 0 and 100.
    const percents = new Set(
      frames.flat().map((row) => BAR.exec(row)).filter((m) =>
        m?.[1] === "file-1.bin"
      ).map((m) => Number(m![3])),
    );
    assert(
      [...percents].filter((p) => p > 0 && p < 100).length >= 2,
      `file-1.bin was seen at ${[...percents].join(", ")}%`,
    );
    for (const row of frames.flat()) if (isBar(row)) assertMatch(row, BAR);

    // At the end: the bars are gone; the summaries and the total stay.
    const screen = await pane.screen();
    const rows = frames.at(-1)!;
    assertEquals(rows.length, 4, screen);
    assertMatch(
      rows[0]!,
      /^file-[12]\.bin: 4 MiB uploaded to folder 1 \(file [12], version 1\) in \S+( \S+)?, [\d.]+ (KiB|MiB)\/s$/,
    );
    assertMatch(rows[1]!, /^file-[12]\.bin: 4 MiB uploaded to folder 1/);
    assertMatch(rows[2]!, /^Done: 2 uploaded \(8 MiB in [^)]+\)$/);
    assertEquals(rows[3], "CLI EXITED 0");
    assert(!screen.includes("\x1b") && !/[█░]|\[2K|\[J/.test(screen), screen);
  },
});

Deno.test({
  name:
    "cli at 80 columns: bars of files of other names and sizes line up, and no line wraps",
  ignore: !tmux,
  async fn() {
    await using dir = await tempDir();
    await using pane = await startPane(dir.path, {
      files: [
        { name: "a.bin", kib: 512 },
        { name: "a-much-longer-file-name-than-the-other.iso", kib: 6144 },
      ],
      latency: 100,
    }, 80);
    const frames = await framesUntilExit(pane, dir.path);
    assertEquals(await exited(dir.path), "0");
    const pairs = frames.filter((rows) => rows.filter(isBar).length === 2).map((
      rows,
    ) => rows.filter(isBar));
    assert(pairs.length > 0, frames.join("\n---\n"));
    for (const frame of frames) {
      for (const row of frame.filter(isBar)) {
        // A wrapped bar would leave a row that is not a whole bar line.
        assert([...row].length <= 79, row);
        assertMatch(
          row,
          /^\S.* {2}\[[█░]{5,30}\] +\d+% {2,}[\d.]+ (B|KiB|MiB) \/ [\d.]+ (KiB|MiB) +(--|[\d.]+ (B|KiB|MiB)\/s) {2}(ETA \S+( \S+)?|done)$/,
        );
      }
    }
    for (const [a, b] of pairs) {
      for (const mark of ["[", "]", "%", "/", "ETA"]) {
        if (a!.includes(mark) && b!.includes(mark)) {
          assertEquals(a!.indexOf(mark), b!.indexOf(mark), `${a}\n${b}`);
        }
      }
    }
  },
});

Deno.test({
  name: "cli at 40 columns keeps the percent and the ETA on the bar",
  ignore: !tmux,
  async fn() {
    await using dir = await tempDir();
    await using pane = await startPane(dir.path, {
      files: [{ name: "file-1.bin", kib: 2048 }],
      latency: 100,
    }, 40);
    const frames = await framesUntilExit(pane, dir.path);
    assertEquals(await exited(dir.path), "0");
    const bars = frames.flat().filter(isBar);
    assert(bars.length > 0, frames.join("\n---\n"));
    for (const row of bars) {
      assert([...row].length <= 39, row);
      assertMatch(
        row,
        /^file-1\.bin {2}\[[█░]+\] +\d+% {2}(ETA --|ETA \d+s|ETA \d+m \d+s|done)$/,
      );
    }
    assert(
      bars.some((row) => /\b([1-9]\d?)% {2}ETA \d/.test(row)),
      bars.join("\n"),
    );
  },
});

Deno.test({
  name: "cli shows a retry on the file's bar: why, and when the next try is",
  ignore: !tmux,
  async fn() {
    await using dir = await tempDir();
    await using pane = await startPane(dir.path, {
      files: [{ name: "file-1.bin", kib: 2048 }],
      latency: 50,
      fault: {
        kind: "status",
        status: 503,
        retryAfter: 2,
        match: { mode: "numbered", chunkNumber: 3 },
      },
    }, 80);
    const frames = await framesUntilExit(pane, dir.path);
    assertEquals(await exited(dir.path), "0");
    const retrying = frames.flat().filter((row) => row.includes("retry in"));
    assert(retrying.length > 0, frames.join("\n---\n"));
    for (const row of retrying) {
      assertMatch(
        row,
        /^file-1\.bin {2}\[[█░]+\] +\d+% {2}.* {2,}HTTP 503 {2}retry in [12]s$/,
      );
    }
  },
});

Deno.test({
  name: "cli shows a name with control characters escaped on the terminal",
  ignore: !tmux,
  async fn() {
    await using dir = await tempDir();
    await using pane = await startPane(dir.path, {
      files: [{ name: "red\x1b[31m\x07.bin", kib: 1024 }],
      latency: 100,
    });
    const frames = await framesUntilExit(pane, dir.path);
    assertEquals(await exited(dir.path), "0");
    assert(
      frames.flat().some((row) =>
        row.startsWith("red\\x1b[31m\\x07.bin  [") && isBar(row)
      ),
      frames.join("\n---\n"),
    );
    assertMatch(
      frames.at(-1)![0]!,
      /^red\\x1b\[31m\\x07\.bin: 1 MiB uploaded to folder 1 /,
    );
  },
});

Deno.test({
  name: "cli asks for the token on a terminal without echoing it",
  ignore: !tmux,
  async fn() {
    await using dir = await tempDir();
    await using pane = await startPane(dir.path, {
      files: [{ name: "file-1.bin", kib: 256 }],
      latency: 0,
      prompt: true,
    });
    await waitFor(
      "the prompt",
      async () =>
        (await pane.screen()).includes("DocSpace token (input hidden):")
          ? true
          : undefined,
    );
    await tmuxRun(pane.socket, [
      "send-keys",
      "-t",
      "cli",
      "emulator-token",
      "Enter",
    ]);
    assertEquals(
      await waitFor("the CLI to finish", () => exited(dir.path)),
      "0",
    );
    const screen = await pane.screen();
    assert(!screen.includes("emulator-token"), screen);
    assertMatch(screen, /file-1\.bin: 256 KiB uploaded to folder 1/);
  },
});

Deno.test({
  name: "cli stops with 130 on Ctrl-C at the token prompt",
  ignore: !tmux,
  async fn() {
    await using dir = await tempDir();
    await using pane = await startPane(dir.path, {
      files: [{ name: "file-1.bin", kib: 256 }],
      latency: 0,
      prompt: true,
    });
    await waitFor(
      "the prompt",
      async () =>
        (await pane.screen()).includes("DocSpace token (input hidden):")
          ? true
          : undefined,
    );
    await tmuxRun(pane.socket, ["send-keys", "-t", "cli", "C-c"]);
    assertEquals(
      await waitFor("the CLI to stop", () => exited(dir.path)),
      "130",
    );
  },
});
