import path from 'node:path';
import { buildRecordBatch, CompressionType, DELETE_HORIZON_FLAG_MASK, type RecordInput } from '@sluice/protocol';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { OFFSET_MAP_ENTRY_BYTES, OffsetMap } from '../../src/cleaner/offset-map.js';
import { DedupeBufferTooSmallError } from '../../src/cleaner/cleaner.js';
import type { LogConfig } from '../../src/log-config.js';
import type { PartitionLog } from '../../src/log/partition-log.js';
import { cleanerFor, readAllBatches, readAllRecords } from '../helpers/compacted-log.js';
import { useLogFixture } from '../helpers/log-fixture.js';
import { openLog } from '../helpers/open-log.js';

const fx = useLogFixture();
const COMPACTED: Partial<LogConfig> = { cleanupPolicy: 'compact', segmentBytes: 2_000, fileDeleteDelayMs: 0, minCleanableDirtyRatio: 0 };

const keyed = (key: string, value: string | null, timestamp = 1_000): RecordInput => ({ key: Buffer.from(key), value: value === null ? null : Buffer.from(value), timestamp });

/** Appends a batch that forces a roll, so everything before it is in inactive segments. */
async function rollPastEverything(log: PartitionLog): Promise<void> {
  await log.append(await buildRecordBatch({ records: [keyed('roll', 'x'.repeat(log.logConfig.segmentBytes - 120))] }));
}

describe('OffsetMap (Kafka SkimpyOffsetMap)', () => {
  it('holds at most its budget, finds every key put, keeps the latest offset and counts distinct keys', () => {
    const map = new OffsetMap(100 * OFFSET_MAP_ENTRY_BYTES);
    expect(map.memoryBytes).toBeLessThanOrEqual(100 * OFFSET_MAP_ENTRY_BYTES);
    expect(map.maxEntries).toBe(90);
    for (let i = 0; i < 90; i++) map.put(OffsetMap.hashKey(Buffer.from(`key-${i}`)), i);
    for (let i = 0; i < 90; i += 3) map.put(OffsetMap.hashKey(Buffer.from(`key-${i}`)), 1_000 + i);
    expect(map.size).toBe(90);
    expect(map.wouldOverflow(1)).toBe(true);
    for (let i = 0; i < 90; i++) expect(map.get(OffsetMap.hashKey(Buffer.from(`key-${i}`)))).toBe(i % 3 === 0 ? 1_000 + i : i);
    expect(map.get(OffsetMap.hashKey(Buffer.from('absent')))).toBe(-1);
    expect(map.latestOffset).toBe(1_087);
    map.clear();
    expect(map.size).toBe(0);
    expect(map.get(OffsetMap.hashKey(Buffer.from('key-3')))).toBe(-1);
  });
});

