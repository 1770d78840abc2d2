import { describe, expect, it } from 'vitest';
import {
  ATTRIBUTES_OFFSET,
  CRC_OFFSET,
  CompressionType,
  MAX_TIMESTAMP_OFFSET,
  TIMESTAMP_TYPE_MASK,
  type RecordInput,
  RecordBatchView,
  UnsupportedCompressionTypeError,
  batchAttributes,
  batchCrc,
  buildRecordBatch,
  buildRecordBatchSync,
  crc32c,
  decodeRecordBatch,
  decodeRecordBatchSync,
  formatCompressionType,
  setBatchBaseOffset,
  validateRecordBatchAt,
  writeInt64At,
} from '@sluice/protocol';
import { expectRecordsMatch, randomInt, randomRecord, seededRandom } from './helpers.js';

const ALL_CODECS = [
  CompressionType.None,
  CompressionType.Gzip,
  CompressionType.Snappy,
  CompressionType.Lz4,
  CompressionType.Zstd,
] as const;
const NOW = 1_700_000_000_000;

function timestampsOf(records: readonly RecordInput[], now = NOW): number[] {
  return records.map((record) => record.timestamp ?? now);
}

describe('buildRecordBatch then decodeRecordBatch', () => {
  for (const compression of ALL_CODECS) {
    const name = formatCompressionType(compression);

    it(`${name}: round-trips null and empty keys and values, headers with null values, unicode`, async () => {
      const records: RecordInput[] = [
        { key: null, value: null },
        { key: Buffer.alloc(0), value: Buffer.alloc(0), timestamp: NOW - 5 },
        { key: Buffer.from('clé 🔑'), value: Buffer.from('välue ✓ 日本'), timestamp: NOW + 1000 },
        {
          value: Buffer.from('with headers'),
          headers: [
            { key: 'trace-id', value: Buffer.from('abc') },
            { key: 'nullable', value: null },
            { key: '', value: Buffer.alloc(0) },
            { key: 'ключ-日本-🚀', value: Buffer.from('ü') },
            { key: 'trace-id', value: Buffer.from('duplicate keys are kept in order') },
          ],
        },
        { key: Buffer.alloc(3000, 7), value: Buffer.alloc(70_000, 9) }, // Writer's by-reference path
      ];
      const batch = await buildRecordBatch({ records, compression, baseOffset: 42, now: NOW });
      expect(validateRecordBatchAt(batch)).toEqual({ ok: true, sizeInBytes: batch.length });
      const view = new RecordBatchView(batch, 0);
      expect(view.compression).toBe(compression);
      expect(view.recordsCount).toBe(records.length);
      expectRecordsMatch(await decodeRecordBatch(batch), records, 42, timestampsOf(records));
    });

    it(`${name}: round-trips a single record`, async () => {
      const records = [{ key: Buffer.from('k'), value: Buffer.from('v'), timestamp: 5 }];
      const batch = await buildRecordBatch({ records, compression });
      const view = new RecordBatchView(batch, 0);
      expect([view.lastOffsetDelta, view.baseTimestamp, view.maxTimestamp]).toEqual([0, 5, 5]);
      expectRecordsMatch(await decodeRecordBatch(batch), records, 0, [5]);
    });

    it(`${name}: round-trips 10,000 records`, async () => {
      const records = Array.from({ length: 10_000 }, (_, i) => ({
        key: i % 3 === 0 ? null : Buffer.from(`key-${i}`),
        value: Buffer.from(`value ${i} ${'x'.repeat(i % 50)}`),
        timestamp: NOW + i,
      }));
      const batch = await buildRecordBatch({ records, compression, baseOffset: 1_000_000 });
      const view = new RecordBatchView(batch, 0);
      expect(view.lastOffsetDelta).toBe(9_999);
      expect(view.lastOffset).toBe(1_009_999);
      expect(view.maxTimestamp).toBe(NOW + 9_999);
      expect(validateRecordBatchAt(batch).ok).toBe(true);
      expectRecordsMatch(await decodeRecordBatch(batch), records, 1_000_000, timestampsOf(records));
    });
  }

  it('round-trips 300 random batches (fixed seed) over every codec and header field', async () => {
    const random = seededRandom(20240601);
    for (let round = 0; round < 300; round++) {
      const count = randomInt(random, 1, round % 10 === 0 ? 400 : 30);
      const baseTimestamp = NOW + randomInt(random, -1e9, 1e9);
      const records = Array.from({ length: count }, () => randomRecord(random, baseTimestamp));
      const options = {
        records,
        compression: ALL_CODECS[randomInt(random, 0, 4)]!,
        baseOffset: randomInt(random, 0, 2 ** 40),
        partitionLeaderEpoch: randomInt(random, 0, 1000),
        producerId: random() < 0.5 ? -1 : randomInt(random, 0, 2 ** 40),
        producerEpoch: randomInt(random, -1, 32767),
        baseSequence: randomInt(random, -1, 2 ** 31 - 1),
        transactional: random() < 0.3,
      };
      const batch = await buildRecordBatch(options);
      const view = new RecordBatchView(batch, 0);
      const timestamps = timestampsOf(records);
      expect(validateRecordBatchAt(batch).ok).toBe(true);
      expect(view.sizeInBytes).toBe(batch.length);
      expect(view.magic).toBe(2);
      expect(view.baseOffset).toBe(options.baseOffset);
      expect(view.partitionLeaderEpoch).toBe(options.partitionLeaderEpoch);
      expect(view.lastOffsetDelta).toBe(count - 1);
      expect(view.baseTimestamp).toBe(timestamps[0]);
      expect(view.maxTimestamp).toBe(Math.max(...timestamps));
      expect(view.producerId).toBe(options.producerId);
      expect(view.producerEpoch).toBe(options.producerEpoch);
      expect(view.baseSequence).toBe(options.baseSequence);
      expect(view.isTransactional).toBe(options.transactional);
      expect(view.isControl).toBe(false);
      expect(view.timestampType).toBe('CreateTime');
      expect(view.compression).toBe(options.compression);
      expectRecordsMatch(await decodeRecordBatch(batch), records, options.baseOffset, timestamps);
    }
  });
});

