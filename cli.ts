/**
 * The command-line uploader: big files into ONLYOFFICE DocSpace through chunked upload sessions,
 * with progress bars, several files at once, and resume after Ctrl-C or a crash.
 *
 * ```sh
 * DOCSPACE_URL=https://example.onlyoffice.com DOCSPACE_TOKEN=sk-… \
 *   deno run -A cli.ts video.mp4 photos/ --folder 1234
 * ```
 *
 * Run `deno run -A cli.ts --help` for every option.
 *
 * @module
 */
import { denoIo } from "./cli/io.ts";
import { EXIT, main } from "./cli/main.ts";

export { type CliIo, EXIT, main } from "./cli/main.ts";

if (import.meta.main) {
  const interrupt = new AbortController();
  const onInterrupt = () => {
    // A second Ctrl-C does not wait for the clean stop.
    if (interrupt.signal.aborted) Deno.exit(EXIT.interrupted);
    interrupt.abort(new DOMException("Interrupted", "AbortError"));
  };
  Deno.addSignalListener("SIGINT", onInterrupt);
  const io = denoIo(interrupt.signal);
  const prompt = io.promptSecret;
  // The prompt blocks the thread, so listeners cannot run: let Ctrl-C end the process the default way.
  io.promptSecret = (message) => {
    Deno.removeSignalListener("SIGINT", onInterrupt);
    try {
      return prompt(message);
    } finally {
      Deno.addSignalListener("SIGINT", onInterrupt);
    }
  };
  Deno.exit(await main(Deno.args, io));
}
