/**
 * Byte counts on the command line: `1048576`, `10MiB`, `1.5GB`, `64k`.
 *
 * @module
 */
import { UsageError } from "./usage_error.ts";

const UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  k: 1024,
  kib: 1024,
  kb: 1000,
  m: 1024 ** 2,
  mib: 1024 ** 2,
  mb: 1000 ** 2,
  g: 1024 ** 3,
  gib: 1024 ** 3,
  gb: 1000 ** 3,
  t: 1024 ** 4,
  tib: 1024 ** 4,
  tb: 1000 ** 4,
};

/**
 * Parses a byte count like `1048576`, `10MiB`, `1.5GB` or `64k` (k, m, g, t and KiB… are binary;
 * KB, MB… decimal).
 *
 * @param flag The flag's name, for the error message.
 * @param text The value.
 * @returns The count in bytes.
 * @throws {UsageError} If it is not a whole, non-negative number of bytes.
 */
export function parseByteCount(flag: string, text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = match && UNITS[match[2]!.toLowerCase()];
  const value = match && unit ? Number(match[1]) * unit : NaN;
  if (!Number.isSafeInteger(value)) {
    throw new UsageError(
      `--${flag} must be a whole number of bytes like 1048576 or 10MiB, received ${
        JSON.stringify(text)
      }`,
    );
  }
  return value;
}