describe('RecordBatch header fields', () => {
  it('defaults to a non-idempotent producer: pid -1, epoch -1, sequence -1, epoch 0 leader, offset 0', () => {
    const batch = buildRecordBatchSync({ records: [{ value: Buffer.from('v') }], now: NOW });
    const view = new RecordBatchView(batch, 0);
    expect([view.baseOffset, view.partitionLeaderEpoch, view.producerId, view.producerEpoch, view.baseSequence]).toEqual(
      [0, 0, -1, -1, -1],
    );
    expect(view.attributes).toBe(0);
    expect([view.baseTimestamp, view.maxTimestamp]).toEqual([NOW, NOW]);
  });

  it('sets attribute bits: codec 0-2, LogAppendTime 3, transactional 4, control 5', async () => {
    const records = [{ value: Buffer.from('v') }];
    const batch = await buildRecordBatch({
      records,
      compression: CompressionType.Zstd,
      timestampType: 'LogAppendTime',
      transactional: true,
      control: true,
      now: NOW,
    });
    expect(batchAttributes(batch)).toBe(4 | 0x08 | 0x10 | 0x20);
    const view = new RecordBatchView(batch, 0);
    expect([view.timestampType, view.isTransactional, view.isControl]).toEqual(['LogAppendTime', true, true]);
  });

  it('takes baseTimestamp from the first record and maxTimestamp from the largest, deltas going negative', () => {
    const records = [NOW, NOW - 50_000, NOW + 7, NOW - 1].map((timestamp) => ({ value: null, timestamp }));
    const batch = buildRecordBatchSync({ records });
    const view = new RecordBatchView(batch, 0);
    expect([view.baseTimestamp, view.maxTimestamp]).toEqual([NOW, NOW + 7]);
    expect(decodeRecordBatchSync(batch).map((r) => r.timestamp)).toEqual([NOW, NOW - 50_000, NOW + 7, NOW - 1]);
  });

  it('gives every record the append time under LogAppendTime, whatever the records say', async () => {
    const records = [{ value: Buffer.from('a'), timestamp: 1 }, { value: Buffer.from('b'), timestamp: 99 }];
    for (const compression of ALL_CODECS) {
      const batch = await buildRecordBatch({ records, compression, timestampType: 'LogAppendTime', now: NOW });
      const view = new RecordBatchView(batch, 0);
      expect([view.baseTimestamp, view.maxTimestamp]).toEqual([NOW, NOW]);
      expect((await decodeRecordBatch(batch)).map((r) => r.timestamp)).toEqual([NOW, NOW]);
    }
  });

  it('decodes LogAppendTime from maxTimestamp even when the record deltas disagree (broker-stamped batch)', () => {
    const batch = buildRecordBatchSync({ records: [{ value: null, timestamp: 10 }, { value: null, timestamp: 20 }] });
    // What a broker does for message.timestamp.type=LogAppendTime: set bit 3 and maxTimestamp, fix the CRC.
    batch.writeInt16BE(batchAttributes(batch) | TIMESTAMP_TYPE_MASK, ATTRIBUTES_OFFSET);
    writeInt64At(batch, NOW, MAX_TIMESTAMP_OFFSET);
    const stamped = fixCrc(batch);
    expect(decodeRecordBatchSync(stamped).map((r) => r.timestamp)).toEqual([NOW, NOW]);
  });

  it('keeps the CRC valid when the broker patches baseOffset, and the records follow the new offset', () => {
    const records = [{ value: Buffer.from('a') }, { value: Buffer.from('b') }];
    const batch = buildRecordBatchSync({ records, now: NOW });
    const crcBefore = batchCrc(batch);
    setBatchBaseOffset(batch, 123_456_789_012);
    expect(batchCrc(batch)).toBe(crcBefore);
    expect(validateRecordBatchAt(batch).ok).toBe(true);
    expect(decodeRecordBatchSync(batch).map((r) => r.offset)).toEqual([123_456_789_012, 123_456_789_013]);
  });
});

