import { deepStrictEqual } from 'node:assert';
import { describe, expect, it } from 'vitest';
import { CorruptRecordError, Writer, decodeRecords, decodeRecordsInto, writeRecord, type RecordInput } from '@sluice/protocol';
import { NO_RECORD_HEADERS } from '../../src/records/record-decoder.js';

const CONTEXT = { baseOffset: 1000, baseTimestamp: 1_700_000_000_000, logAppendTime: null };

/** A records region of `records` (offsetDelta = index, timestampDelta from each record's timestamp). */
function region(records: RecordInput[]): Buffer {
  const writer = new Writer();
  records.forEach((r, i) => writeRecord(writer, r, i, (r.timestamp ?? CONTEXT.baseTimestamp) - CONTEXT.baseTimestamp));
  return writer.toBuffer();
}

const SAMPLE: RecordInput[] = [
  { value: Buffer.from('plain') },
  { key: Buffer.from('k'), value: null, timestamp: CONTEXT.baseTimestamp - 5 },
  { key: Buffer.alloc(0), value: Buffer.alloc(300, 7), headers: [{ key: 'h1', value: Buffer.from('v1') }, { key: 'ünï', value: null }] },
  { value: Buffer.from('far'), timestamp: CONTEXT.baseTimestamp + 2 ** 40 },
];

describe('decodeRecords', () => {
  it('decodes keys, values, headers, offsets and timestamps as written', () => {
    const records = decodeRecords(region(SAMPLE), 0, region(SAMPLE).length, SAMPLE.length, CONTEXT);
    expect(records.map((r) => r.offset)).toEqual([1000, 1001, 1002, 1003]);
    expect(records.map((r) => r.timestamp)).toEqual([CONTEXT.baseTimestamp, CONTEXT.baseTimestamp - 5, CONTEXT.baseTimestamp, CONTEXT.baseTimestamp + 2 ** 40]);
    expect(records[0]!.key).toBeNull();
    expect(records[1]!.value).toBeNull();
    expect(records[2]!.key).toEqual(Buffer.alloc(0));
    expect(records[2]!.headers).toEqual([{ key: 'h1', value: Buffer.from('v1') }, { key: 'ünï', value: null }]);
    // Values are genuine Buffers: node:assert's strict comparison checks the prototype too.
    deepStrictEqual(records[0]!.value, Buffer.from('plain'));
    deepStrictEqual(records[2]!.value, Buffer.alloc(300, 7));
  });

  it('gives every record without headers the one frozen NO_RECORD_HEADERS', () => {
    const buf = region(SAMPLE);
    const records = decodeRecords(buf, 0, buf.length, SAMPLE.length, CONTEXT);
    expect(records[0]!.headers).toBe(NO_RECORD_HEADERS);
    expect(records[3]!.headers).toBe(NO_RECORD_HEADERS);
    expect(Object.isFrozen(NO_RECORD_HEADERS)).toBe(true);
    expect(NO_RECORD_HEADERS).toHaveLength(0);
  });

  it('takes every record time from logAppendTime when the batch has one', () => {
    const buf = region(SAMPLE);
    const records = decodeRecords(buf, 0, buf.length, SAMPLE.length, { ...CONTEXT, logAppendTime: 42 });
    expect(records.map((r) => r.timestamp)).toEqual([42, 42, 42, 42]);
  });

  it('decodeRecordsInto skips records below fromOffset and builds them with the factory', () => {
    const buf = region(SAMPLE);
    const out: string[] = [];
    decodeRecordsInto(buf, 0, buf.length, SAMPLE.length, CONTEXT, out, (offset, _t, _k, value) => `${offset}:${value?.length ?? 'null'}`, 1002);
    expect(out).toEqual(['1002:300', '1003:3']);
  });

  it('decodes a region in the middle of a larger buffer', () => {
    const inner = region(SAMPLE);
    const buf = Buffer.concat([Buffer.alloc(13, 0xff), inner, Buffer.alloc(5, 0xff)]);
    const records = decodeRecords(buf, 13, 13 + inner.length, SAMPLE.length, CONTEXT);
    expect(records.map((r) => r.value?.toString('latin1', 0, 3))).toEqual(['pla', undefined, '\x07\x07\x07', 'far']);
  });

  it('throws CorruptRecordError for every truncation, a count that does not match, and bytes left over', () => {
    const buf = region(SAMPLE);
    for (let cut = 0; cut < buf.length; cut++) {
      expect(() => decodeRecords(buf, 0, cut, SAMPLE.length, CONTEXT), `cut at ${cut}`).toThrow(CorruptRecordError);
    }
    expect(() => decodeRecords(buf, 0, buf.length, SAMPLE.length - 1, CONTEXT)).toThrow(/bytes left after 3 records/);
    expect(() => decodeRecords(buf, 0, buf.length, SAMPLE.length + 1, CONTEXT)).toThrow(CorruptRecordError);
    expect(() => decodeRecords(buf, 0, buf.length, -1, CONTEXT)).toThrow(CorruptRecordError);
  });

  it('throws CorruptRecordError when a record length disagrees with its fields', () => {
    const buf = Buffer.from(region([{ value: Buffer.from('abc') }]));
    // Length prefix (zig-zag) one larger than the fields: the fields end before the record does.
    const grown = Buffer.concat([buf, Buffer.from([0])]);
    grown[0] = buf[0]! + 2;
    expect(() => decodeRecords(grown, 0, grown.length, 1, CONTEXT)).toThrow(/record fields take/);
  });
});