describe('Cleaner', () => {
  it('cleans a partition with more keys than the dedupe buffer holds in several passes, within that memory', async () => {
    const clock = new ManualClock(1_000_000);
    const config = { ...COMPACTED, segmentBytes: 4_000 };
    fx.log = await openLog(path.join(fx.dir, 't-0'), config, { clock });
    const latest = new Map<string, number>();
    for (let round = 0; round < 3; round++) {
      for (let k = 0; k < 400; k += 8) {
        const records = Array.from({ length: 8 }, (_, i) => keyed(`key-${k + i}`, `v${round}-${k + i}`));
        const info = await fx.log.append(await buildRecordBatch({ records }));
        records.forEach((r, i) => latest.set(r.key!.toString(), info.baseOffset + i));
      }
    }
    await rollPastEverything(fx.log);
    const budgetBytes = 64 * OFFSET_MAP_ENTRY_BYTES;
    const cleaner = await cleanerFor(() => fx.log!, fx.dir, clock, budgetBytes);
    const passes: number[] = [];
    for (let pass = 0; pass < 100; pass++) {
      const status = (await cleaner.status())[0]!;
      if (status.firstDirtyOffset >= status.firstUncleanableOffset) break;
      const result = await cleaner.cleanLog(fx.log);
      expect(result.mapKeys).toBeLessThanOrEqual(new OffsetMap(budgetBytes).maxEntries);
      expect(result.endOffset).toBeGreaterThan(status.firstDirtyOffset);
      passes.push(result.endOffset);
    }
    expect(passes.length).toBeGreaterThanOrEqual(Math.ceil(400 / new OffsetMap(budgetBytes).maxEntries));
    const records = (await readAllRecords(fx.log)).filter((r) => r.key !== 'roll');
    expect(records.map((r) => r.offset)).toEqual([...latest.values()].sort((a, b) => a - b));
    for (const r of records) expect(r.value).toBe(`v2-${r.key!.slice(4)}`);
    await cleaner.close();
  });

  it('refuses a batch with more keys than the whole dedupe buffer, and leaves the log as it was', async () => {
    const clock = new ManualClock(1_000_000);
    fx.log = await openLog(path.join(fx.dir, 't-0'), COMPACTED, { clock });
    await fx.log.append(await buildRecordBatch({ records: Array.from({ length: 20 }, (_, i) => keyed(`k${i}`, 'v')) }));
    await rollPastEverything(fx.log);
    const before = await readAllRecords(fx.log);
    const cleaner = await cleanerFor(() => fx.log!, fx.dir, clock, 10 * OFFSET_MAP_ENTRY_BYTES);
    await expect(cleaner.cleanLog(fx.log)).rejects.toBeInstanceOf(DedupeBufferTooSmallError);
    expect(await readAllRecords(fx.log)).toEqual(before);
    // The partition is set aside, not retried in a loop.
    expect(await cleaner.cleanFilthiest()).toBeNull();
    await cleaner.close();
  });

  for (const codec of [CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd]) {
    it(`cleans compressed batches (codec ${codec}): survivors recompressed with the same codec at their offsets, tombstones stamped with a delete horizon`, async () => {
      const clock = new ManualClock(1_000_000);
      fx.log = await openLog(path.join(fx.dir, 't-0'), { ...COMPACTED, deleteRetentionMs: 5_000 }, { clock });
      const first = await fx.log.append(await buildRecordBatch({ records: [keyed('a', 'a1', 900), keyed('b', 'b1', 950), keyed('c', 'c1', 990)], compression: codec }));
      const second = await fx.log.append(await buildRecordBatch({ records: [keyed('a', 'a2', 1_000), keyed('c', null, 1_010)], compression: codec }));
      await rollPastEverything(fx.log);
      const cleaner = await cleanerFor(() => fx.log!, fx.dir, clock);
      await cleaner.cleanLog(fx.log);
      const batches = (await readAllBatches(fx.log)).filter((b) => b.records[0]?.key !== 'roll');
      expect(batches.map((b) => ({ baseOffset: b.baseOffset, codec: b.codec, records: b.records }))).toEqual([
        { baseOffset: first.baseOffset, codec, records: [{ offset: first.baseOffset + 1, key: 'b', value: 'b1' }] },
        { baseOffset: second.baseOffset, codec, records: [{ offset: second.baseOffset, key: 'a', value: 'a2' }, { offset: second.baseOffset + 1, key: 'c', value: null }] },
      ]);
      expect(batches[1]!.attributes & DELETE_HORIZON_FLAG_MASK).not.toBe(0);
      expect(batches[0]!.attributes & DELETE_HORIZON_FLAG_MASK).toBe(0);
      // Record timestamps survive the new baseTimestamp (the delete horizon).
      const decoded = await fx.log.read(second.baseOffset, 1 << 20);
      const { decodeRecordBatch } = await import('@sluice/protocol');
      expect((await decodeRecordBatch(Buffer.from(decoded.records[0]!))).map((r) => r.timestamp)).toEqual([1_000, 1_010]);
      // Before the horizon the tombstone stays; a cleaning after it removes it.
      clock.advance(4_999);
      await cleaner.cleanLog(fx.log);
      expect((await readAllRecords(fx.log)).map((r) => r.key)).toEqual(['b', 'a', 'c', 'roll']);
      clock.advance(1);
      await cleaner.cleanLog(fx.log);
      expect((await readAllRecords(fx.log)).map((r) => r.key)).toEqual(['b', 'a', 'roll']);
      await cleaner.close();
    });
  }

  it("keeps an emptied batch that is a producer's last, so producer state and duplicate detection survive a restart (Kafka keeps it too)", async () => {
    const clock = new ManualClock(1_000_000);
    const dir = path.join(fx.dir, 't-0');
    fx.log = await openLog(dir, COMPACTED, { clock });
    const producer = { producerId: 42, producerEpoch: 0 };
    const p0 = await buildRecordBatch({ records: [keyed('a', 'a0'), keyed('b', 'b0')], ...producer, baseSequence: 0 });
    const p1 = await buildRecordBatch({ records: [keyed('a', 'a1'), keyed('b', 'b1')], ...producer, baseSequence: 2 });
    const first = await fx.log.append(Buffer.from(p0));
    const last = await fx.log.append(Buffer.from(p1));
    // Another writer supersedes every record of the producer.
    await fx.log.append(await buildRecordBatch({ records: [keyed('a', 'a2'), keyed('b', 'b2')] }));
    await rollPastEverything(fx.log);
    const cleaner = await cleanerFor(() => fx.log!, fx.dir, clock);
    await cleaner.cleanLog(fx.log);
    const batches = await readAllBatches(fx.log);
    expect(batches.map((b) => [b.baseOffset, b.recordsCount])).toEqual([
      [last.baseOffset, 0],
      [last.lastOffset + 1, 2],
      [last.lastOffset + 3, 1],
    ]);
    expect(batches.some((b) => b.baseOffset === first.baseOffset)).toBe(false);
    // A restart without a producer snapshot rebuilds the producer from the emptied batch.
    await fx.log.close();
    const fs = await import('node:fs/promises');
    for (const name of await fs.readdir(dir)) if (name.endsWith('.snapshot')) await fs.rm(path.join(dir, name));
    fx.log = await openLog(dir, COMPACTED, { clock, cleanShutdown: false });
    expect(fx.log.producerState.entry(42)?.batches.at(-1)).toMatchObject({ firstSeq: 2, lastSeq: 3, firstOffset: last.baseOffset, lastOffset: last.lastOffset });
    const retry = await fx.log.append(Buffer.from(p1));
    expect([retry.baseOffset, retry.lastOffset]).toEqual([last.baseOffset, last.lastOffset]);
    await cleaner.close();
  });

  it('never breaks a read running while segments are swapped: every read returns whole batches of records that were appended', async () => {
    const clock = new ManualClock(1_000_000);
    fx.log = await openLog(path.join(fx.dir, 't-0'), { ...COMPACTED, fileDeleteDelayMs: 0 }, { clock });
    const appended = new Map<number, string>();
    for (let i = 0; i < 60; i++) {
      const records = Array.from({ length: 5 }, (_, k) => keyed(`k${k}`, `v${i}-${k}`));
      const info = await fx.log.append(await buildRecordBatch({ records }));
      records.forEach((r, k) => appended.set(info.baseOffset + k, r.value!.toString()));
    }
    await rollPastEverything(fx.log);
    const cleaner = await cleanerFor(() => fx.log!, fx.dir, clock);
    const log = fx.log;
    let reads = 0;
    let cleaning = true;
    const reader = (async () => {
      // Bounded: stops when the cleaning is done, or after 10,000 reads.
      while (cleaning && reads < 10_000) {
        for (const r of await readAllRecords(log)) if (r.key !== 'roll') expect(r.value).toBe(appended.get(r.offset));
        reads++;
      }
    })();
    await cleaner.cleanLog(log);
    cleaning = false;
    await reader;
    expect(reads).toBeGreaterThan(0);
    expect((await readAllRecords(log)).filter((r) => r.key !== 'roll').map((r) => r.value)).toEqual(['v59-0', 'v59-1', 'v59-2', 'v59-3', 'v59-4']);
    await cleaner.close();
  });

  it('rolls the active segment of a compacted topic at max.compaction.lag.ms, so its records become cleanable (KIP-354)', async () => {
    const clock = new ManualClock(1_000_000);
    fx.log = await openLog(path.join(fx.dir, 't-0'), { ...COMPACTED, segmentMs: 600_000, maxCompactionLagMs: 1_000 }, { clock });
    await fx.log.append(await buildRecordBatch({ records: [keyed('a', '1')] }));
    clock.advance(1_001);
    await fx.log.append(await buildRecordBatch({ records: [keyed('a', '2')] }));
    expect(fx.log.logSegments.map((s) => s.baseOffset)).toEqual([0, 1]);
    await fx.log.close();
    fx.log = await openLog(path.join(fx.dir, 't-0'), { cleanupPolicy: 'delete', segmentMs: 600_000, maxCompactionLagMs: 1_000 }, { clock });
    await fx.log.append(await buildRecordBatch({ records: [keyed('a', '3')] }));
    clock.advance(1_001);
    await fx.log.append(await buildRecordBatch({ records: [keyed('a', '4')] }));
    expect(fx.log.logSegments.map((s) => s.baseOffset)).toEqual([0, 1]);
  });
});
