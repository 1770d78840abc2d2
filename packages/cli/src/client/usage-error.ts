/**
 * What `sluice` prints for a usage mistake yargs found (a missing argument, an unknown option, a
 * bad choice): the problem in one line and where to look, instead of yargs' default of the whole
 * help text (30-50 lines that push the one line that matters off the screen).
 */

/** `sluice <command...> --help`, the hint for the command `commandPath` names (empty: the top level). */
export function helpHint(commandPath: readonly string[]): string {
  return `run 'sluice${commandPath.map((c) => ` ${c}`).join('')} --help' for usage`;
}

/** The Levenshtein distance of `a` and `b` (characters), for "did you mean". */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length]!;
}

/** `--from-beginning` for `fromBeginning`: the kebab-case flag a camelCase spelling stands for. */
const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/**
 * The known option closest to `typed` (a flag name without dashes), when it is close enough to
 * be a typo (edit distance at most a third of its length, and at most 3); `known` are the
 * command's option names as yargs lists them, camelCase aliases included, which are skipped.
 */
export function closestOption(typed: string, known: readonly string[]): string | undefined {
  const wanted = kebab(typed).toLowerCase();
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    if (/[A-Z]/.test(name) || name.length <= 1) continue;
    const distance = editDistance(wanted, name);
    if (best === undefined || distance < best.distance) best = { name, distance };
  }
  if (best === undefined || best.distance > Math.min(3, Math.ceil(wanted.length / 3))) return undefined;
  return best.name;
}

/**
 * yargs' "Unknown argument(s): a, aAlias" message rewritten with what the user typed: each
 * unknown option once, as it appears in `argv` (`--bogus-flag`, not also yargs' internal
 * camelCase alias `bogusFlag`), with a "did you mean" for a near miss among `knownOptions`; an
 * unknown positional word is quoted. Returns undefined for any other message.
 */
function unknownArgumentsMessage(message: string, argv: readonly string[], knownOptions: readonly string[], atTopLevel: boolean): string | undefined {
  const match = /^Unknown arguments?: (.*)$/.exec(message);
  if (match === null) return undefined;
  const names = new Set(match[1]!.split(', '));
  const flags: string[] = [];
  const words: string[] = [];
  for (const arg of argv) {
    if (arg === '--') break;
    if (arg.startsWith('-')) {
      const flag = arg.split('=')[0]!;
      const name = flag.replace(/^-+/, '');
      const camel = name.replace(/-+([a-z0-9])/g, (_, c: string) => c.toUpperCase());
      const negated = name.startsWith('no-') ? name.slice(3) : undefined;
      if ((names.has(name) || names.has(camel) || (negated !== undefined && names.has(negated))) && !flags.includes(flag)) flags.push(flag);
    } else if (names.has(arg) && !words.includes(arg)) {
      words.push(arg);
    }
  }
  const parts: string[] = [];
  if (flags.length > 0) {
    const guesses = flags.map((f) => closestOption(f.replace(/^-+/, ''), knownOptions)).filter((g) => g !== undefined);
    const guess = flags.length === 1 && guesses.length === 1 ? ` (did you mean --${guesses[0]}?)` : '';
    parts.push(`unknown option${flags.length > 1 ? 's' : ''} ${flags.join(', ')}${guess}`);
  }
  // At the top level only the first word was meant as a command; the rest are its arguments.
  if (atTopLevel) words.splice(1);
  if (words.length > 0) {
    const what = atTopLevel ? 'unknown command' : 'unexpected argument';
    parts.push(`${what}${words.length > 1 ? 's' : ''} ${words.map((w) => `"${w}"`).join(', ')}`);
  }
  // A name found nowhere in argv (should not happen): yargs' own list, minus nothing.
  return parts.length > 0 ? parts.join('; ') : `unknown argument${names.size > 1 ? 's' : ''} ${[...names].join(', ')}`;
}

/**
 * yargs' usage `message` as one line in the user's terms: unknown options as typed (see
 * unknownArgumentsMessage), a missing positional by its name (`missing <topic>`, from the last
 * of `fullCommands`, yargs' command strings such as `create <topic>`), a value outside
 * `choices` as `--format: "xml" is not one of ...`; any other message cut to its first line.
 */
export function usageMessage(message: string, argv: readonly string[], knownOptions: readonly string[], fullCommands: readonly string[]): string {
  const unknown = unknownArgumentsMessage(message, argv, knownOptions, fullCommands.length === 0);
  if (unknown !== undefined) return unknown;
  const notEnough = /^Not enough non-option arguments: got (\d+), need at least (\d+)/.exec(message);
  if (notEnough !== null) {
    const positionals = [...(fullCommands.at(-1) ?? '').matchAll(/<([^>]+)>/g)].map((m) => `<${m[1]}>`);
    const missing = positionals.slice(Number(notEnough[1]));
    if (missing.length > 0) return `missing ${missing.join(' ')}`;
  }
  const choices = [...message.matchAll(/Argument: (\S+), Given: (.*), Choices: (.*)/g)];
  if (choices.length > 0) return choices.map(([, name, given, allowed]) => `--${name}: ${given} is not one of ${allowed!.replaceAll('"', '')}`).join('; ');
  return message.split('\n')[0]!;
}
