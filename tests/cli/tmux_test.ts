// The progress bars as a person sees them: the CLI runs in a real terminal (tmux) against a slow
// emulator, and the test reads the screen with `tmux capture-pane`.
import { assert, assertEquals, assertMatch } from "@std/assert";
import { ROOT, tempDir, waitFor } from "./_run.ts";

const tmux = await new Deno.Command("tmux", { args: ["-V"] }).output()
  .then((o) => o.success, () => false);
if (!tmux) {
  console.warn(
    "tests/cli/tmux_test.ts: tmux is not installed, so the terminal test is skipped (apt-get install -y tmux)",
  );
}

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

/** Runs the portal script in a new tmux session; returns the socket name. */
async function startPane(dir: string, args: string[]): Promise<string> {
  const socket = `docspace-cli-test-${crypto.randomUUID().slice(0, 8)}`;
  const script = `${ROOT}tests/cli/_tmux_portal.ts`;
  await tmuxRun(socket, [
    "new-session",
    "-d",
    "-s",
    "cli",
    "-x",
    "100",
    "-y",
    "24",
    `'${Deno.execPath()}' run -A '${script}' '${dir}' ${
      args.join(" ")
    }; sleep 60`,
  ]);
  return socket;
}

const screenOf = (socket: string) =>
  tmuxRun(socket, ["capture-pane", "-p", "-t", "cli"]);
const exited = (dir: string) =>
  Deno.readTextFile(`${dir}/exit-code`).then((code) => code, () => undefined);

Deno.test({
  name: "cli shows a progress bar per file in a terminal, then the summaries",
  ignore: !tmux,
  async fn() {
    await using dir = await tempDir();
    const socket = await startPane(dir.path, ["4096", "2", "100"]);
    try {
      const frames: string[] = [];
      await waitFor("the CLI to finish", async () => {
        frames.push(await tmuxRun(socket, ["capture-pane", "-p", "-t", "cli"]));
        return await Deno.stat(`${dir.path}/exit-code`).then(
          () => true,
          () => undefined,
        );
      }, 30_000);
      const screen = await screenOf(socket);
      assertEquals(await Deno.readTextFile(`${dir.path}/exit-code`), "0");

      // While uploading: two bars at once, one per file, each line whole (nothing wrapped or left over).
      const drawn = frames.map((frame) =>
        frame.split("\n").filter((line) => line.trim() !== "")
      );
      const both = drawn.find((lines) =>
        lines.length === 2 && lines.every((line) => BAR.test(line))
      );
      if (both === undefined) {
        throw new Error(`No frame showed two bars:\n${frames.join("\n---\n")}`);
      }
      // The two files start at once, in either order.
      assertEquals(
        both.map((line) => BAR.exec(line)?.[1]).sort(),
        ["file-1.bin", "file-2.bin"],
      );
      // The bars move: file-1 was seen at several percentages between 0 and 100.
      const percents = new Set(
        drawn.flat().map((line) => BAR.exec(line)).filter((m) =>
          m?.[1] === "file-1.bin"
        )
          .map((m) => Number(m![3])),
      );
      assert(
        [...percents].filter((p) => p > 0 && p < 100).length >= 2,
        `file-1.bin was seen at ${[...percents].join(", ")}%`,
      );
      // Every bar line seen is a well-formed, complete line.
      for (const line of drawn.flat()) {
        if (line.includes("░") || line.includes("█")) assertMatch(line, BAR);
      }

      // At the end: the bars are gone; the summaries and the total stay.
      const lines = screen.split("\n").filter((line) => line.trim() !== "");
      assertEquals(lines.length, 4, screen);
      assertMatch(
        lines[0]!,
        /^file-[12]\.bin: 4 MiB uploaded to folder 1 \(file [12], version 1\) in \S+( \S+)?, [\d.]+ (KiB|MiB)\/s$/,
      );
      assertMatch(lines[1]!, /^file-[12]\.bin: 4 MiB uploaded to folder 1/);
      assertMatch(lines[2]!, /^Done: 2 uploaded \(8 MiB in [^)]+\)$/);
      assertEquals(lines[3], "CLI EXITED 0");
      assert(!screen.includes("\x1b") && !/[█░]|\[2K|\[J/.test(screen), screen);
    } finally {
      await tmuxRun(socket, ["kill-server"]).catch(() => {});
    }
  },
});

Deno.test({
  name: "cli asks for the token on a terminal without echoing it",
  ignore: !tmux,
  async fn() {
    await using dir = await tempDir();
    const socket = await startPane(dir.path, ["256", "1", "0", "prompt"]);
    try {
      await waitFor(
        "the prompt",
        async () =>
          (await screenOf(socket)).includes("DocSpace token (input hidden):")
            ? true
            : undefined,
      );
      await tmuxRun(socket, [
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
      const screen = await screenOf(socket);
      assert(!screen.includes("emulator-token"), screen);
      assertMatch(screen, /file-1\.bin: 256 KiB uploaded to folder 1/);
    } finally {
      await tmuxRun(socket, ["kill-server"]).catch(() => {});
    }
  },
});

Deno.test({
  name: "cli stops with 130 on Ctrl-C at the token prompt",
  ignore: !tmux,
  async fn() {
    await using dir = await tempDir();
    const socket = await startPane(dir.path, ["256", "1", "0", "prompt"]);
    try {
      await waitFor(
        "the prompt",
        async () =>
          (await screenOf(socket)).includes("DocSpace token (input hidden):")
            ? true
            : undefined,
      );
      await tmuxRun(socket, ["send-keys", "-t", "cli", "C-c"]);
      assertEquals(
        await waitFor("the CLI to stop", () => exited(dir.path)),
        "130",
      );
    } finally {
      await tmuxRun(socket, ["kill-server"]).catch(() => {});
    }
  },
});
