import fs from 'node:fs/promises';
import path from 'node:path';
import { batchPartitionLeaderEpoch, CRC_OFFSET, ErrorCode } from '@sluice/protocol';
import { describe, expect, it } from 'vitest';
import { cleanableRange } from '../../src/cleaner/cleanable-range.js';
import { applyRetention } from '../../src/manager/retention.js';
import { CorruptRecordError, UnexpectedAppendOffsetError } from '../../src/errors.js';
import { LEADER_EPOCH_CHECKPOINT_FILE } from '../../src/log/leader-epoch-checkpoint.js';
import { idempotentBatch } from '../helpers/idempotent-batch-fixture.js';
import { leaderBatch } from '../helpers/leader-batch-fixture.js';
import { useLogFixture } from '../helpers/log-fixture.js';
import { batchesOf, openLog } from '../helpers/open-log.js';
import { simpleBatch } from '../helpers/record-batch-fixture.js';

const fx = useLogFixture();
const PID = 9090;

async function readAll(upTo: 'high-watermark' | 'log-end' = 'log-end'): Promise<Array<{ baseOffset: number; lastOffset: number; epoch: number }>> {
  const log = fx.log!;
  const read = await log.read(log.logStartOffset, 1e8, { upTo });
  return batchesOf(read.records).map((b) => ({ baseOffset: b.baseOffset, lastOffset: b.lastOffset, epoch: batchPartitionLeaderEpoch(b.bytes) }));
}

