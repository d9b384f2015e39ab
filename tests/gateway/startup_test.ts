// The gateway's Deno entry refuses to start without its settings: one line per missing or bad one, exit 1,
// instead of serving 500 to every request (the page included).
import { assertEquals } from "@std/assert";

const entry = new URL("../../worker/deno.ts", import.meta.url).pathname;

async function start(env: Record<string, string>) {
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--unstable-kv", "-A", entry],
    clearEnv: true,
    env: { PATH: Deno.env.get("PATH") ?? "", PORT: "0", ...env },
    stdout: "null",
    stderr: "piped",
  }).output();
  return {
    code,
    lines: new TextDecoder().decode(stderr).trimEnd().split("\n"),
  };
}

Deno.test("worker/deno.ts without any setting says which are missing and exits 1", async () => {
  assertEquals(await start({}), {
    code: 1,
    lines: [
      "gateway: DOCSPACE_URL is not set (the portal's URL)",
      "gateway: DOCSPACE_TOKEN is not set (the portal's API key, a secret)",
      "gateway: UPLOAD_SECRET is not set (the credential callers present, and the key for upload tickets)",
    ],
  });
});

Deno.test("worker/deno.ts with bad settings names each and exits 1", async () => {
  assertEquals(
    await start({
      DOCSPACE_URL: "ftp://x",
      UPLOAD_SECRET: "short",
      IDLE_TIMEOUT: "abc",
    }),
    {
      code: 1,
      lines: [
        'gateway: DOCSPACE_URL must be the portal\'s http(s) URL, received "ftp://x"',
        "gateway: DOCSPACE_TOKEN is not set (the portal's API key, a secret)",
        "gateway: UPLOAD_SECRET must be at least 24 characters long (it has 5); make one with `openssl rand -base64 32`",
        'gateway: IDLE_TIMEOUT must be a number of seconds between 0.001 and 86400, like 30, received "abc"',
      ],
    },
  );
});
