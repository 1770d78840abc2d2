import fs from 'node:fs/promises';
import { batchIsLogAppendTime, batchMaxTimestamp, validateRecordBatchAt } from '@sluice/protocol';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { OffsetOutOfRangeError, RecordBatchTooLargeError } from '../../src/errors.js';
import { diskStats } from '../../src/io/disk.js';
import type { PartitionLog } from '../../src/log/partition-log.js';
import { seededRandom } from '../helpers/random.js';
import { simpleBatch } from '../helpers/record-batch-fixture.js';
import { useLogFixture } from '../helpers/log-fixture.js';
import { batchesOf, openLog } from '../helpers/open-log.js';
import { appendRandomBatches, type ModelBatch } from '../helpers/random-batches.js';

const fx = useLogFixture();

/** Every offset reads back the batch that contains it, byte for byte. */
async function expectReadsMatch(target: PartitionLog, model: readonly ModelBatch[]): Promise<void> {
  for (const batch of model) {
    for (let offset = batch.baseOffset; offset <= batch.lastOffset; offset++) {
      const result = await target.read(offset, 1);
      const [first] = batchesOf(result.records);
      expect(first?.baseOffset).toBe(batch.baseOffset);
      expect(first?.bytes.equals(batch.bytes)).toBe(true);
    }
  }
}

describe('PartitionLog appends', () => {
  it('assigns contiguous offsets across many appends and patches baseOffset in place', async () => {
    fx.log = await openLog(fx.dir);
    const model = await appendRandomBatches(fx.log, 200, 1);
    let expected = 0;
    for (const batch of model) {
      expect(batch.baseOffset).toBe(expected);
      expect(batch.lastOffset - batch.baseOffset + 1).toBe(batch.timestamps.length);
      expect(validateRecordBatchAt(batch.bytes).ok).toBe(true);
      expected = batch.lastOffset + 1;
    }
    expect(fx.log.logEndOffset).toBe(expected);
    expect(fx.log.highWatermark).toBe(expected);
    await expectReadsMatch(fx.log, model);
  });

  it('writes all appends queued in one event-loop turn with one writev', async () => {
    fx.log = await openLog(fx.dir);
    await fx.log.append(simpleBatch(1, 0));
    const before = diskStats.writes;
    const infos = await Promise.all(Array.from({ length: 100 }, (_, i) => fx.log!.append(simpleBatch(2, i))));
    expect(diskStats.writes - before).toBe(1);
    expect(infos.map((i) => i.baseOffset)).toEqual(Array.from({ length: 100 }, (_, i) => 1 + 2 * i));
  });

  it('rejects a batch above max.message.bytes before writing any of the call', async () => {
    fx.log = await openLog(fx.dir, { maxMessageBytes: 200 });
    const small = simpleBatch(1, 0, 10);
    const big = simpleBatch(1, 0, 300);
    await expect(fx.log.append(Buffer.concat([small, big]))).rejects.toBeInstanceOf(RecordBatchTooLargeError);
    await expect(fx.log.append(big)).rejects.toMatchObject({ errorCode: 10, sizeInBytes: big.length, maxMessageBytes: 200 });
    expect(fx.log.logEndOffset).toBe(0);
    const info = await fx.log.append(small);
    expect(info.baseOffset).toBe(0);
  });

  it('stamps LogAppendTime with a valid CRC when the topic asks for it', async () => {
    const clock = new ManualClock(5_000_000);
    fx.log = await openLog(fx.dir, { messageTimestampType: 'LogAppendTime' }, { clock });
    const info = await fx.log.append(simpleBatch(3, 1000));
    expect(info.logAppendTimeMs).toBe(5_000_000);
    const [batch] = batchesOf((await fx.log.read(0, 1000)).records);
    expect(batchIsLogAppendTime(batch!.bytes)).toBe(true);
    expect(batchMaxTimestamp(batch!.bytes)).toBe(5_000_000);
    expect(validateRecordBatchAt(batch!.bytes).ok).toBe(true);
    expect(await fx.log.offsetForTimestamp(4_999_999)).toEqual({ offset: 0, timestamp: 5_000_000 });
    expect((await fx.log.append(simpleBatch(1, 0), { nowMs: 6_000_000 })).logAppendTimeMs).toBe(6_000_000);
  });

  it('reports CreateTime appends with logAppendTimeMs -1 and the record count', async () => {
    fx.log = await openLog(fx.dir);
    const info = await fx.log.append(Buffer.concat([simpleBatch(3, 0), simpleBatch(2, 0)]));
    expect(info).toEqual({ baseOffset: 0, lastOffset: 4, logAppendTimeMs: -1, logStartOffset: 0, recordCount: 5 });
  });

  it('notifies onAppend listeners until they unsubscribe', async () => {
    fx.log = await openLog(fx.dir);
    let calls = 0;
    const unsubscribe = fx.log.onAppend(() => calls++);
    await fx.log.append(simpleBatch(1, 0));
    unsubscribe();
    await fx.log.append(simpleBatch(1, 0));
    expect(calls).toBe(1);
  });
});

