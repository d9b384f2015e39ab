// The CLI, the web client's upload flow (tests/emulator/web_client_replica.mjs in Node) and a curl loop,
// uploading the same batch to the emulator (its own process, fresh for every run) through an emulated link
// (src/emulator/link.ts, fresh for every run): loopback, 20 ms each way at 200 Mbit/s, 50 ms at 50 Mbit/s.
// For each case and link it prints the median seconds of each peer, what crossed the link (bytes,
// connections), what the emulator logged (requests, 429 refusals, the peak of concurrent writes per user, and
// `emulator.stats()` when it has one), the link's limit, and the ratios.
//
// Run: deno run -A bench/real_links.ts [case] [link] [--runs N] [--scale S] [--peers cli,web,curl]
//   case: big (1 × 256 MiB), small (300 × 50 KiB), mixed (20 × 20 MiB + 200 × 100 KiB), all (default)
//   link: loopback, 20ms (20 ms each way, 200 Mbit/s), 50ms (50 ms, 50 Mbit/s), all (default)
//   --runs: runs per peer, alternating peers (default 3); --scale: a quick run, e.g. 0.1 makes the cases
//   1 × 25.6 MiB, 30 × 50 KiB, 2 × 20 MiB + 20 × 100 KiB (a single file's size scales, else the counts).
//   --baseline DIR: another checkout of the project (e.g. `git worktree add /tmp/base <rev>`), whose CLI runs
//   as the peer `baseline` (add it to --peers), to compare two versions in the same run.
import { parseArgs } from "@std/cli/parse-args";
import { format } from "@std/fmt/bytes";
import { startLink } from "../testing.ts";
import { emulatorProcess } from "./_processes.ts";
import type { BenchStats } from "./_emulator_with_stats.ts";

const KiB = 1024;
const MiB = 1024 * KiB;
const here = (path: string) => new URL(path, import.meta.url).pathname;
/** Chunk requests at once in the web client at most (maxUploadThreadCount): the latency floor's divisor. */
const WEB_CLIENT_CONCURRENCY = 15;

interface Group {
  count: number;
  size: number;
}
const CASES: Record<string, { title: string; groups: Group[] }> = {
  big: { title: "1 file of 256 MiB", groups: [{ count: 1, size: 256 * MiB }] },
  small: {
    title: "300 files of 50 KiB",
    groups: [{ count: 300, size: 50 * KiB }],
  },
  mixed: {
    title: "20 × 20 MiB + 200 × 100 KiB",
    groups: [{ count: 20, size: 20 * MiB }, { count: 200, size: 100 * KiB }],
  },
};
interface Link {
  title: string;
  delayMs: number;
  bandwidthBitsPerSecond?: number;
}
const LINKS: Record<string, Link> = {
  loopback: { title: "loopback", delayMs: 0 },
  "20ms": {
    title: "20 ms each way, 200 Mbit/s",
    delayMs: 20,
    bandwidthBitsPerSecond: 200e6,
  },
  "50ms": {
    title: "50 ms each way, 50 Mbit/s",
    delayMs: 50,
    bandwidthBitsPerSecond: 50e6,
  },
};

// One file after another, as a user would write it from the protocol docs (bench/cli_vs_curl.ts's loop, for
// many files): the settings once, the folder, then per file: create the session, split, send each piece with
// its number, finalize (checking every reply and the stored size).
const CURL_LOOP = `set -euo pipefail
auth="Authorization: Bearer $TOKEN"
chunk=$(curl -sS -H "$auth" "$URL/api/2.0/files/settings" | jq -r .response.chunkUploadSize)
folder=$(curl -sS -X POST -H "$auth" -H "Content-Type: application/json" \\
  -d "{\\"title\\":\\"$TITLE\\"}" "$URL/api/2.0/files/folder/1" | jq -er .response.id)
for file in "$DIR"/*; do
  name=$(basename "$file")
  size=$(stat -c %s "$file")
  session=$(curl -sS -X POST -H "$auth" -H "Content-Type: application/json" \\
    -d "{\\"fileName\\":\\"$name\\",\\"fileSize\\":$size}" "$URL/api/2.0/files/$folder/upload/create_session")
  location=$(jq -er .response.data.location <<<"$session")
  split -b "$chunk" -d -a 5 "$file" "$WORK/piece."
  n=1
  for piece in "$WORK"/piece.*; do
    curl -sS -X POST -H "$auth" -F "file=@$piece" "$location&upload=true&chunkNumber=$n" | jq -e .success >/dev/null
    n=$((n + 1))
  done
  curl -sS -X POST -H "$auth" "$location&finalize=true" | jq -e ".data.file.pureContentLength == $size" >/dev/null
  rm -f "$WORK"/piece.*
done
`;