describe('PartitionLog leader appends with a leader epoch', () => {
  it('stamps the epoch into every batch and records each new epoch at its first offset', async () => {
    fx.log = await openLog(fx.dir);
    await fx.log.append(simpleBatch(3, 1_000));
    expect(fx.log.latestLeaderEpoch).toBe(-1);
    await fx.log.append(Buffer.concat([simpleBatch(2, 1_000), simpleBatch(2, 1_000)]), { leaderEpoch: 4 });
    await fx.log.append(simpleBatch(1, 1_000), { leaderEpoch: 4 });
    await fx.log.append(simpleBatch(1, 1_000), { leaderEpoch: 6 });
    expect(await readAll()).toEqual([
      { baseOffset: 0, lastOffset: 2, epoch: -1 },
      { baseOffset: 3, lastOffset: 4, epoch: 4 },
      { baseOffset: 5, lastOffset: 6, epoch: 4 },
      { baseOffset: 7, lastOffset: 7, epoch: 4 },
      { baseOffset: 8, lastOffset: 8, epoch: 6 },
    ]);
    expect(fx.log.leaderEpochEntries()).toEqual([
      { epoch: 4, startOffset: 3 },
      { epoch: 6, startOffset: 8 },
    ]);
    expect(fx.log.latestLeaderEpoch).toBe(6);
    expect(fx.log.endOffsetForLeaderEpoch(6)).toEqual({ leaderEpoch: 6, endOffset: 9 });
    expect(fx.log.endOffsetForLeaderEpoch(5)).toEqual({ leaderEpoch: 4, endOffset: 8 });
  });

  it('writes the epoch checkpoint in the sync round, not per append, and reopens with it', async () => {
    fx.log = await openLog(fx.dir);
    const file = path.join(fx.dir, LEADER_EPOCH_CHECKPOINT_FILE);
    // A new partition gets an empty checkpoint at once (no fsync), so no later open scans the log.
    expect(await fs.readFile(file, 'utf8')).toBe('0\n0\n');
    const info = await fx.log.append(simpleBatch(2, 1_000), { leaderEpoch: 2 });
    expect(await fs.readFile(file, 'utf8')).toBe('0\n0\n');
    await fx.log.sync(info.lastOffset);
    expect(await fs.readFile(file, 'utf8')).toBe('0\n1\n2 0\n');
    await fx.log.append(simpleBatch(2, 1_000), { leaderEpoch: 3 });
    await fx.log.close();
    fx.log = await openLog(fx.dir, {}, { cleanShutdown: true, recoveryPoint: 4 });
    expect(fx.log.leaderEpochEntries()).toEqual([
      { epoch: 2, startOffset: 0 },
      { epoch: 3, startOffset: 2 },
    ]);
  });

  it('rebuilds a missing or torn checkpoint from the batches, and drops entries the recovered log no longer holds', async () => {
    fx.log = await openLog(fx.dir);
    await fx.log.append(simpleBatch(2, 1_000), { leaderEpoch: 1 });
    await fx.log.append(simpleBatch(2, 1_000), { leaderEpoch: 3 });
    await fx.log.close();
    const file = path.join(fx.dir, LEADER_EPOCH_CHECKPOINT_FILE);
    const expected = [
      { epoch: 1, startOffset: 0 },
      { epoch: 3, startOffset: 2 },
    ];
    await fs.rm(file);
    // A clean start walks almost nothing: only the scan of a missing file can find epoch 1.
    fx.log = await openLog(fx.dir, {}, { cleanShutdown: true, recoveryPoint: 4 });
    expect(fx.log.leaderEpochEntries()).toEqual(expected);
    await fx.log.close();
    expect(await fs.readFile(file, 'utf8')).toBe('0\n2\n1 0\n3 2\n');
    await fs.writeFile(file, '0\n2\n1 0\n3');
    fx.log = await openLog(fx.dir, {}, { cleanShutdown: true, recoveryPoint: 4 });
    expect(fx.log.leaderEpochEntries()).toEqual(expected);
    await fx.log.close();
    // A checkpoint naming epochs of batches a crash lost: cut to the recovered log end.
    await fs.writeFile(file, '0\n3\n1 0\n3 2\n9 4\n');
    fx.log = await openLog(fx.dir, {}, { recoveryPoint: 4 });
    expect(fx.log.leaderEpochEntries()).toEqual(expected);
  });

  it('re-assigns the epochs of batches above the recovery point that the checkpoint lacks (crash before the sync round)', async () => {
    fx.log = await openLog(fx.dir);
    const info = await fx.log.append(simpleBatch(2, 1_000), { leaderEpoch: 1 });
    await fx.log.sync(info.lastOffset);
    const recoveryPoint = fx.log.recoveryPoint;
    await fx.log.append(simpleBatch(2, 1_000), { leaderEpoch: 2 });
    // kill -9: the page cache keeps the written batch, the epoch file still says only epoch 1.
    const file = path.join(fx.dir, LEADER_EPOCH_CHECKPOINT_FILE);
    expect(await fs.readFile(file, 'utf8')).toBe('0\n1\n1 0\n');
    fx.log = await openLog(fx.dir, {}, { recoveryPoint });
    expect(fx.log.leaderEpochEntries()).toEqual([
      { epoch: 1, startOffset: 0 },
      { epoch: 2, startOffset: 2 },
    ]);
  });

  it('keeps the start of an epoch that began before the recovery walk, and the later epochs (crash mid-epoch)', async () => {
    const config = { segmentBytes: 300 };
    fx.log = await openLog(fx.dir, config);
    for (const [epoch, batches] of [[1, 2], [2, 8], [3, 2]] as const) {
      for (let i = 0; i < batches; i++) await fx.log.append(simpleBatch(2, 1_000), { leaderEpoch: epoch });
    }
    await fx.log.sync();
    const expected = [
      { epoch: 1, startOffset: 0 },
      { epoch: 2, startOffset: 4 },
      { epoch: 3, startOffset: 20 },
    ];
    expect(fx.log.leaderEpochEntries()).toEqual(expected);
    // kill -9 with a checkpointed recovery point in a later segment of epoch 2: recovery walks
    // from that segment, whose first batch is not where epoch 2 started.
    const walkFrom = fx.log.logSegments.find((s) => s.baseOffset > 4 && s.baseOffset < 20)!.baseOffset;
    fx.log = await openLog(fx.dir, config, { recoveryPoint: walkFrom + 1 });
    expect(fx.log.leaderEpochEntries()).toEqual(expected);
  });
});

