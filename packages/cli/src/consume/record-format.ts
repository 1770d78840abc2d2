import type { ConsumedRecord } from '@sluice/client';
import { CliError } from '../client/cli-error.js';

/** The `--format` choices of `sluice consume`. */
export const RECORD_FORMATS = ['text', 'json', 'raw', 'base64', 'hex'] as const;

/** How `sluice consume` prints a record (`--format`). */
export type RecordFormat = (typeof RECORD_FORMATS)[number];

/**
 * Appends the output bytes of one record to `out`. Printers never decode a key or value they
 * copy: the bytes stored are the bytes written.
 */
export type RecordPrinter = (record: ConsumedRecord, out: Buffer[]) => void;

const NEWLINE = Buffer.from('\n');
const EMPTY = Buffer.alloc(0);

/** The delimiter written after each record when `--delimiter` is not given: none for raw, `\n` otherwise. */
export function defaultDelimiter(format: RecordFormat): Buffer {
  return format === 'raw' ? EMPTY : NEWLINE;
}

/**
 * The printer of a `--format`, each record followed by `delimiter`:
 * - text: the value's bytes as they are (an invalid UTF-8 sequence is not replaced; a null value
 *   prints nothing), as kafka-console-consumer prints;
 * - raw: the same, with no delimiter unless one is given, so a single binary record comes out
 *   byte for byte;
 * - base64, hex: the value encoded (a null value prints nothing);
 * - json: `{"partition","offset","timestamp","key","headers","value"}`, timestamp in ms since the
 *   epoch, key and value as UTF-8 strings or null (JSON holds text: binary data is for base64,
 *   hex or raw), headers as `[{"key","value"}]` in record order (a key may repeat).
 */
export function formatPrinter(format: RecordFormat, delimiter: Buffer): RecordPrinter {
  switch (format) {
    case 'text':
    case 'raw':
      return (record, out) => {
        if (record.value !== null) out.push(record.value);
        if (delimiter.length > 0) out.push(delimiter);
      };
    case 'base64':
    case 'hex':
      return (record, out) => {
        if (record.value !== null) out.push(Buffer.from(record.value.toString(format), 'latin1'));
        if (delimiter.length > 0) out.push(delimiter);
      };
    case 'json':
      return (record, out) => {
        out.push(Buffer.from(jsonRecord(record)));
        if (delimiter.length > 0) out.push(delimiter);
      };
  }
}

function jsonRecord(record: ConsumedRecord): string {
  return JSON.stringify({
    partition: record.partition,
    offset: record.offset,
    timestamp: record.timestamp,
    key: record.key === null ? null : record.key.toString('utf8'),
    headers: record.headers.map((h) => ({ key: h.key, value: h.value === null ? null : h.value.toString('utf8') })),
    value: record.value === null ? null : record.value.toString('utf8'),
  });
}

/** A compiled piece of a format string: bytes to copy, or a record field. */
type FormatPart = Buffer | ((record: ConsumedRecord, out: Buffer[]) => void);

/** The `%` tokens of `--format-string` and what each prints (docs/cli.md lists them). */
const FORMAT_TOKENS: Readonly<Record<string, (record: ConsumedRecord, out: Buffer[]) => void>> = {
  t: (r, out) => out.push(Buffer.from(r.topic)),
  p: (r, out) => out.push(Buffer.from(String(r.partition))),
  o: (r, out) => out.push(Buffer.from(String(r.offset))),
  T: (r, out) => out.push(Buffer.from(String(r.timestamp))),
  k: (r, out) => {
    if (r.key !== null) out.push(r.key);
  },
  K: (r, out) => out.push(Buffer.from(String(r.key === null ? -1 : r.key.length))),
  v: (r, out) => {
    if (r.value !== null) out.push(r.value);
  },
  S: (r, out) => out.push(Buffer.from(String(r.value === null ? -1 : r.value.length))),
  h: (r, out) => {
    r.headers.forEach((h, i) => {
      out.push(Buffer.from(`${i > 0 ? ',' : ''}${h.key}=`));
      if (h.value !== null) out.push(h.value);
    });
  },
};
// kcat's name of the value.
const KCAT_VALUE_TOKEN = 's';