/** Writes the case's files into `dir` (random bytes, 1 MiB at a time). */
async function writeCase(dir: string, groups: Group[]): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  const block = new Uint8Array(MiB);
  for (const [g, { count, size }] of groups.entries()) {
    for (let i = 0; i < count; i++) {
      using file = await Deno.open(
        `${dir}/g${g}-${String(i).padStart(4, "0")}.bin`,
        { write: true, create: true, truncate: true },
      );
      for (let at = 0; at < size; at += MiB) {
        const part = block.subarray(0, Math.min(MiB, size - at));
        for (let p = 0; p < part.length; p += 65536) {
          crypto.getRandomValues(part.subarray(p, p + 65536));
        }
        for (let w = 0; w < part.length;) {
          w += await file.write(part.subarray(w));
        }
      }
    }
  }
}

/** Runs a command to its end; throws with its stderr when it fails. Returns its stdout. */
async function run(
  command: string,
  args: string[],
  env: Record<string, string>,
): Promise<string> {
  const output = await new Deno.Command(command, {
    args,
    env,
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(60 * 60_000),
  }).output();
  const stdout = new TextDecoder().decode(output.stdout);
  if (!output.success) {
    throw new Error(
      `${command} ${
        args.slice(0, 3).join(" ")
      }… failed (exit ${output.code}): ${
        new TextDecoder().decode(output.stderr).slice(-2000)
      }${stdout.slice(-1000)}`,
    );
  }
  return stdout;
}

type Peer = (
  url: string,
  token: string,
  dir: string,
  work: string,
) => Promise<unknown>;

/** The CLI at `entry` (a cli.ts) as a peer. */
function cliPeer(title: string, entry: string): { title: string; run: Peer } {
  return {
    title,
    run: (url, token, dir, work) =>
      run(Deno.execPath(), [
        "run",
        "-A",
        entry,
        dir,
        "--folder",
        "1",
        "--quiet",
      ], {
        DOCSPACE_URL: url,
        DOCSPACE_TOKEN: token,
        DOCSPACE_STATE_DIR: `${work}/state-${crypto.randomUUID()}`,
      }),
  };
}

const PEERS: Record<string, { title: string; run: Peer }> = {
  cli: cliPeer("CLI", here("../cli.ts")),
  web: {
    title: "web-client flow",
    run: async (url, token, dir) => {
      const out = await run("node", [
        here("../tests/emulator/web_client_replica.mjs"),
        "--url",
        url,
        "--token",
        token,
        "--folder",
        "1",
        "--timeout",
        String(60 * 60_000),
        dir,
      ], {});
      return JSON.parse(out.trim().split("\n").at(-1) ?? "{}");
    },
  },
  curl: {
    title: "curl loop",
    run: async (url, token, dir, work) => {
      const pieces = `${work}/pieces-${crypto.randomUUID()}`;
      await Deno.mkdir(pieces);
      try {
        return await run("bash", ["-c", CURL_LOOP], {
          URL: url,
          TOKEN: token,
          DIR: dir,
          TITLE: dir.split("/").at(-1)!,
          WORK: pieces,
        });
      } finally {
        await Deno.remove(pieces, { recursive: true });
      }
    },
  },
};

