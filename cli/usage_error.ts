/**
 * The error for a mistake in how the CLI was called: bad or missing flags, a path that does not exist
 * or cannot be read. The CLI prints its message and exits with code 2.
 *
 * @module
 */

/** A usage mistake; exit code 2. */
export class UsageError extends Error {
  /**
   * Creates a usage error.
   *
   * @param message What is wrong, naming the flag or the path.
   */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}
