import { describe, expect, it } from 'vitest';
import { buildRecordBatchSync } from '../../src/records/record-batch-builder.js';
import { RECORDS_OFFSET } from '../../src/records/record-batch.js';
import { walkRecords } from '../../src/records/record-walker.js';

/** A batch of `count` records; record i has timestamp `timestampOf(i)` and a value of `valueBytes(i)` bytes. */
function batchOf(count: number, timestampOf: (i: number) => number, valueBytes: (i: number) => number) {
  const records = Array.from({ length: count }, (_, i) => ({ value: Buffer.alloc(valueBytes(i), 1), timestamp: timestampOf(i) }));
  return { batch: buildRecordBatchSync({ records }), timestamps: records.map((r) => r.timestamp) };
}

describe('walkRecords', () => {
  it('finds the max timestamp and its offsetDelta across 1- to 5-byte varints (20,000 records, deltas of ±2^40 ms, 9 KiB values)', () => {
    const base = 1_700_000_000_000;
    const { batch, timestamps } = batchOf(
      20_000,
      (i) => base + (i % 997 === 0 ? -(2 ** 40) + i : i % 1_013 === 0 ? 2 ** 40 - i : (i * 37) % 5_000),
      (i) => (i % 2_000 === 0 ? 9_000 : i % 50),
    );
    const walk = walkRecords(batch, RECORDS_OFFSET, batch.length, 20_000);
    expect(walk.failure).toBeNull();
    const max = Math.max(...timestamps);
    expect(timestamps[0]! + walk.maxTimestampDelta).toBe(max);
    expect(walk.offsetDeltaOfMaxTimestamp).toBe(timestamps.indexOf(max));
    expect(walk.recordsFound).toBe(20_000);
  });

  it('never reads past the region: every truncation of a batch is refused, none throws', () => {
    const { batch } = batchOf(300, (i) => 1_000 + i * 100, (i) => i % 200);
    for (let end = RECORDS_OFFSET; end < batch.length; end += 7) {
      const walk = walkRecords(batch, RECORDS_OFFSET, end, 300);
      expect(walk.failure, `end ${end}`).not.toBeNull();
    }
  });

  it('reports the first record with a null key only when asked, whatever the size of its offsetDelta varint', () => {
    for (const nullAt of [3, 63, 64, 8_191, 8_192, 12_000]) {
      const records = Array.from({ length: 12_001 }, (_, i) => ({ key: i === nullAt || i === 12_000 ? null : Buffer.from([1, i & 0xff]), value: Buffer.from('v'), timestamp: 1_000 }));
      const batch = buildRecordBatchSync({ records });
      expect(walkRecords(batch, RECORDS_OFFSET, batch.length, records.length, true).firstNullKeyIndex).toBe(nullAt);
      expect(walkRecords(batch, RECORDS_OFFSET, batch.length, records.length).firstNullKeyIndex).toBe(-1);
    }
    // A one-byte key 0x01 is not a null key.
    const oneByteKey = buildRecordBatchSync({ records: [{ key: Buffer.from([1]), value: null, timestamp: 1 }] });
    expect(walkRecords(oneByteKey, RECORDS_OFFSET, oneByteKey.length, 1, true).firstNullKeyIndex).toBe(-1);
  });
});