interface Measured {
  seconds: number;
  connections: number;
  bytesUp: number;
  bytesDown: number;
  stats: BenchStats;
}

/** One run of one peer: a fresh emulator process, a fresh link, the upload, then both sides' counts. */
async function measure(
  peer: Peer,
  link: Link,
  dir: string,
  work: string,
  expected: { files: number; bytes: number },
): Promise<Measured> {
  await using portal = await emulatorProcess(here("_emulator_with_stats.ts"));
  await using wire = await startLink({
    target: portal.url,
    delayMs: link.delayMs,
    handshakeRoundTrip: link.delayMs > 0,
    ...(link.bandwidthBitsPerSecond === undefined
      ? {}
      : { bandwidthBitsPerSecond: link.bandwidthBitsPerSecond }),
  });
  const start = performance.now();
  await peer(wire.url, portal.token, dir, work);
  const seconds = (performance.now() - start) / 1000;
  const stats: BenchStats = await (await fetch(`${portal.url}/__bench/stats`))
    .json();
  if (stats.files !== expected.files || stats.bytes !== expected.bytes) {
    throw new Error(
      `the emulator stored ${stats.files} files, ${stats.bytes} bytes; expected ${expected.files}, ${expected.bytes}`,
    );
  }
  return { seconds, ...wire.stats(), stats };
}

const median = (xs: number[]) => xs.toSorted((a, b) => a - b)[xs.length >> 1]!;
const fixed = (x: number, digits = 2) =>
  Number.isFinite(x) ? x.toFixed(digits) : "n/a";
const mib = (bytes: number) => format(bytes, { binary: true });

/** The link's limit for what crossed it: bytes over the cap, and requests × RTT over 15 at once. */
function limitOf(link: Link, bytesUp: number, requests: number) {
  const bytes = link.bandwidthBitsPerSecond === undefined
    ? 0
    : (bytesUp * 8) / link.bandwidthBitsPerSecond;
  const latency = (requests * 2 * link.delayMs / 1000) / WEB_CLIENT_CONCURRENCY;
  return { bytes, latency, limit: Math.max(bytes, latency) };
}

