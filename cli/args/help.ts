/**
 * The CLI's `--help` text.
 *
 * @module
 */

/** The usage text printed by `--help`. */
export const HELP =
  `Upload big files into ONLYOFFICE DocSpace through chunked upload sessions.

Usage:
  docspace-upload <path>... --folder <id> [options]
  docspace-upload - --name <title> --folder <id> [--size <bytes>]   (stdin)
  (in a clone without installing: deno run -A cli.ts …)

Directories are uploaded recursively and keep their structure: photos/2024/a.jpg
goes into the subfolder photos/2024 of the folder, and empty directories are
created. All requests of a run share one budget within DocSpace's limits for
the user (4/5 of its maxUploadThreadCount at once, 1,350 a minute): many small
files at once, each in one request, and two large ones, whose chunks share the
same budget; a 429 slows the run down and fails no file. A file that fails does
not stop the others, but a refused token or permission (401, 403), a redirect,
or a portal that cannot be reached stops the whole batch at once.

Options:
  --folder <id>         The target folder's id (required). A non-numeric id is a
                        third-party storage folder: its files upload in order.
  --url <portal>        The portal, like https://example.onlyoffice.com
                        (default: $DOCSPACE_URL). A plain http:// URL is
                        refused unless it names this machine (localhost,
                        127.0.0.1, [::1]): the token would cross the network
                        readable
  --allow-http          Send the token over plain http:// anyway (default: off)
  --token <token>       An API key or token (default: $DOCSPACE_TOKEN). Prefer
                        the variable: a --token value shows in the process list.
                        When neither is set and the terminal is interactive, it
                        is asked for.
  --name <title>        The title in DocSpace, for a single file (default: its
                        name) or stdin (required)
  --size <bytes>        The exact size of stdin, like 10MiB: stdin is streamed,
                        and fails at the first byte past it. Without it (the
                        default), stdin is saved to a temporary file in $TMPDIR
                        first to learn its size, and removed after
  --concurrency <n>     Chunk requests at once per large file (default: 3)
  --chunk-size <bytes>  A multiple of 512, at most 10MiB (default: the server's
                        chunkUploadSize, which folders with numeric ids need;
                        so this is for third-party folders)
  --on-conflict <mode>  When a file of that name exists in its folder:
                          version  store a new version of it (default)
                          copy     upload beside it; the server picks a name
                          skip     leave it and upload nothing
  --skip-existing       Upload only what is missing or changed: skip a file when
                        its folder holds one of the same title and size that
                        DocSpace stored no earlier than the file's modification
                        time (to the second); the others follow --on-conflict
                        (default: off)
  --exclude <pattern>   Leave out what directories hold that matches a glob
                        (repeatable; default: nothing): a pattern without /
                        matches a name at any depth (.git, .DS_Store, '*.tmp'),
                        one with / a path under the directory named (build/*.o),
                        a trailing / directories only (node_modules/)
  --dry-run             Say what would be uploaded, skipped and created, and
                        why; send nothing that writes (the folders are only
                        read) (default: off)
  --resume              Continue an interrupted run, and fail a file that
                        changed since (default: a run continues by itself,
                        uploading changed files from the start)
  --restart             Drop what an interrupted run saved and start over
                        (default: off)
  --timeout <seconds>   Give up on a request when nothing moves for this long,
                        and try it again like a lost connection; 0 never
                        (default: 60)
  --follow-symlinks     Also follow links that point outside the directories
                        being uploaded (default: they are skipped)
  --allow-renames       Upload files whose names DocSpace would change (it puts
                        _ for \\t * + : " < > ? | \\ / and emoji) under its names;
                        without it (the default), such names stop the run
                        before any request
  --json                Print only JSON on stdout: the server's file object, or
                        an array of them for several files (null for one file
                        that was not uploaded) (default: off)
  -q, --quiet           No progress and no summary; errors still go to stderr
                        (default: off)
  -h, --help            Show this help
  -V, --version         Show the version

Resuming: while files upload, their sessions and the files finished are saved in
$DOCSPACE_STATE_DIR (default: $XDG_STATE_HOME/docspace-upload, or
~/.local/state/docspace-upload). After Ctrl-C, a failure or a crash, run the
same command again within 12 hours: files it finished are skipped, partly
uploaded ones send only their missing chunks, and a file whose size or
modification time changed since uploads from the start (with --resume it fails
instead). --restart drops the saved progress and aborts the old server
sessions. One run of a batch at a time: a second one says which process holds
it. Stdin cannot be resumed.

Symbolic links in a directory are followed when they point inside it; links
that point outside are skipped unless --follow-symlinks; broken links are
skipped with a warning.

Exit codes: 0 every file uploaded or skipped, 1 an upload failed or the batch
stopped, 2 usage error, 130 interrupted.
`;
