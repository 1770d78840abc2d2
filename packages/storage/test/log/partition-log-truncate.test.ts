import fs from 'node:fs/promises';
import { batchPartitionLeaderEpoch, ErrorCode } from '@sluice/protocol';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LOG_CONFIG } from '../../src/log-config.js';
import { PartitionLog } from '../../src/log/partition-log.js';
import { idempotentBatch } from '../helpers/idempotent-batch-fixture.js';
import { leaderBatch } from '../helpers/leader-batch-fixture.js';
import { useLogFixture } from '../helpers/log-fixture.js';
import { batchesOf, openLog } from '../helpers/open-log.js';
import { testLogger } from '../helpers/temp-dir.js';

const fx = useLogFixture();
const PID = 31337;

async function batches(log: PartitionLog): Promise<Array<{ baseOffset: number; lastOffset: number; epoch: number }>> {
  if (log.logEndOffset === log.logStartOffset) return [];
  const read = await log.read(log.logStartOffset, 1e8, { upTo: 'log-end' });
  return batchesOf(read.records).map((b) => ({ baseOffset: b.baseOffset, lastOffset: b.lastOffset, epoch: batchPartitionLeaderEpoch(b.bytes) }));
}

/** Follower appends of 10 batches of 3 records: epoch 1 for offsets 0..14, epoch 2 for 15..29. */
async function fillFollower(log: PartitionLog): Promise<void> {
  for (let i = 0; i < 10; i++) await log.appendAsFollower(leaderBatch(i * 3, 3, i < 5 ? 1 : 2));
}