if (import.meta.main) {
  const args = parseArgs(Deno.args, {
    string: ["runs", "scale", "peers", "baseline"],
    default: { runs: "3", scale: "1", peers: "cli,web,curl" },
  });
  if (args.baseline !== undefined) {
    PEERS.baseline = cliPeer(
      "baseline CLI",
      new URL("cli.ts", new URL(`${args.baseline}/`, `file://${Deno.cwd()}/`))
        .pathname,
    );
  }
  const caseArg = String(args._[0] ?? "all");
  const linkArg = String(args._[1] ?? "all");
  const runs = Number(args.runs);
  const scale = Number(args.scale);
  const peers = args.peers.split(",");
  const cases = caseArg === "all" ? Object.keys(CASES) : [caseArg];
  const links = linkArg === "all" ? Object.keys(LINKS) : [linkArg];
  for (const name of cases) {
    if (!CASES[name]) throw new Error(`no case ${name}`);
  }
  for (const name of links) {
    if (!LINKS[name]) throw new Error(`no link ${name}`);
  }
  for (const name of peers) {
    if (!PEERS[name]) throw new Error(`no peer ${name}`);
  }
  if (!(runs >= 1 && Number.isInteger(runs))) {
    throw new Error("--runs: 1 or more");
  }
  if (!(scale > 0 && scale <= 1)) {
    throw new Error("--scale: above 0, at most 1");
  }

  const work = await Deno.makeTempDir({ prefix: "docspace-links-" });
  try {
    for (const caseName of cases) {
      const { title, groups: full } = CASES[caseName]!;
      const groups = full.map(({ count, size }) =>
        full.length === 1 && count === 1
          ? { count, size: Math.max(1, Math.round(size * scale)) }
          : { count: Math.max(1, Math.round(count * scale)), size }
      );
      const dir = `${work}/${caseName}`;
      await writeCase(dir, groups);
      const expected = {
        files: groups.reduce((n, g) => n + g.count, 0),
        bytes: groups.reduce((n, g) => n + g.count * g.size, 0),
      };
      const shape = groups.map((g) => `${g.count} × ${mib(g.size)}`).join(
        " + ",
      );
      for (const linkName of links) {
        const link = LINKS[linkName]!;
        console.log(
          `\n${title}${
            scale === 1 ? "" : ` scaled to ${shape}`
          }, ${link.title}: ${runs} runs per peer, alternating`,
        );
        const results: Record<string, Measured[]> = {};
        for (let i = 0; i < runs; i++) {
          for (const peer of peers) {
            const m = await measure(
              PEERS[peer]!.run,
              link,
              dir,
              work,
              expected,
            );
            (results[peer] ??= []).push(m);
            console.log(
              `  run ${i + 1} ${PEERS[peer]!.title}: ${fixed(m.seconds)} s`,
            );
          }
        }
        const table: Record<string, Record<string, string | number>> = {};
        const seconds: Record<string, number> = {};
        let limit = 0;
        for (const peer of peers) {
          const list = results[peer]!;
          const s = median(list.map((m) => m.seconds));
          seconds[peer] = s;
          const bytesUp = median(list.map((m) => m.bytesUp));
          const requests = median(list.map((m) => m.stats.requests));
          const l = limitOf(link, bytesUp, requests);
          if (peer === "web" || limit === 0) limit = l.limit;
          const emulatorStats = list.at(-1)!.stats.emulatorStats;
          table[PEERS[peer]!.title] = {
            "seconds (median)": fixed(s),
            "each run": list.map((m) => fixed(m.seconds, 1)).join(" "),
            "requests": requests,
            "connections": median(list.map((m) => m.connections)),
            "up": mib(bytesUp),
            "down": mib(median(list.map((m) => m.bytesDown))),
            "429s": median(list.map((m) => m.stats.refused429)),
            "peak writes/user": median(
              list.map((m) => m.stats.peakWritesPerUser),
            ),
            "bytes/cap s": link.bandwidthBitsPerSecond ? fixed(l.bytes) : "n/a",
            "req×RTT/15 s": fixed(l.latency),
            "% of capacity": link.bandwidthBitsPerSecond
              ? `${fixed((100 * l.bytes) / s, 0)}%`
              : "n/a",
            "emulator.stats()": emulatorStats === null
              ? "n/a"
              : JSON.stringify(emulatorStats),
          };
        }
        console.table(table);
        for (const peer of peers) {
          const { byMode, byStatus } = results[peer]!.at(-1)!.stats;
          console.log(
            `  ${PEERS[peer]!.title}, last run: requests ${
              JSON.stringify(byMode)
            }, statuses ${JSON.stringify(byStatus)}`,
          );
        }
        console.log(
          `  link limit: ${
            fixed(limit)
          } s (the larger of the web-client flow's bytes up × 8 / cap and its requests × RTT / ${WEB_CLIENT_CONCURRENCY}; payload alone: ${
            link.bandwidthBitsPerSecond
              ? `${fixed(expected.bytes * 8 / link.bandwidthBitsPerSecond)} s`
              : "no cap"
          })`,
        );
        if (seconds.cli !== undefined) {
          const ratios = [
            seconds.web === undefined
              ? undefined
              : `CLI / web-client flow ${fixed(seconds.cli / seconds.web)}`,
            limit > 0
              ? `CLI / link limit ${fixed(seconds.cli / limit)}`
              : undefined,
            seconds.curl === undefined
              ? undefined
              : `curl loop / CLI ${fixed(seconds.curl / seconds.cli)}`,
          ].filter((x) => x !== undefined);
          console.log(`  ${ratios.join("; ")}`);
        }
      }
      await Deno.remove(dir, { recursive: true });
    }
  } finally {
    await Deno.remove(work, { recursive: true });
  }
}