describe('PartitionLog.appendAsFollower', () => {
  it("keeps the leader's offsets and epochs, allows a gap, and learns the epochs", async () => {
    fx.log = await openLog(fx.dir);
    await expect(fx.log.appendAsFollower(Buffer.concat([leaderBatch(0, 3, 1), leaderBatch(3, 2, 2)]))).resolves.toEqual({ firstOffset: 0, lastOffset: 4 });
    // Offsets 5..9 were compacted away on the leader.
    await expect(fx.log.appendAsFollower(leaderBatch(10, 2, 2))).resolves.toEqual({ firstOffset: 10, lastOffset: 11 });
    expect(fx.log.logEndOffset).toBe(12);
    expect(await readAll()).toEqual([
      { baseOffset: 0, lastOffset: 2, epoch: 1 },
      { baseOffset: 3, lastOffset: 4, epoch: 2 },
      { baseOffset: 10, lastOffset: 11, epoch: 2 },
    ]);
    expect(fx.log.leaderEpochEntries()).toEqual([
      { epoch: 1, startOffset: 0 },
      { epoch: 2, startOffset: 3 },
    ]);
    await expect(fx.log.appendAsFollower(Buffer.alloc(0))).resolves.toEqual({ firstOffset: -1, lastOffset: -1 });
    // A restart reads the same log.
    await fx.log.close();
    fx.log = await openLog(fx.dir, {}, { recoveryPoint: 0 });
    expect(fx.log.logEndOffset).toBe(12);
    expect((await readAll()).map((b) => b.baseOffset)).toEqual([0, 3, 10]);
  });

  it('rolls segments at the first offset of the append', async () => {
    fx.log = await openLog(fx.dir, { segmentBytes: 300 });
    let offset = 0;
    for (let i = 0; i < 6; i++) {
      await fx.log.appendAsFollower(leaderBatch(offset, 2, 1));
      offset += 5; // leaves a gap of 3 after each batch
    }
    expect(fx.log.logSegments.length).toBeGreaterThan(1);
    for (const segment of fx.log.logSegments) expect(segment.baseOffset % 5).toBe(0);
    expect(fx.log.logEndOffset).toBe(27);
  });

  it('refuses an append starting below the log end offset, and offsets that do not grow', async () => {
    fx.log = await openLog(fx.dir);
    await fx.log.appendAsFollower(leaderBatch(0, 3, 1));
    const below = await fx.log.appendAsFollower(leaderBatch(2, 3, 1)).catch((err: unknown) => err);
    expect(below).toBeInstanceOf(UnexpectedAppendOffsetError);
    expect(below).toMatchObject({ firstOffset: 2, logEndOffset: 3 });
    await expect(fx.log.appendAsFollower(Buffer.concat([leaderBatch(5, 3, 1), leaderBatch(6, 1, 1)]))).rejects.toMatchObject({ errorCode: ErrorCode.INVALID_RECORD });
    // Two appends queued at once: the second finds the first's offsets taken when its turn comes.
    const [first, second] = await Promise.allSettled([fx.log.appendAsFollower(leaderBatch(3, 2, 1)), fx.log.appendAsFollower(leaderBatch(3, 2, 1))]);
    expect(first.status).toBe('fulfilled');
    expect(second.status === 'rejected' && second.reason instanceof UnexpectedAppendOffsetError).toBe(true);
    expect(fx.log.logEndOffset).toBe(5);
  });

  it('refuses a batch that fails its CRC with CORRUPT_MESSAGE (2), writing nothing', async () => {
    fx.log = await openLog(fx.dir);
    const bad = leaderBatch(0, 3, 1);
    bad[CRC_OFFSET + 3] ^= 0xff;
    const err = await fx.log.appendAsFollower(Buffer.concat([leaderBatch(0, 1, 1), bad])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptRecordError);
    expect(err).toMatchObject({ errorCode: ErrorCode.CORRUPT_MESSAGE, batchIndex: 1 });
    expect(fx.log.logEndOffset).toBe(0);
  });

  it('learns producer state, so a retry sent to it once it leads is answered as a duplicate', async () => {
    fx.log = await openLog(fx.dir);
    await fx.log.appendAsFollower(leaderBatch(0, 2, 1));
    await fx.log.appendAsFollower(leaderBatch(2, 3, 1, { producerId: PID, baseSequence: 0 }));
    expect(fx.log.producerState.entry(PID)?.batches.at(-1)).toMatchObject({ firstSeq: 0, lastSeq: 2, firstOffset: 2, lastOffset: 4 });
    // Now leader: the producer retries the batch it never got an answer for.
    const retry = await fx.log.append(idempotentBatch(3, { producerId: PID, baseSequence: 0 }), { leaderEpoch: 2 });
    expect(retry).toMatchObject({ baseOffset: 2, lastOffset: 4 });
    expect(fx.log.logEndOffset).toBe(5);
    const next = await fx.log.append(idempotentBatch(1, { producerId: PID, baseSequence: 3 }), { leaderEpoch: 2 });
    expect(next.baseOffset).toBe(5);
    expect(fx.log.leaderEpochEntries()).toEqual([
      { epoch: 1, startOffset: 0 },
      { epoch: 2, startOffset: 5 },
    ]);
  });
});

