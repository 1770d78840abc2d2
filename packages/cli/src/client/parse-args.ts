import { CliError } from './cli-error.js';

/**
 * Parses repeated `key=value` flags (`--config retention.ms=3600000`) into a record. Throws
 * CliError naming `flag` for an item without `=` or with an empty key.
 */
export function parseKeyValues(items: readonly string[], flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new CliError(`${flag} expects key=value, got "${item}"`);
    out[item.slice(0, eq).trim()] = item.slice(eq + 1);
  }
  return out;
}

/**
 * An integer flag value within [min, max]. yargs gives NaN for non-numbers and accepts
 * fractions; this rejects both with a one-line CliError naming the flag.
 */
export function integerArg(value: number, flag: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer in [${min}, ${max}]`;
    throw new CliError(`${flag} must be ${range}, got ${String(value)}`);
  }
  return value;
}