describe('PartitionLog reads', () => {
  it('respects maxBytes with whole batches, and returns one oversized batch only with minOneBatch', async () => {
    fx.log = await openLog(fx.dir, { segmentBytes: 4000 });
    const model = await appendRandomBatches(fx.log, 80, 2);
    for (const maxBytes of [1, 100, 700, 2500, 10_000, 100_000]) {
      for (const batch of model) {
        const result = await fx.log.read(batch.baseOffset, maxBytes);
        const got = batchesOf(result.records);
        expect(result.sizeInBytes).toBe(got.reduce((n, b) => n + b.bytes.length, 0));
        expect(got.length).toBeGreaterThan(0);
        if (got.length > 1) expect(result.sizeInBytes).toBeLessThanOrEqual(maxBytes);
        if (batch.bytes.length > maxBytes) expect(got.length).toBe(1);
        // Contiguous, starting at the fetched batch.
        const i = model.indexOf(batch);
        got.forEach((b, k) => expect(b.bytes.equals(model[i + k]!.bytes)).toBe(true));
        const without = await fx.log.read(batch.baseOffset, maxBytes, { minOneBatch: false });
        expect(without.sizeInBytes).toBeLessThanOrEqual(maxBytes);
      }
    }
  });

  it('reads up to the log end across segments and nothing at the log end', async () => {
    fx.log = await openLog(fx.dir, { segmentBytes: 2000 });
    const model = await appendRandomBatches(fx.log, 60, 3);
    expect(fx.log.logSegments.length).toBeGreaterThan(3);
    const all = batchesOf((await fx.log.read(0, 10_000_000)).records);
    expect(all.map((b) => b.baseOffset)).toEqual(model.map((b) => b.baseOffset));
    const atEnd = await fx.log.read(fx.log.logEndOffset, 1000);
    expect(atEnd.records).toEqual([]);
    expect(atEnd.highWatermark).toBe(fx.log.logEndOffset);
  });

  it('reads a fetch that starts where the last one ended with one read, also past the log end as it grows', async () => {
    fx.log = await openLog(fx.dir);
    const model = await appendRandomBatches(fx.log, 40, 4);
    const got: Buffer[] = [];
    const readsPerFetch: number[] = [];
    let offset = 0;
    for (let fetches = 0; offset < fx.log.logEndOffset && fetches < 100; fetches++) {
      const before = diskStats.reads;
      const result = await fx.log.read(offset, 3000);
      readsPerFetch.push(diskStats.reads - before);
      const batches = batchesOf(result.records);
      got.push(...batches.map((b) => b.bytes));
      offset = batches.at(-1)!.lastOffset + 1;
    }
    expect(Buffer.concat(got).equals(Buffer.concat(model.map((b) => b.bytes)))).toBe(true);
    // The first fetch walks batch headers (findBatch), then reads; every later one reads once.
    expect(readsPerFetch[0]).toBe(2);
    expect(readsPerFetch.slice(1)).toEqual(readsPerFetch.slice(1).map(() => 1));

    const before = diskStats.reads;
    expect((await fx.log.read(offset, 3000)).records).toEqual([]);
    expect(diskStats.reads).toBe(before);
    await fx.log.append(simpleBatch(3, 0));
    const next = batchesOf((await fx.log.read(offset, 3000)).records);
    expect(diskStats.reads).toBe(before + 1);
    expect(next.map((b) => [b.baseOffset, b.lastOffset])).toEqual([[offset, offset + 2]]);
  });

  it('reads a batch larger than maxBytes where the last fetch ended: none without minOneBatch (one read), whole with it (two), also at maxBytes 0', async () => {
    fx.log = await openLog(fx.dir);
    for (let i = 0; i < 3; i++) await fx.log.append(simpleBatch(10, i * 10, 50));
    const first = batchesOf((await fx.log.read(0, 100)).records);
    expect(first.map((b) => b.baseOffset)).toEqual([0]);
    const next = first[0]!.lastOffset + 1;

    let before = diskStats.reads;
    expect((await fx.log.read(next, 100, { minOneBatch: false })).records).toEqual([]);
    expect(diskStats.reads - before).toBe(1);

    before = diskStats.reads;
    const whole = batchesOf((await fx.log.read(next, 100)).records);
    expect(diskStats.reads - before).toBe(2);
    expect(whole.map((b) => [b.baseOffset, b.lastOffset])).toEqual([[next, next + 9]]);
    expect(whole[0]!.bytes.length).toBeGreaterThan(100);

    // A partition_max_bytes of 0 (one whole batch) leaves the remembered position in place.
    expect(batchesOf((await fx.log.read(next, 0)).records).map((b) => b.baseOffset)).toEqual([next]);
    before = diskStats.reads;
    expect(batchesOf((await fx.log.read(next, 100_000)).records).map((b) => b.baseOffset)).toEqual([next, next + 10]);
    expect(diskStats.reads - before).toBe(1);
  });

  it('throws OffsetOutOfRangeError above the log end offset', async () => {
    fx.log = await openLog(fx.dir);
    await fx.log.append(simpleBatch(2, 0));
    await expect(fx.log.read(3, 100)).rejects.toBeInstanceOf(OffsetOutOfRangeError);
    await expect(fx.log.read(-1, 100)).rejects.toMatchObject({ errorCode: 1, offset: -1, logStartOffset: 0, logEndOffset: 2 });
  });
});