describe('PartitionLog.truncateTo', () => {
  it('cuts at a batch boundary mid-segment and truncates the epoch cache', async () => {
    fx.log = await openLog(fx.dir);
    await fillFollower(fx.log);
    await fx.log.truncateTo(15);
    expect(fx.log.logEndOffset).toBe(15);
    expect((await batches(fx.log)).map((b) => b.baseOffset)).toEqual([0, 3, 6, 9, 12]);
    expect(fx.log.leaderEpochEntries()).toEqual([{ epoch: 1, startOffset: 0 }]);
    // The next fetch from the new leader appends from there.
    await fx.log.appendAsFollower(leaderBatch(15, 2, 3));
    expect(fx.log.leaderEpochEntries()).toEqual([
      { epoch: 1, startOffset: 0 },
      { epoch: 3, startOffset: 15 },
    ]);
    expect(fx.log.logEndOffset).toBe(17);
  });

  it('removes a batch that straddles the offset whole: the log end becomes its baseOffset', async () => {
    fx.log = await openLog(fx.dir);
    await fillFollower(fx.log);
    await fx.log.truncateTo(16);
    expect(fx.log.logEndOffset).toBe(15);
    expect((await batches(fx.log)).at(-1)).toEqual({ baseOffset: 12, lastOffset: 14, epoch: 1 });
    expect(fx.log.endOffsetForLeaderEpoch(2)).toEqual({ leaderEpoch: -1, endOffset: -1 });
    await expect(fx.log.read(15, 1e6)).resolves.toMatchObject({ records: [] });
    await expect(fx.log.read(16, 1e6)).rejects.toMatchObject({ errorCode: ErrorCode.OFFSET_OUT_OF_RANGE });
  });

  it('keeps the offset as the log end when it falls in a gap, and is a no-op at or above the log end', async () => {
    fx.log = await openLog(fx.dir);
    await fx.log.appendAsFollower(Buffer.concat([leaderBatch(0, 2, 1), leaderBatch(10, 2, 1)]));
    await fx.log.truncateTo(12);
    await fx.log.truncateTo(99);
    expect(fx.log.logEndOffset).toBe(12);
    await fx.log.truncateTo(5);
    expect(fx.log.logEndOffset).toBe(5);
    expect((await batches(fx.log)).map((b) => b.baseOffset)).toEqual([0]);
    await expect(fx.log.truncateTo(-1)).rejects.toThrow(RangeError);
  });

  it('deletes the segments above and cuts the one holding the offset, with its indexes; a reopen reads the same log', async () => {
    const config = { segmentBytes: 400, indexIntervalBytes: 100 };
    fx.log = await openLog(fx.dir, config);
    for (let i = 0; i < 40; i++) await fx.log.appendAsFollower(leaderBatch(i * 2, 2, 1 + Math.floor(i / 10)));
    const segmentsBefore = fx.log.logSegments.length;
    expect(segmentsBefore).toBeGreaterThan(4);
    const cutSegment = fx.log.logSegments[2]!;
    const offset = cutSegment.baseOffset + 3; // inside the second batch of that segment
    await fx.log.truncateTo(offset);
    const end = cutSegment.baseOffset + 2;
    expect(fx.log.logEndOffset).toBe(end);
    expect(fx.log.logSegments.length).toBe(3);
    expect(fx.log.logSegments.at(-1)).toBe(cutSegment);
    const files = await fs.readdir(fx.dir);
    expect(files.filter((n) => n.endsWith('.log')).length).toBe(3);
    expect(fx.log.leaderEpochEntries().every((e) => e.startOffset < end)).toBe(true);
    // Every offset left reads its batch through the rebuilt index.
    for (let o = 0; o < end; o++) expect(batchesOf((await fx.log.read(o, 1)).records)[0]?.baseOffset).toBe(o - (o % 2));
    const before = await batches(fx.log);
    const epochs = fx.log.leaderEpochEntries();
    // Appends continue in the cut segment.
    await fx.log.appendAsFollower(leaderBatch(end, 2, 9));
    await fx.log.truncateTo(end);
    await fx.log.close();
    for (const reopen of [{ cleanShutdown: true, recoveryPoint: end }, { recoveryPoint: 0 }]) {
      fx.log = await openLog(fx.dir, config, reopen);
      expect(fx.log.logEndOffset).toBe(end);
      expect(await batches(fx.log)).toEqual(before);
      expect(fx.log.leaderEpochEntries()).toEqual(epochs);
      await fx.log.close();
    }
    fx.log = undefined;
  });

  it('rebuilds producer state as of the new log end, deleting snapshots above it', async () => {
    fx.log = await openLog(fx.dir, { segmentBytes: 300 });
    let offset = 0;
    for (let seq = 0; seq < 30; seq += 3) {
      await fx.log.appendAsFollower(leaderBatch(offset, 3, 1, { producerId: PID, baseSequence: seq }));
      offset += 3;
    }
    await fx.log.producerSnapshotsSettled();
    const snapshotsBefore = (await fs.readdir(fx.dir)).filter((n) => n.endsWith('.snapshot'));
    expect(snapshotsBefore.length).toBeGreaterThan(0);
    await fx.log.truncateTo(12);
    expect(fx.log.producerState.entry(PID)?.batches.at(-1)).toMatchObject({ firstSeq: 9, lastSeq: 11, lastOffset: 11 });
    const snapshots = (await fs.readdir(fx.dir)).filter((n) => n.endsWith('.snapshot')).map((n) => Number(n.slice(0, 20)));
    expect(snapshots.every((o) => o <= 12)).toBe(true);
    // As leader: the batch at sequence 12 was truncated away, so it is new again, not a duplicate.
    const next = await fx.log.append(idempotentBatch(3, { producerId: PID, baseSequence: 12 }), { leaderEpoch: 2 });
    expect(next.baseOffset).toBe(12);
    // And sequence 9's retry is a duplicate of the kept batch.
    await expect(fx.log.append(idempotentBatch(3, { producerId: PID, baseSequence: 9 }))).resolves.toMatchObject({ baseOffset: 9 });
  });

  it('clamps a replicated high watermark and the recovery point to the new log end', async () => {
    fx.log = await openLog(fx.dir);
    fx.log.useReplicatedHighWatermark();
    await fillFollower(fx.log);
    fx.log.updateHighWatermark(27);
    await fx.log.sync();
    expect(fx.log.recoveryPoint).toBe(30);
    await fx.log.truncateTo(9);
    expect(fx.log.highWatermark).toBe(9);
    expect(fx.log.recoveryPoint).toBe(9);
    // A sync round afterwards covers the new end, not the old.
    await fx.log.sync();
    expect(fx.log.recoveryPoint).toBe(9);
  });

  it('is serialized with appends: those queued before it are written first, those after it follow the cut', async () => {
    fx.log = await openLog(fx.dir);
    await fx.log.appendAsFollower(leaderBatch(0, 3, 1));
    const before = fx.log.appendAsFollower(leaderBatch(3, 3, 1));
    const truncation = fx.log.truncateTo(3);
    const after = fx.log.appendAsFollower(leaderBatch(3, 2, 2));
    await expect(before).resolves.toEqual({ firstOffset: 3, lastOffset: 5 });
    await truncation;
    await expect(after).resolves.toEqual({ firstOffset: 3, lastOffset: 4 });
    // An append sent right after a truncation it did not wait for is checked against the new end.
    const cut = fx.log.truncateTo(3);
    await expect(fx.log.appendAsFollower(leaderBatch(3, 1, 3))).resolves.toEqual({ firstOffset: 3, lastOffset: 3 });
    await cut;
    expect(await batches(fx.log)).toEqual([
      { baseOffset: 0, lastOffset: 2, epoch: 1 },
      { baseOffset: 3, lastOffset: 3, epoch: 3 },
    ]);
  });

  it('calls onTruncated with the lowered recovery point before it resolves', async () => {
    const seen: number[] = [];
    fx.log = await PartitionLog.open({ topic: 't', partition: 0, dir: fx.dir, config: DEFAULT_LOG_CONFIG, logger: testLogger, onTruncated: async () => void seen.push(fx.log!.recoveryPoint) });
    await fillFollower(fx.log);
    await fx.log.sync();
    await fx.log.truncateTo(6);
    expect(seen).toEqual([6]);
    await fx.log.truncateFullyAndStartAt(40);
    expect(seen).toEqual([6, 40]);
  });
});

