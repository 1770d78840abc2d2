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

/**
 * The text given for option `name` in `argv` (`--name text` or `--name=text`; the last one
 * wins, as in yargs), or undefined when it is not there.
 */
export function rawOptionText(name: string, argv: readonly string[]): string | undefined {
  let text: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') break;
    if (arg === `--${name}`) text = argv[i + 1];
    else if (arg.startsWith(`--${name}=`)) text = arg.slice(name.length + 3);
  }
  return text;
}

/**
 * A CliError for the first number option of `parsed` (yargs' result) that is NaN, naming the
 * flag and the text typed (`--offset: "abc" is not a number`), else null. yargs turns a
 * non-number given to a `type: 'number'` option into NaN, which would otherwise reach the
 * command and read `got NaN`, or worse be used; its camelCase aliases are skipped.
 */
export function notANumberError(parsed: Readonly<Record<string, unknown>>, argv: readonly string[]): CliError | null {
  for (const [name, value] of Object.entries(parsed)) {
    const values = Array.isArray(value) ? value : [value];
    if (/[A-Z]/.test(name) || !values.some((v) => typeof v === 'number' && Number.isNaN(v))) continue;
    const text = rawOptionText(name, argv);
    return new CliError(text === undefined ? `--${name} needs a number` : `--${name}: "${text}" is not a number`);
  }
  return null;
}