describe('PartitionLog high watermark', () => {
  it('follows the log end offset with a single replica; updateHighWatermark changes nothing then', async () => {
    fx.log = await openLog(fx.dir);
    await fx.log.append(simpleBatch(3, 1_000));
    expect(fx.log.highWatermark).toBe(3);
    expect(fx.log.updateHighWatermark(1)).toBe(false);
    expect(fx.log.highWatermark).toBe(3);
    expect((await fx.log.read(0, 1e6)).highWatermark).toBe(3);
  });

  it('once replicated, bounds consumer reads and ListOffsets by it, while follower reads go to the log end', async () => {
    fx.log = await openLog(fx.dir);
    fx.log.useReplicatedHighWatermark();
    expect(fx.log.highWatermark).toBe(0);
    await fx.log.append(simpleBatch(3, 1_000));
    await fx.log.append(simpleBatch(2, 2_000));
    expect(fx.log.highWatermark).toBe(0);
    expect((await fx.log.read(0, 1e6)).records).toEqual([]);
    expect((await readAll('log-end')).map((b) => b.baseOffset)).toEqual([0, 3]);
    expect(await fx.log.offsetForTimestamp(1_000)).toBeNull();
    // A high watermark inside the second batch: that batch is not readable yet.
    expect(fx.log.updateHighWatermark(4)).toBe(true);
    const read = await fx.log.read(0, 1e6);
    expect(read.highWatermark).toBe(4);
    expect(batchesOf(read.records).map((b) => b.baseOffset)).toEqual([0]);
    expect((await fx.log.read(3, 1e6)).records).toEqual([]);
    // Kafka's rule for ListOffsets: the offset found must be below the high watermark.
    expect(await fx.log.offsetForTimestamp(2_001)).toBeNull();
    expect(await fx.log.offsetForTimestamp(2_000)).toEqual({ offset: 3, timestamp: 2_000 });
    // It only moves up, and never above the log end.
    expect(fx.log.updateHighWatermark(2)).toBe(false);
    expect(fx.log.updateHighWatermark(99)).toBe(true);
    expect(fx.log.highWatermark).toBe(5);
    expect(batchesOf((await fx.log.read(0, 1e6)).records).map((b) => b.baseOffset)).toEqual([0, 3]);
    await expect(fx.log.read(6, 1e6)).rejects.toMatchObject({ errorCode: ErrorCode.OFFSET_OUT_OF_RANGE });
  });

  it('wakes onAppend listeners when it moves', async () => {
    fx.log = await openLog(fx.dir);
    fx.log.useReplicatedHighWatermark();
    await fx.log.append(simpleBatch(3, 1_000));
    let woken = 0;
    fx.log.onAppend(() => woken++);
    fx.log.updateHighWatermark(2);
    expect(woken).toBe(1);
    fx.log.updateHighWatermark(2);
    expect(woken).toBe(1);
  });

  it('starts from the checkpointed value clamped to the log, or logStartOffset', async () => {
    fx.log = await openLog(fx.dir);
    await fx.log.append(simpleBatch(5, 1_000));
    await fx.log.close();
    fx.log = await openLog(fx.dir, {}, { highWatermark: 3 });
    fx.log.useReplicatedHighWatermark();
    expect(fx.log.highWatermark).toBe(3);
    await fx.log.close();
    fx.log = await openLog(fx.dir, {}, { highWatermark: 50 });
    fx.log.useReplicatedHighWatermark();
    expect(fx.log.highWatermark).toBe(5);
    await fx.log.close();
    fx.log = await openLog(fx.dir, {}, { logStartOffset: 2 });
    fx.log.useReplicatedHighWatermark();
    expect(fx.log.highWatermark).toBe(2);
  });

  it('limits retention and the cleaner to segments that end at or below it', async () => {
    fx.log = await openLog(fx.dir, { segmentBytes: 300, cleanupPolicy: 'compact,delete', retentionBytes: 0 });
    fx.log.useReplicatedHighWatermark();
    for (let i = 0; i < 12; i++) await fx.log.appendAsFollower(leaderBatch(i * 2, 2, 1));
    const bases = fx.log.logSegments.map((s) => s.baseOffset);
    expect(bases.length).toBeGreaterThan(3);
    // Inside the third segment: the first two end at or below it.
    fx.log.updateHighWatermark(bases[2]! + 1);
    expect((await cleanableRange(fx.log, 0, 0)).firstUncleanableOffset).toBe(bases[2]);
    // retention.bytes 0 wants every inactive segment gone; only those below the high watermark go.
    await applyRetention(fx.log, 0);
    expect(fx.log.logStartOffset).toBe(bases[2]);
    expect(fx.log.logSegments[0]!.baseOffset).toBe(bases[2]);
  });
});