describe('builder argument checks', () => {
  it('refuses an empty batch, a compressed sync build, unknown codecs and non-integer timestamps', async () => {
    expect(() => buildRecordBatchSync({ records: [] })).toThrow(RangeError);
    expect(() => buildRecordBatchSync({ records: [{ value: null }], compression: CompressionType.Gzip })).toThrow(
      RangeError,
    );
    await expect(buildRecordBatch({ records: [{ value: null }], compression: 6 })).rejects.toBeInstanceOf(
      UnsupportedCompressionTypeError,
    );
    expect(() => buildRecordBatchSync({ records: [{ value: null, timestamp: NaN }] })).toThrow(RangeError);
    expect(() => buildRecordBatchSync({ records: [{ value: null }, { value: null, timestamp: 1.5 }] })).toThrow(
      RangeError,
    );
  });

  it('refuses to decode a compressed batch synchronously', async () => {
    const batch = await buildRecordBatch({ records: [{ value: null }], compression: CompressionType.Lz4 });
    expect(() => decodeRecordBatchSync(batch)).toThrow(RangeError);
  });
});

/** Recomputes the CRC after covered bytes changed, as Kafka's `setMaxTimestamp` does. */
function fixCrc(batch: Buffer): Buffer {
  batch.writeUInt32BE(crc32c(batch.subarray(ATTRIBUTES_OFFSET)), CRC_OFFSET);
  expect(validateRecordBatchAt(batch).ok).toBe(true);
  return batch;
}
