// `deno task gateway:try [--folder 1] [--expires 1h] [--port 8787]`: the upload gateway to try locally, in
// one command. Starts the DocSpace emulator and the gateway's Deno entry (worker/deno.ts) on loopback, with
// a fresh random UPLOAD_SECRET (or yours, from the environment), mints a ticket, prints the upload page's
// URL with it, and says each file the emulator stores (with its SHA-256), until Ctrl-C.
import { parseArgs } from "@std/cli/parse-args";
import { encodeBase64Url } from "@std/encoding/base64url";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createUploadTicket } from "../mod.ts";
import { weakSecret } from "../src/ticket/secret.ts";
import { startEmulator } from "../testing.ts";
import { pageUrl, parseLifetime } from "./ticket.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
/** How long the gateway may take to answer /health after it starts. */
const START_TIMEOUT = 30_000;
/** The largest file the printed ticket allows. */
const MAX_BYTES = 1024 ** 3;

function fail(message: string): never {
  console.error(`gateway:try: ${message}`);
  Deno.exit(2);
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr;
  listener.close();
  return port;
}

/** Environment the child Deno needs to find its caches; nothing else of the caller's leaks into settings. */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (
    const name of [
      "PATH",
      "HOME",
      "DENO_DIR",
      "XDG_CACHE_HOME",
      "NO_COLOR",
      "TMPDIR",
    ]
  ) {
    const value = Deno.env.get(name);
    if (value !== undefined) env[name] = value;
  }
  return env;
}

const flags = parseArgs(Deno.args, {
  string: ["folder", "expires", "port"],
  default: { folder: "1", expires: "1h", port: "0" },
});
const expiresIn = parseLifetime(flags.expires) ??
  fail(
    `--expires must be a lifetime like 15m, 2h or 1d, received ${
      JSON.stringify(flags.expires)
    }`,
  );
const folderId = /^[1-9]\d{0,9}$/.test(flags.folder) ? flags.folder : fail(
  `--folder must be a folder id like 1, received ${
    JSON.stringify(flags.folder)
  }`,
);
const port = /^\d{1,5}$/.test(flags.port) && Number(flags.port) < 65536
  ? Number(flags.port) || freePort()
  : fail(
    `--port must be a port number, received ${JSON.stringify(flags.port)}`,
  );

// UPLOAD_SECRET from the environment when set (to mint tickets with `deno task ticket` across runs), else
// a fresh one: 32 random bytes.
const givenSecret = Deno.env.get("UPLOAD_SECRET")?.trim() || undefined;
// The gateway refuses a weak secret (src/ticket/secret.ts): say so before starting it.
const weakness = givenSecret === undefined
  ? undefined
  : weakSecret(givenSecret);
if (weakness !== undefined) fail(`${weakness} (or unset it for a fresh one)`);
const secret = givenSecret ??
  encodeBase64Url(crypto.getRandomValues(new Uint8Array(32)));

const portal = await startEmulator();
const gateway = `http://127.0.0.1:${port}`;
const child = new Deno.Command(Deno.execPath(), {
  args: [
    "run",
    "--allow-net",
    "--allow-env",
    "--config",
    join(ROOT, "deno.json"),
    join(ROOT, "worker/deno.ts"),
  ],
  clearEnv: true,
  env: {
    ...baseEnv(),
    DOCSPACE_URL: portal.url,
    DOCSPACE_TOKEN: portal.token,
    UPLOAD_SECRET: secret,
    PORT: String(port),
    LISTEN_HOST: "127.0.0.1",
    PUBLIC_URL: gateway,
  },
  stdin: "null",
  stdout: "inherit",
  stderr: "inherit",
}).spawn();

let stopping = false;
async function stop(code: number): Promise<never> {
  stopping = true;
  try {
    child.kill("SIGTERM");
  } catch { /* already gone */ }
  await child.status;
  await portal.close();
  Deno.exit(code);
}
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, () => void stop(0));
}
child.status.then(({ code }) => {
  if (stopping) return;
  console.error(`gateway:try: the gateway exited (code ${code})`);
  void stop(code === 0 ? 1 : code);
});

// Wait for the gateway to answer its health check.
const deadline = Date.now() + START_TIMEOUT;
while (true) {
  const healthy = await fetch(`${gateway}/health`).then(
    async (response) => (await response.body?.cancel(), response.ok),
    () => false,
  );
  if (healthy) break;
  if (Date.now() > deadline) {
    console.error(`gateway:try: the gateway did not answer ${gateway}/health`);
    await stop(1);
  }
  await new Promise((resolve) => setTimeout(resolve, 100));
}

const ticket = await createUploadTicket({
  secret,
  folderId,
  maxBytes: MAX_BYTES,
  expiresIn,
});
console.log(`
The upload gateway (worker/deno.ts) is running in front of the DocSpace emulator, on loopback.

  Upload page: ${pageUrl(`${gateway}/`, ticket, folderId)}

The ticket allows files of up to 1 GiB into folder ${folderId} for ${flags.expires}. Or upload with curl:

  curl -H "Authorization: Bearer ${ticket}" -H "X-File-Name: hello.txt" \\
    --data-binary @hello.txt ${gateway}/upload/${folderId}

More tickets, for other folders or lifetimes (this UPLOAD_SECRET is ${
  givenSecret ? "yours" : "new for this run"
}):

  UPLOAD_SECRET=${secret} deno task ticket --folder ${folderId} --expires 15m --url ${gateway}/

Emulator: ${portal.url} (token ${portal.token}). Each stored file is listed below. Ctrl-C stops.
`);

// Say each file the emulator stores, as it appears.
const seen = new Set<string>();
setInterval(() => {
  for (const file of portal.emulator.files()) {
    const key = `${file.id}:${file.version}`;
    if (seen.has(key)) continue;
    seen.add(key);
    console.log(
      `Stored in the emulator: file ${file.id} ${
        JSON.stringify(file.title)
      } (version ${file.version}), ${file.contentLength} bytes, SHA-256 ${file.sha256}`,
    );
  }
}, 200);
