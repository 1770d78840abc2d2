import { describe, expect, it } from 'vitest';
import {
  ATTRIBUTES_OFFSET,
  CRC_OFFSET,
  CompressionType,
  LENGTH_OFFSET,
  LOG_OVERHEAD,
  CorruptRecordError,
  MAGIC_OFFSET,
  RECORDS_COUNT_OFFSET,
  RECORDS_OFFSET,
  buildRecordBatch,
  buildRecordBatchSync,
  crc32c,
  decodeRecordBatch,
  decodeRecordBatchSync,
  recordBatches,
  validateRecordBatchAt,
} from '@sluice/protocol';
import { expectRecordsMatch, randomInt, randomRecord, seededRandom } from './helpers.js';

const NOW = 1_700_000_000_000;

/** Three batches as a log stores them: contiguous offsets, mixed codecs and flags. */
async function threeBatches() {
  const first = [{ value: Buffer.from('a'), timestamp: NOW }, { value: Buffer.from('b'), timestamp: NOW + 1 }];
  const second = [{ key: Buffer.from('k'), value: null, timestamp: NOW + 2 }];
  const third = Array.from({ length: 5 }, (_, i) => ({ value: Buffer.from(`c${i}`), timestamp: NOW + 3 + i }));
  const batches = [
    await buildRecordBatch({ records: first, baseOffset: 100, compression: CompressionType.None }),
    await buildRecordBatch({ records: second, baseOffset: 102, compression: CompressionType.Snappy, transactional: true }),
    await buildRecordBatch({ records: third, baseOffset: 103, compression: CompressionType.Zstd, control: true }),
  ];
  return { inputs: [first, second, third], batches, log: Buffer.concat(batches) };
}

describe('recordBatches', () => {
  it('walks concatenated batches, giving each one’s position, size and offsets', async () => {
    const { batches, log, inputs } = await threeBatches();
    const views = [...recordBatches(log)];
    expect(views.map((v) => v.position)).toEqual([0, batches[0]!.length, batches[0]!.length + batches[1]!.length]);
    expect(views.map((v) => v.sizeInBytes)).toEqual(batches.map((b) => b.length));
    expect(views.map((v) => [v.baseOffset, v.lastOffset, v.nextOffset])).toEqual([
      [100, 101, 102],
      [102, 102, 103],
      [103, 107, 108],
    ]);
    expect(views.map((v) => [v.compression, v.isTransactional, v.isControl])).toEqual([
      [0, false, false],
      [2, true, false],
      [4, false, true],
    ]);
    for (const [i, view] of views.entries()) {
      expect(view.bytes.equals(batches[i]!)).toBe(true);
      expect(view.endPosition).toBe(view.position + batches[i]!.length);
      const records = await decodeRecordBatch(log, view.position);
      expectRecordsMatch(records, inputs[i]!, view.baseOffset, inputs[i]!.map((r) => r.timestamp));
    }
  });

  it('stops quietly at a truncated trailing batch, wherever the cut falls', async () => {
    const { batches, log } = await threeBatches();
    const ends = [batches[0]!.length, batches[0]!.length + batches[1]!.length, log.length];
    for (let cut = 0; cut <= log.length; cut++) {
      const complete = ends.filter((end) => end <= cut).length;
      expect([...recordBatches(log, 0, cut)].length, `cut at ${cut}`).toBe(complete);
      expect([...recordBatches(log.subarray(0, cut))].length, `subarray cut at ${cut}`).toBe(complete);
    }
  });

  it('starts at a given position and ignores bytes past `end`', async () => {
    const { batches, log } = await threeBatches();
    const views = [...recordBatches(log, batches[0]!.length, log.length - 1)];
    expect(views.map((v) => v.baseOffset)).toEqual([102]);
  });

  it('throws CorruptRecordError for a complete batch with magic other than 2 or a length below the header', async () => {
    const { batches, log } = await threeBatches();
    const badMagic = Buffer.from(log);
    badMagic[batches[0]!.length + MAGIC_OFFSET] = 1;
    const iterate = (buf: Buffer) => [...recordBatches(buf)];
    expect(() => iterate(badMagic)).toThrow(CorruptRecordError);
    const badLength = Buffer.from(log);
    badLength.writeInt32BE(10, 8);
    expect(() => iterate(badLength)).toThrow(CorruptRecordError);
  });
});