/**
 * Compiles a kcat-style `--format-string` into a printer. Tokens: `%t` topic, `%p` partition,
 * `%o` offset, `%T` timestamp (ms since the epoch), `%k` key, `%K` key length (-1 for null),
 * `%v` (or kcat's `%s`) value, `%S` value length (-1 for null), `%h` headers as `k=v`
 * comma-separated, `%%` a `%`. Keys, values and header values are written as their bytes (null
 * as nothing). Escapes as in {@link parseEscapes}. Nothing is added at the end: end the string
 * with `\n` for one line per record. Throws CliError naming `flag` for an unknown token or escape.
 */
export function compileFormatString(spec: string, flag = '--format-string'): RecordPrinter {
  const parts: FormatPart[] = [];
  let literal = '';
  const flushLiteral = () => {
    if (literal.length > 0) parts.push(parseEscapes(literal, flag));
    literal = '';
  };
  for (let i = 0; i < spec.length; i++) {
    const c = spec[i]!;
    if (c === '\\') {
      // Escapes are resolved with the literal text around them; keep the pair together.
      if (i + 1 >= spec.length) throw new CliError(`${flag}: a lone \\ at the end (write \\\\ for a backslash)`);
      literal += c + spec[++i]!;
      continue;
    }
    if (c !== '%') {
      literal += c;
      continue;
    }
    const token = spec[++i];
    if (token === undefined) throw new CliError(`${flag}: a lone % at the end (write %% for a percent sign)`);
    if (token === '%') {
      literal += '%';
      continue;
    }
    const field = FORMAT_TOKENS[token === KCAT_VALUE_TOKEN ? 'v' : token];
    if (field === undefined) throw new CliError(`${flag}: unknown token %${token} (known: %t %p %o %T %k %K %v %s %S %h %%)`);
    flushLiteral();
    parts.push(field);
  }
  flushLiteral();
  return (record, out) => {
    for (const part of parts) {
      if (Buffer.isBuffer(part)) out.push(part);
      else part(record, out);
    }
  };
}

const SIMPLE_ESCAPES: Readonly<Record<string, number>> = { n: 0x0a, r: 0x0d, t: 0x09, '0': 0x00, '\\': 0x5c };

/**
 * The bytes of `text` (UTF-8) with its escapes resolved: `\n`, `\r`, `\t`, `\0`, `\\` and `\xHH`
 * (one byte, two hex digits). Used by `--delimiter` and `--format-string`, whose values usually
 * arrive from a shell in single quotes, backslashes intact. Throws CliError naming `flag` for any
 * other escape.
 */
export function parseEscapes(text: string, flag: string): Buffer {
  if (!text.includes('\\')) return Buffer.from(text);
  const chunks: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== '\\') continue;
    chunks.push(Buffer.from(text.slice(start, i)));
    const e = text[i + 1];
    if (e === undefined) throw new CliError(`${flag}: a lone \\ at the end (write \\\\ for a backslash)`);
    const simple = SIMPLE_ESCAPES[e];
    if (simple !== undefined) {
      chunks.push(Buffer.of(simple));
      i += 1;
    } else if (e === 'x' && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 2, i + 4))) {
      chunks.push(Buffer.of(Number.parseInt(text.slice(i + 2, i + 4), 16)));
      i += 3;
    } else {
      throw new CliError(`${flag}: unknown escape \\${e === 'x' ? text.slice(i + 1, i + 4) : e} (known: \\n \\r \\t \\0 \\\\ \\xHH)`);
    }
    start = i + 1;
  }
  chunks.push(Buffer.from(text.slice(start)));
  return Buffer.concat(chunks);
}
