/**
 * A reader of Java's `.properties` format, the format of Kafka's `server.properties`
 * (`java.util.Properties.load`), for `sluice broker --config FILE`.
 *
 * The format, as Java reads it:
 * - natural lines end at `\n`, `\r` or `\r\n`; a line whose first non-blank character is `#` or
 *   `!` is a comment; blank lines are skipped (blank = space, `\t`, `\f`);
 * - a line ending in an odd number of backslashes continues on the next line, whose leading
 *   blanks are dropped (a comment line never continues);
 * - the key runs from the first non-blank character to the first unescaped `=`, `:` or blank;
 *   blanks around one `=` or `:` are skipped, so `key=value`, `key: value` and `key value` are
 *   all the same entry;
 * - in keys and values `\t`, `\n`, `\r`, `\f` and `\uXXXX` are escapes, and a backslash before any
 *   other character stands for that character (`\=`, `\:`, `\ `, `\\`, `\#`).
 * One deliberate difference: Java keeps a value's trailing blanks; here unescaped trailing blanks
 * are dropped, because an invisible space after `log.dirs=/data` is a classic mistake (write `\ `
 * to keep one). A later entry of the same key replaces an earlier one, as in Java.
 */

/** One `key=value` entry of a properties text, with the 1-based line it starts on. */
export interface PropertiesEntry {
  readonly key: string;
  readonly value: string;
  readonly line: number;
}

/** Thrown for a malformed `\uXXXX` escape, the one syntax error the format has (Java's IllegalArgumentException). */
export class PropertiesSyntaxError extends Error {
  override readonly name = 'PropertiesSyntaxError';
  constructor(
    readonly line: number,
    detail: string,
  ) {
    super(`line ${line}: ${detail}`);
  }
}

const BLANK = new Set([' ', '\t', '\f']);
const SIMPLE_ESCAPES: Readonly<Record<string, string>> = { t: '\t', n: '\n', r: '\r', f: '\f' };

function skipBlanks(text: string, from: number): number {
  let i = from;
  while (i < text.length && BLANK.has(text[i]!)) i++;
  return i;
}

/** Whether `line` ends in an odd number of backslashes (the last one is then a line continuation). */
function endsWithContinuation(line: string): boolean {
  let count = 0;
  for (let i = line.length - 1; i >= 0 && line[i] === '\\'; i--) count++;
  return count % 2 === 1;
}

/**
 * `raw` with its escapes replaced; with `trimEnd`, without the unescaped blanks at its end.
 * Throws PropertiesSyntaxError for a `\u` not followed by four hex digits.
 */
function unescape(raw: string, line: number, trimEnd: boolean): string {
  let out = '';
  let keptLength = 0; // out's length up to its last character that is not an unescaped blank
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c !== '\\') {
      out += c;
      if (!BLANK.has(c)) keptLength = out.length;
      continue;
    }
    const next = raw[++i];
    if (next === undefined) break; // a lone backslash at the very end (the file ended mid-continuation)
    if (next === 'u') {
      const hex = raw.slice(i + 1, i + 5);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new PropertiesSyntaxError(line, `malformed \\uXXXX escape "\\u${hex}"`);
      out += String.fromCharCode(parseInt(hex, 16));
      i += 4;
    } else {
      out += SIMPLE_ESCAPES[next] ?? next;
    }
    keptLength = out.length;
  }
  return trimEnd ? out.slice(0, keptLength) : out;
}

/**
 * The entries of a properties text in file order (a key given twice appears twice; the later
 * one wins when the caller builds a record). Throws PropertiesSyntaxError for a malformed
 * `\uXXXX` escape, naming its line.
 */
export function parseJavaProperties(text: string): PropertiesEntry[] {
  const lines = text.split(/\r\n|\r|\n/);
  const entries: PropertiesEntry[] = [];
  for (let n = 0; n < lines.length; n++) {
    const startLine = n + 1;
    let logical = lines[n]!.slice(skipBlanks(lines[n]!, 0));
    if (logical === '' || logical[0] === '#' || logical[0] === '!') continue;
    while (endsWithContinuation(logical) && n + 1 < lines.length) {
      const next = lines[++n]!;
      logical = logical.slice(0, -1) + next.slice(skipBlanks(next, 0));
    }
    if (endsWithContinuation(logical)) logical = logical.slice(0, -1);

    let i = 0;
    while (i < logical.length) {
      const c = logical[i]!;
      if (c === '\\') i += 2;
      else if (c === '=' || c === ':' || BLANK.has(c)) break;
      else i++;
    }
    const keyEnd = Math.min(i, logical.length);
    i = skipBlanks(logical, keyEnd);
    if (i < logical.length && (logical[i] === '=' || logical[i] === ':')) i = skipBlanks(logical, i + 1);
    entries.push({
      key: unescape(logical.slice(0, keyEnd), startLine, false),
      value: unescape(logical.slice(i), startLine, true),
      line: startLine,
    });
  }
  return entries;
}