describe('decodeRecordBatch on record-less batches (as compaction leaves them)', () => {
  it('returns no records for an empty records region, whatever the codec bits say', async () => {
    for (const compression of [CompressionType.None, CompressionType.Gzip, CompressionType.Zstd]) {
      const full = await buildRecordBatch({ records: [{ value: Buffer.from('gone') }], compression, baseOffset: 40 });
      const empty = Buffer.from(full.subarray(0, RECORDS_OFFSET));
      empty.writeInt32BE(empty.length - LOG_OVERHEAD, LENGTH_OFFSET);
      empty.writeInt32BE(0, RECORDS_COUNT_OFFSET);
      empty.writeUInt32BE(crc32c(empty.subarray(ATTRIBUTES_OFFSET)), CRC_OFFSET);
      expect(validateRecordBatchAt(empty).ok).toBe(true);
      expect(await decodeRecordBatch(empty)).toEqual([]);
      expect([...recordBatches(empty)].map((v) => [v.baseOffset, v.recordsCount])).toEqual([[40, 0]]);
    }
  });
});

describe('decodeRecordBatch on damaged batches', () => {
  const records = [
    { key: Buffer.from('key'), value: Buffer.from('value'), headers: [{ key: 'h', value: Buffer.from('v') }] },
    { key: null, value: Buffer.from('second') },
  ];

  it('rejects a batch cut short, or a buffer too short for its header', async () => {
    const batch = buildRecordBatchSync({ records, now: NOW });
    for (const cut of [0, 10, RECORDS_OFFSET - 1, RECORDS_OFFSET, batch.length - 1]) {
      await expect(decodeRecordBatch(batch.subarray(0, cut))).rejects.toBeInstanceOf(CorruptRecordError);
    }
  });

  it('rejects a records count that disagrees with the records', async () => {
    for (const count of [0, 1, 3, 1_000_000, -1]) {
      const batch = buildRecordBatchSync({ records, now: NOW });
      batch.writeInt32BE(count, RECORDS_COUNT_OFFSET);
      expect(() => decodeRecordBatchSync(batch), `count ${count}`).toThrow(CorruptRecordError);
    }
  });

  it('rejects bytes left after the last record', async () => {
    const batch = buildRecordBatchSync({ records, now: NOW });
    const padded = Buffer.concat([batch, Buffer.from([0, 0, 0])]);
    padded.writeInt32BE(padded.length - 12, 8);
    expect(() => decodeRecordBatchSync(padded)).toThrow(/bytes left after/);
  });

  it('rejects a record whose length prefix disagrees with its fields', async () => {
    const batch = buildRecordBatchSync({ records: [{ value: Buffer.from('v') }], now: NOW });
    batch[RECORDS_OFFSET] += 2; // zig-zag: +1 in the length; the batch size no longer matches either
    expect(() => decodeRecordBatchSync(batch)).toThrow(CorruptRecordError);
  });

  it('rejects compressed records that do not decompress', async () => {
    const batch = await buildRecordBatch({ records, compression: CompressionType.Gzip, now: NOW });
    batch.fill(0x55, RECORDS_OFFSET + 10, batch.length - 4);
    await expect(decodeRecordBatch(batch)).rejects.toBeInstanceOf(CorruptRecordError);
  });

  it('never fails with anything but CorruptRecordError when records bytes are randomly damaged (fixed seed)', async () => {
    const random = seededRandom(99);
    const pristine = buildRecordBatchSync({
      records: Array.from({ length: 20 }, () => randomRecord(random, NOW)),
      now: NOW,
    });
    let rejected = 0;
    for (let round = 0; round < 2000; round++) {
      const batch = Buffer.from(pristine);
      const flips = randomInt(random, 1, 4);
      for (let f = 0; f < flips; f++) {
        batch[randomInt(random, RECORDS_OFFSET, batch.length - 1)] = randomInt(random, 0, 255);
      }
      try {
        const decoded = decodeRecordBatchSync(batch);
        expect(decoded).toHaveLength(20);
      } catch (error) {
        expect(error).toBeInstanceOf(CorruptRecordError);
        rejected++;
      }
    }
    expect(rejected).toBeGreaterThan(100);
  });
});