describe('PartitionLog segments', () => {
  it('rolls at segment.bytes and never puts more than segment.bytes in a segment with more than one batch', async () => {
    // Every batch fits a segment (the log refuses a larger append, RECORD_LIST_TOO_LARGE).
    fx.log = await openLog(fx.dir, { segmentBytes: 3000, indexIntervalBytes: 200 });
    const model = await appendRandomBatches(fx.log, 100, 4);
    const segments = fx.log.logSegments;
    expect(segments.length).toBeGreaterThan(5);
    for (const s of segments) expect(s.size).toBeLessThanOrEqual(Math.max(3000, ...model.map((b) => b.bytes.length)));
    await expectReadsMatch(fx.log, model);
    const names = await fs.readdir(fx.dir);
    for (const s of segments) {
      const stem = String(s.baseOffset).padStart(20, '0');
      expect(names).toEqual(expect.arrayContaining([`${stem}.log`, `${stem}.index`, `${stem}.timeindex`]));
    }
  });

  it('rolls at segment.ms after the segment first append, by the injected clock', async () => {
    const clock = new ManualClock(1_000);
    fx.log = await openLog(fx.dir, { segmentMs: 10_000 }, { clock });
    await fx.log.append(simpleBatch(1, 0));
    clock.advance(10_000);
    await fx.log.append(simpleBatch(1, 0));
    expect(fx.log.logSegments.length).toBe(1);
    clock.advance(1);
    await fx.log.append(simpleBatch(1, 0));
    expect(fx.log.logSegments.map((s) => s.baseOffset)).toEqual([0, 2]);
    clock.advance(5_000);
    await fx.log.append(simpleBatch(1, 0));
    expect(fx.log.logSegments.length).toBe(2);
  });

  it('dates new segments by the injected clock: an empty segment\'s time (the retention fallback) is the clock\'s, at open and after a full truncation', async () => {
    const clock = new ManualClock(1_000);
    fx.log = await openLog(fx.dir, { segmentMs: 10_000 }, { clock });
    expect(await fx.log.logSegments[0]!.largestTimestamp()).toBe(1_000);
    await fx.log.append(simpleBatch(1, 0));
    clock.advance(20_000);
    await fx.log.truncateFullyAndStartAt(100);
    expect(fx.log.logSegments.map((s) => s.baseOffset)).toEqual([100]);
    expect(await fx.log.logSegments[0]!.largestTimestamp()).toBe(21_000);
  });

  it('rolls when the offset index is full', async () => {
    fx.log = await openLog(fx.dir, { indexIntervalBytes: 0, segmentIndexBytes: 8 * 4 });
    for (let i = 0; i < 20; i++) await fx.log.append(simpleBatch(1, i));
    expect(fx.log.logSegments.length).toBeGreaterThan(3);
    for (const s of fx.log.logSegments) expect(s.offsetIndex.entries).toBeLessThanOrEqual(4);
  });

  it('keeps everything after close and reopen, and continues at the right offset', async () => {
    fx.log = await openLog(fx.dir, { segmentBytes: 3000, indexIntervalBytes: 300 });
    const model = await appendRandomBatches(fx.log, 120, 5);
    const segmentCount = fx.log.logSegments.length;
    const end = fx.log.logEndOffset;
    await fx.log.close();
    fx.log = await openLog(fx.dir, { segmentBytes: 3000, indexIntervalBytes: 300 }, { cleanShutdown: true, recoveryPoint: end });
    expect(fx.log.logEndOffset).toBe(end);
    expect(fx.log.logSegments.length).toBe(segmentCount);
    // A clean start opens no index of an inactive segment.
    expect(fx.log.logSegments.slice(0, -1).every((s) => s.knownMaxTimestamp() === null)).toBe(true);
    await expectReadsMatch(fx.log, model);
    expect((await fx.log.append(simpleBatch(1, 0))).baseOffset).toBe(end);
  });
});