describe('PartitionLog.truncateFullyAndStartAt', () => {
  it('empties the log and starts it at the offset, with no epochs and no producers', async () => {
    fx.log = await openLog(fx.dir, { segmentBytes: 300 });
    for (let i = 0; i < 10; i++) await fx.log.appendAsFollower(leaderBatch(i * 3, 3, 1, { producerId: PID, baseSequence: i * 3 }));
    fx.log.useReplicatedHighWatermark();
    fx.log.updateHighWatermark(20);
    await fx.log.truncateFullyAndStartAt(100);
    expect(fx.log.logStartOffset).toBe(100);
    expect(fx.log.logEndOffset).toBe(100);
    expect(fx.log.highWatermark).toBe(100);
    expect(fx.log.recoveryPoint).toBe(100);
    expect(fx.log.logSegments.map((s) => s.baseOffset)).toEqual([100]);
    expect(fx.log.leaderEpochEntries()).toEqual([]);
    expect(fx.log.producerState.size).toBe(0);
    await expect(fx.log.read(50, 1e6)).rejects.toMatchObject({ errorCode: ErrorCode.OFFSET_OUT_OF_RANGE });
    await fx.log.appendAsFollower(leaderBatch(100, 2, 4));
    await fx.log.close();
    fx.log = await openLog(fx.dir, {}, { recoveryPoint: 0 });
    expect(fx.log.logStartOffset).toBe(100);
    expect(fx.log.logEndOffset).toBe(102);
    expect(fx.log.producerState.size).toBe(0);
    expect(fx.log.leaderEpochEntries()).toEqual([{ epoch: 4, startOffset: 100 }]);
  });

  it('is what truncateTo does below the first segment', async () => {
    fx.log = await openLog(fx.dir);
    await fx.log.truncateFullyAndStartAt(50);
    await fx.log.appendAsFollower(leaderBatch(50, 3, 1));
    await fx.log.truncateTo(10);
    expect(fx.log.logStartOffset).toBe(10);
    expect(fx.log.logEndOffset).toBe(10);
    expect(fx.log.logSegments.map((s) => s.baseOffset)).toEqual([10]);
  });
});
