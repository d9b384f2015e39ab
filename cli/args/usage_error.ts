/**
 * The error for a mistake in how the CLI was called: bad or missing flags, a path that does not exist,
 * names DocSpace would change. The CLI prints its message and exits with code 2.
 *
 * @module
 */

/** Options for {@linkcode UsageError}. */
export interface UsageErrorOptions {
  /**
   * Whether `Run with --help for usage.` follows the message: for mistakes in the flags, not for a path
   * or a name that `--help` cannot fix.
   *
   * @default {true}
   */
  hint?: boolean;
}

/** A usage mistake; exit code 2. */
export class UsageError extends Error {
  /** Whether the message ends with a pointer to `--help`. */
  readonly hint: boolean;

  /**
   * Creates a usage error.
   *
   * @param message What is wrong, naming the flag or the path.
   * @param options Whether to point at `--help`.
   */
  constructor(message: string, options: UsageErrorOptions = {}) {
    super(message);
    this.name = "UsageError";
    this.hint = options.hint ?? true;
  }
}
