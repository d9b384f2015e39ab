// `deno task install:cli [--root DIR]`: installs the CLI from this checkout as the command `docspace-upload`
// (`deno install --global`, with this deno.json's import map), then says what else the command needs: the
// installed script runs `deno` from PATH (a `deno` run through npx is not on it) and lives in DIR/bin.
// The checkout must stay where it is: the command runs its cli.ts.
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The command's name. */
export const COMMAND = "docspace-upload";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Whether an executable `name` is in one of the PATH folders. */
function onPath(name: string, path: string): boolean {
  return path.split(delimiter).filter((dir) => dir !== "").some((dir) => {
    try {
      const info = Deno.statSync(join(dir, name));
      return info.isFile && ((info.mode ?? 0o111) & 0o111) !== 0;
    } catch {
      return false;
    }
  });
}

if (import.meta.main) {
  const args = [...Deno.args];
  const rootAt = args.indexOf("--root");
  const root = rootAt >= 0 ? args[rootAt + 1] : undefined;
  if (rootAt >= 0 && root === undefined) {
    console.error("install:cli: --root needs a folder");
    Deno.exit(2);
  }
  const { code } = await new Deno.Command(Deno.execPath(), {
    args: [
      "install",
      "--global",
      "--allow-all",
      "--force",
      "--quiet",
      "--name",
      COMMAND,
      "--config",
      join(ROOT, "deno.json"),
      ...(root === undefined ? [] : ["--root", root]),
      join(ROOT, "cli.ts"),
    ],
  }).spawn().status;
  if (code !== 0) Deno.exit(code);
  const home = Deno.env.get("HOME") ?? Deno.env.get("USERPROFILE") ?? "~";
  const bin = join(
    root ?? Deno.env.get("DENO_INSTALL_ROOT") ?? join(home, ".deno"),
    "bin",
  );
  const path = Deno.env.get("PATH") ?? "";
  console.log(`Installed ${COMMAND} into ${bin}.`);
  if (!path.split(delimiter).includes(bin)) {
    console.log(`Add it to your PATH: export PATH="${bin}:$PATH"`);
  }
  if (!onPath(Deno.build.os === "windows" ? "deno.exe" : "deno", path)) {
    console.log(
      `${COMMAND} runs \`deno\` from your PATH, and there is none (a Deno run through npx is not on it): ` +
        "install it with `npm install -g deno@2.9.6`.",
    );
  }
  console.log(`Try: ${COMMAND} --help`);
}
