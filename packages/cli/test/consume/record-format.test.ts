import type { ConsumedRecord } from '@sluice/client';
import { describe, expect, it } from 'vitest';
import { compileFormatString, defaultDelimiter, formatPrinter, parseEscapes } from '../../src/consume/record-format.js';

function record(fields: Partial<ConsumedRecord>): ConsumedRecord {
  return { topic: 't', partition: 0, offset: 0, timestamp: 0, key: null, value: null, headers: [], ...fields };
}

function print(printer: (r: ConsumedRecord, out: Buffer[]) => void, r: ConsumedRecord): Buffer {
  const out: Buffer[] = [];
  printer(r, out);
  return Buffer.concat(out);
}

describe('parseEscapes', () => {
  it('resolves \\n \\r \\t \\0 \\\\ and \\xHH, and leaves other text as UTF-8', () => {
    expect(parseEscapes('a\\nb\\rc\\td\\0e\\\\f\\x7F\\xffé', '--x')).toEqual(Buffer.concat([Buffer.from('a\nb\rc\td\0e\\f\x7F'), Buffer.of(0xff), Buffer.from('é')]));
    expect(parseEscapes('plain', '--x')).toEqual(Buffer.from('plain'));
  });

  it('refuses an unknown escape, a short \\x and a trailing backslash, naming the flag', () => {
    expect(() => parseEscapes('\\q', '--delimiter')).toThrow('--delimiter: unknown escape \\q');
    expect(() => parseEscapes('\\xg0', '--delimiter')).toThrow('--delimiter: unknown escape \\xg0');
    expect(() => parseEscapes('a\\', '--delimiter')).toThrow('--delimiter: a lone \\ at the end');
  });
});

describe('formatPrinter', () => {
  it('copies values in text and raw, encodes them in base64 and hex, and prints a null value as nothing', () => {
    const value = Buffer.from([0xc3, 0x28, 0x00, 0xff]);
    expect(print(formatPrinter('text', defaultDelimiter('text')), record({ value }))).toEqual(Buffer.concat([value, Buffer.from('\n')]));
    expect(print(formatPrinter('raw', defaultDelimiter('raw')), record({ value }))).toEqual(value);
    expect(print(formatPrinter('hex', defaultDelimiter('hex')), record({ value })).toString()).toBe('c32800ff\n');
    expect(print(formatPrinter('base64', Buffer.from(';')), record({ value })).toString()).toBe(`${value.toString('base64')};`);
    expect(print(formatPrinter('text', defaultDelimiter('text')), record({ value: null })).toString()).toBe('\n');
  });
});

describe('compileFormatString', () => {
  it('treats %% and escaped percent signs as text and a backslash before % as an escape, not a token', () => {
    const r = record({ offset: 7, value: Buffer.from('v') });
    expect(print(compileFormatString('100%% %o\\\\%v'), r).toString()).toBe('100% 7\\v');
  });

  it('prints headers with null values as key= and refuses unknown tokens', () => {
    const r = record({ headers: [{ key: 'a', value: null }, { key: 'b', value: Buffer.from('1') }] });
    expect(print(compileFormatString('%h'), r).toString()).toBe('a=,b=1');
    expect(() => compileFormatString('%z')).toThrow('--format-string: unknown token %z');
  });
});
