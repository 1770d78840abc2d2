import { describe, expect, it } from 'vitest';
import {
  CompressionType,
  CorruptRecordError,
  RECORDS_OFFSET,
  type RecordInput,
  buildRecordBatch,
  firstRecordAtOrAfter,
  formatCompressionType,
} from '@sluice/protocol';
import { randomInt, randomRecord, seededRandom } from './helpers.js';

const NOW = 1_700_000_000_000;
const ALL_CODECS = [0, 1, 2, 3, 4] as const;

/** The model: scan records in offset order for the first timestamp >= target. */
function modelAnswer(records: readonly RecordInput[], baseOffset: number, target: number) {
  for (let i = 0; i < records.length; i++) {
    if (records[i]!.timestamp! >= target) return { offset: baseOffset + i, timestamp: records[i]!.timestamp! };
  }
  return null;
}

describe('firstRecordAtOrAfter', () => {
  for (const compression of ALL_CODECS) {
    it(`${formatCompressionType(compression)}: finds the first record in offset order at or after the target, with non-monotonic timestamps`, async () => {
      const timestamps = [NOW + 50, NOW + 10, NOW + 70, NOW + 30, NOW + 70, NOW - 20];
      const records = timestamps.map((timestamp, i) => ({ value: Buffer.from(`v${i}`), timestamp }));
      const batch = await buildRecordBatch({ records, compression, baseOffset: 1000 });
      expect(await firstRecordAtOrAfter(batch, NOW - 100)).toEqual({ offset: 1000, timestamp: NOW + 50 });
      expect(await firstRecordAtOrAfter(batch, NOW + 50)).toEqual({ offset: 1000, timestamp: NOW + 50 });
      expect(await firstRecordAtOrAfter(batch, NOW + 51)).toEqual({ offset: 1002, timestamp: NOW + 70 });
      expect(await firstRecordAtOrAfter(batch, NOW + 70)).toEqual({ offset: 1002, timestamp: NOW + 70 });
      expect(await firstRecordAtOrAfter(batch, NOW + 71)).toBeNull();
    });
  }

  it('agrees with a linear-scan model on random batches and targets (fixed seed)', async () => {
    const random = seededRandom(4242);
    for (let round = 0; round < 100; round++) {
      const count = randomInt(random, 1, 60);
      const records = Array.from({ length: count }, () => randomRecord(random, NOW));
      const baseOffset = randomInt(random, 0, 2 ** 40);
      const batch = await buildRecordBatch({ records, baseOffset, compression: ALL_CODECS[randomInt(random, 0, 4)]! });
      for (let probe = 0; probe < 10; probe++) {
        const target = NOW + randomInt(random, -120_000, 120_000);
        expect(await firstRecordAtOrAfter(batch, target), `round ${round} target ${target}`).toEqual(
          modelAnswer(records, baseOffset, target),
        );
      }
      const exact = records[randomInt(random, 0, count - 1)]!.timestamp!;
      expect(await firstRecordAtOrAfter(batch, exact)).toEqual(modelAnswer(records, baseOffset, exact));
    }
  });

  it('answers from maxTimestamp alone when the whole batch is older: no record is read', async () => {
    const records = [{ value: Buffer.from('a'), timestamp: NOW }, { value: Buffer.from('b'), timestamp: NOW + 5 }];
    for (const compression of ALL_CODECS) {
      const batch = await buildRecordBatch({ records, compression });
      batch.fill(0xa5, RECORDS_OFFSET); // records now undecodable: only the header may be read
      expect(await firstRecordAtOrAfter(batch, NOW + 6)).toBeNull();
      await expect(firstRecordAtOrAfter(batch, NOW + 5)).rejects.toBeInstanceOf(CorruptRecordError);
    }
  });

  it('gives the first record and the append time for a LogAppendTime batch', async () => {
    const records = [{ value: null, timestamp: 1 }, { value: null, timestamp: NOW + 10_000 }];
    for (const compression of [CompressionType.None, CompressionType.Gzip]) {
      const batch = await buildRecordBatch({ records, compression, timestampType: 'LogAppendTime', now: NOW, baseOffset: 9 });
      expect(await firstRecordAtOrAfter(batch, NOW)).toEqual({ offset: 9, timestamp: NOW });
      expect(await firstRecordAtOrAfter(batch, 0)).toEqual({ offset: 9, timestamp: NOW });
      expect(await firstRecordAtOrAfter(batch, NOW + 1)).toBeNull();
    }
  });

  it('reads the batch at a given position in a buffer of several', async () => {
    const a = await buildRecordBatch({ records: [{ value: null, timestamp: NOW }], baseOffset: 0 });
    const b = await buildRecordBatch({
      records: [{ value: null, timestamp: NOW + 100 }, { value: null, timestamp: NOW + 200 }],
      baseOffset: 1,
      compression: CompressionType.Snappy,
    });
    const log = Buffer.concat([a, b]);
    expect(await firstRecordAtOrAfter(log, NOW + 150, a.length)).toEqual({ offset: 2, timestamp: NOW + 200 });
    expect(await firstRecordAtOrAfter(log, NOW + 150, 0)).toBeNull();
  });

  it('throws CorruptRecordError for a buffer shorter than a batch header', async () => {
    await expect(firstRecordAtOrAfter(Buffer.alloc(30), 0)).rejects.toBeInstanceOf(CorruptRecordError);
  });
});
