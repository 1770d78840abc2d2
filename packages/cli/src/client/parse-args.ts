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
 * The texts given after option `name` in `argv`, in order: `--name=text`, or the words after
 * `--name` up to the next option (an array option takes several; a negative number is a value).
 * Greedy, so a positional after a one-value option is included: callers look for the first
 * text that fails their check, which comes before it.
 */
export function rawOptionTexts(name: string, argv: readonly string[]): string[] {
  const texts: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') break;
    if (arg.startsWith(`--${name}=`)) texts.push(arg.slice(name.length + 3));
    if (arg !== `--${name}`) continue;
    while (i + 1 < argv.length && !(argv[i + 1]!.startsWith('-') && !/^-\d/.test(argv[i + 1]!))) texts.push(argv[++i]!);
  }
  return texts;
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
    const text = rawOptionTexts(name, argv).find((t) => t.trim() === '' || Number.isNaN(Number(t)));
    return new CliError(text === undefined ? `--${name} needs a number` : `--${name}: "${text}" is not a number`);
  }
  return null;
}