describe('PartitionLog.offsetForTimestamp', () => {
  it('finds the first record at or after a timestamp like a brute-force scan', async () => {
    fx.log = await openLog(fx.dir, { segmentBytes: 2500, indexIntervalBytes: 250 });
    const model = await appendRandomBatches(fx.log, 150, 6);
    const records = model.flatMap((b) => b.timestamps.map((timestamp, i) => ({ offset: b.baseOffset + i, timestamp })));
    const brute = (t: number) => records.find((r) => r.timestamp >= t) ?? null;
    const rnd = seededRandom(60);
    const lo = Math.min(...records.map((r) => r.timestamp));
    const hi = Math.max(...records.map((r) => r.timestamp));
    for (let q = 0; q < 300; q++) {
      const t = rnd.int(lo - 10, hi + 10);
      expect(await fx.log.offsetForTimestamp(t)).toEqual(brute(t));
    }
    await fx.log.close();
    fx.log = await openLog(fx.dir, { segmentBytes: 2500, indexIntervalBytes: 250 }, { cleanShutdown: true, recoveryPoint: fx.log.logEndOffset });
    for (let q = 0; q < 100; q++) {
      const t = rnd.int(lo - 10, hi + 10);
      expect(await fx.log.offsetForTimestamp(t)).toEqual(brute(t));
    }
  });
});
