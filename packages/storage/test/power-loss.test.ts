import { ErrorCode } from '@sluice/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { closeFile, fdatasync, fsyncDir, openFile, setDiskIo, truncateFd, type DiskIo } from '../src/io/disk.js';
import { DEFAULT_LOG_CONFIG } from '../src/log-config.js';
import { LogManager } from '../src/manager/log-manager.js';
import { TIME_INDEX_ENTRY_SIZE } from '../src/segment/time-index.js';
import { batchesOf, openLog } from './helpers/open-log.js';
import { runPowerLoss, type PowerLossOptions } from './helpers/power-loss-workload.js';
import { idempotentBatch } from './helpers/idempotent-batch-fixture.js';
import { seededRandom } from './helpers/random.js';
import { simpleBatch } from './helpers/record-batch-fixture.js';
import { SIMULATED_DATA_DIR, SimulatedDisk, type CutMode } from './helpers/simulated-disk.js';
import { testLogger } from './helpers/temp-dir.js';

/**
 * Power loss, simulated: kill -9 keeps the page cache, so only a disk model that drops what was
 * not fsynced (helpers/simulated-disk.ts) tests that an acknowledged record survives a power cut.
 * The randomized runs cut the power many times under acks=-1 use, across segment rolls,
 * retention deletions and checkpoint writes (helpers/power-loss-workload.ts); the directed tests
 * each pin a defect such a run found.
 */

let restore: DiskIo | null = null;
afterEach(() => {
  if (restore) setDiskIo(restore);
  restore = null;
});

/** A SimulatedDisk holding an empty, durable {@link SIMULATED_DATA_DIR}, selected for io/disk.ts until the test ends. */
function useSimulatedDisk(seed: number, mode: CutMode): SimulatedDisk {
  const disk = new SimulatedDisk({ dirs: [SIMULATED_DATA_DIR], mode, random: seededRandom(seed ^ 0x5eed).next });
  restore = setDiskIo(disk);
  return disk;
}

const openManager = (): Promise<LogManager> =>
  LogManager.open({ dataDir: SIMULATED_DATA_DIR, defaults: DEFAULT_LOG_CONFIG, retentionCheckIntervalMs: 0, logger: testLogger });

/** Cuts the power, lets the pre-cut manager fail out on EIO, powers back on. */
async function cutAndReboot(disk: SimulatedDisk, manager: LogManager): Promise<void> {
  disk.cutPower();
  await manager.close().catch(() => undefined);
  await disk.quiesce();
  disk.reboot();
}

describe('power loss under acks=-1', () => {
  it('never keeps a producer snapshot whose batches the cut lost: an unsynced batch retried after the reboot is written again, not answered as a duplicate', async () => {
    const disk = useSimulatedDisk(3, 'strict');
    const dir = `${SIMULATED_DATA_DIR}/t-0`;
    const config = { segmentBytes: 400 };
    const log = await openLog(dir, config);
    await fsyncDir(SIMULATED_DATA_DIR);
    const producer = { producerId: 77 };
    const first = await log.append(idempotentBatch(2, { ...producer, baseSequence: 0 }));
    await log.sync(first.lastOffset);
    // acks=1 appends (never synced) until the segment rolls: the roll snapshots their producer state.
    const appended: Array<{ baseSequence: number; baseOffset: number }> = [];
    for (let sequence = 2; log.logSegments.length < 2; sequence += 2) {
      appended.push({ baseSequence: sequence, baseOffset: (await log.append(idempotentBatch(2, { ...producer, baseSequence: sequence }))).baseOffset });
    }
    await log.producerSnapshotsSettled();
    // The last batch of the rolled segment: in the snapshot taken at the roll, never synced.
    const rolledAt = log.logSegments[1]!.baseOffset;
    const lastSequence = appended.filter((a) => a.baseOffset < rolledAt).at(-1)!.baseSequence;
    disk.cutPower();
    await log.close().catch(() => undefined);
    await disk.quiesce();
    disk.reboot();
    const reopened = await openLog(dir, config);
    const end = reopened.logEndOffset;
    // Whatever survived, a retry of the last unsynced batch must land in the log, once.
    const retried = await reopened.append(idempotentBatch(2, { ...producer, baseSequence: lastSequence })).catch((err: unknown) => err);
    if (retried instanceof Error) {
      // The cut lost earlier batches too: the producer state must then not claim them either.
      expect(retried).toMatchObject({ errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER });
    } else {
      const info = retried as { baseOffset: number };
      const read = batchesOf((await reopened.read(info.baseOffset, 1 << 20)).records);
      expect(read[0]?.baseOffset).toBe(info.baseOffset);
      if (info.baseOffset < end) expect(read[0]?.lastOffset).toBe(info.baseOffset + 1);
      else expect(reopened.logEndOffset).toBe(end + 2);
    }
    await reopened.close();
  });

  it("keeps a new topic's first acknowledged records, before any segment roll", async () => {
    const disk = useSimulatedDisk(1, 'strict');
    let manager = await openManager();
    await manager.createTopic('fresh', 1);
    const log = manager.getPartition('fresh', 0)!;
    const batch = simpleBatch(3, 1_000);
    const info = await log.append(batch);
    await log.sync(info.lastOffset);
    await cutAndReboot(disk, manager);
    manager = await openManager();
    const read = await manager.getPartition('fresh', 0)!.read(0, 1 << 20);
    expect(batchesOf(read.records).map((b) => b.bytes)).toEqual([batch]);
    await manager.close();
  });

  it('keeps the indexes recovery rebuilt for segments below the recovery point it reports', async () => {
    const disk = useSimulatedDisk(1, 'strict');
    const dir = `${SIMULATED_DATA_DIR}/t-0`;
    const config = { segmentBytes: 1500, indexIntervalBytes: 100 };
    let log = await openLog(dir, config);
    // The partition directory's own name is durable (LogManager's topic registry write does this).
    await fsyncDir(SIMULATED_DATA_DIR);
    // Batch i holds offsets 2i and 2i+1 with timestamps 10_000 + 10i and one more.
    for (let i = 0; i < 30; i++) {
      const info = await log.append(simpleBatch(2, 10_000 + i * 10, 100));
      await log.sync(info.lastOffset);
    }
    await log.close();
    expect(log.logSegments.length).toBeGreaterThanOrEqual(3);
    const [, second, third] = log.logSegments;
    expect(second!.timeIndex.entries).toBeGreaterThanOrEqual(2);
    // A time index an earlier cut left with only its first entry: still sane, but stale. Recovery
    // from offset 0 must rebuild it, durably, since the recovery point it reports passes it.
    const timeIndexPath = second!.timeIndex.filePath;
    const fd = await openFile(timeIndexPath, 'r+');
    await truncateFd(fd, timeIndexPath, TIME_INDEX_ENTRY_SIZE);
    await fdatasync(fd, timeIndexPath);
    await closeFile(fd, timeIndexPath);
    log = await openLog(dir, config, { recoveryPoint: 0 });
    const recoveryPoint = log.recoveryPoint;
    const lastBatchOfSecond = third!.baseOffset / 2 - 1;
    const target = 10_000 + lastBatchOfSecond * 10 + 1;
    const expected = { offset: lastBatchOfSecond * 2 + 1, timestamp: target };
    await expect(log.offsetForTimestamp(target)).resolves.toEqual(expected);
    disk.cutPower();
    await log.close().catch(() => undefined);
    await disk.quiesce();
    disk.reboot();
    // Opened with the recovery point a checkpoint written after recovery would hold.
    log = await openLog(dir, config, { recoveryPoint });
    await expect(log.offsetForTimestamp(target)).resolves.toEqual(expected);
    await log.close();
  });

  it('re-validates a segment that rolled right at the recovery point, whose indexes a group commit during the roll did not sync', async () => {
    const disk = useSimulatedDisk(1, 'strict');
    const dir = `${SIMULATED_DATA_DIR}/t-0`;
    const config = { segmentBytes: 1500, indexIntervalBytes: 100 };
    let log = await openLog(dir, config);
    await fsyncDir(SIMULATED_DATA_DIR);
    // Batch i holds offsets 2i and 2i+1 with timestamps 10_000 + 10i and one more.
    let i = 0;
    const append = (): Promise<{ lastOffset: number }> => log.append(simpleBatch(2, 10_000 + 10 * i++, 100));
    const batchBytes = simpleBatch(2, 0, 100).length;
    do await log.sync((await append()).lastOffset);
    while (log.logSegments[0]!.size + 2 * batchBytes <= config.segmentBytes);
    // One more batch, written but not yet synced; the batch after it rolls the segment, and a
    // producer's sync for the first starts a group commit while the roll creates the new files.
    const { lastOffset } = await append();
    let syncDuringRoll: Promise<void> | null = null;
    disk.onOperation = (operation, target) => {
      if (operation === 'open' && target.endsWith('.log') && syncDuringRoll === null) syncDuringRoll = log.sync(lastOffset);
    };
    await append();
    disk.onOperation = null;
    expect(syncDuringRoll).not.toBeNull();
    await syncDuringRoll;
    expect(log.logSegments.length).toBe(2);
    const recoveryPoint = log.recoveryPoint;
    // The new segment's name became durable too (a journal commit may do this without an fsync).
    await fsyncDir(dir);
    // The last record of the first segment: only its final time index entry has this timestamp.
    const target = 10_000 + 10 * (log.logSegments[1]!.baseOffset / 2 - 1) + 1;
    const expected = await log.offsetForTimestamp(target);
    expect(expected).not.toBeNull();
    disk.cutPower();
    await log.close().catch(() => undefined);
    await disk.quiesce();
    disk.reboot();
    log = await openLog(dir, config, { recoveryPoint });
    // Below the recovery point the segment is trusted: its time index gives retention.ms its age.
    await expect(log.logSegments[0]!.largestTimestamp()).resolves.toBe(target);
    await expect(log.offsetForTimestamp(target)).resolves.toEqual(expected);
    await log.close();
  });

  it('answers ListOffsets by timestamp at or above logStartOffset when segments below it came back at a cut', async () => {
    useSimulatedDisk(1, 'strict');
    const dir = `${SIMULATED_DATA_DIR}/t-0`;
    const config = { segmentBytes: 1500 };
    let log = await openLog(dir, config);
    for (let i = 0; i < 20; i++) await log.append(simpleBatch(2, 10_000 + i * 10, 100));
    await log.close();
    const second = log.logSegments[1]!.baseOffset;
    // The log-start-offset checkpoint was durable, the renames of retention's deletions were not.
    log = await openLog(dir, config, { logStartOffset: second });
    expect(log.logStartOffset).toBe(second);
    expect(log.logSegments[0]!.baseOffset).toBe(0);
    await expect(log.offsetForTimestamp(0)).resolves.toEqual({ offset: second, timestamp: 10_000 + (second / 2) * 10 });
    await log.close();
  });

  it('logs a deferred unlink of a deleted segment that fails, rather than leaving its rejection unhandled', async () => {
    const disk = useSimulatedDisk(3, 'strict');
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const log = await openLog(`${SIMULATED_DATA_DIR}/t-0`, { segmentBytes: 600, fileDeleteDelayMs: 0 });
      for (let i = 0; i < 10; i++) await log.append(simpleBatch(2, 1_000 + i, 100));
      expect(log.logSegments.length).toBeGreaterThan(2);
      await log.deleteOldestSegments([log.logSegments[0]!]);
      // The unlink runs after file.delete.delay.ms, on a disk that now fails every operation.
      disk.cutPower();
      await new Promise((resolve) => setTimeout(resolve, 20));
      await log.close().catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});

const RUN: Omit<PowerLossOptions, 'seed' | 'mode' | 'syncBeforeAck'> = { cuts: 25, partitions: 2, maxAppendsPerLife: 400, timeBudgetMs: 20_000 };

describe('power loss at random points under acks=-1', () => {
  it.each([1, 2, 3, 4])('keeps every acknowledged record, index and checkpoint across random cuts (seed %i)', async (seed) => {
    const disk = useSimulatedDisk(seed, 'random');
    const report = await runPowerLoss(disk, { ...RUN, seed, mode: 'random', syncBeforeAck: true });
    expect(report.violations).toEqual([]);
    // The run exercised what it claims to: acknowledged records, rolls, retention, checkpoints.
    expect(report.cuts).toBeGreaterThanOrEqual(5);
    expect(report.acknowledgedRecords).toBeGreaterThan(100);
    expect(report.segmentsRolled).toBeGreaterThan(0);
    expect(report.segmentsDeletedByRetention).toBeGreaterThan(0);
    expect(report.retentionRuns).toBeGreaterThan(0);
    // Idempotent producers' state (snapshots at rolls and shutdown, replay after a cut) was checked too.
    expect(report.idempotentRetries).toBeGreaterThan(0);
  });

  it('keeps every acknowledged record when a cut keeps nothing unsynced', async () => {
    const disk = useSimulatedDisk(7, 'strict');
    const report = await runPowerLoss(disk, { ...RUN, seed: 7, mode: 'strict', syncBeforeAck: true });
    expect(report.violations).toEqual([]);
    expect(report.acknowledgedRecords).toBeGreaterThan(100);
  });
});

describe('the power-loss method sees the difference', () => {
  it('finds acknowledged records lost when they are acknowledged before an fsync (log.fsync.policy=never)', async () => {
    const disk = useSimulatedDisk(11, 'strict');
    const report = await runPowerLoss(disk, { ...RUN, cuts: 5, seed: 11, mode: 'strict', syncBeforeAck: false });
    expect(report.lostAcknowledgedRecords).toBeGreaterThan(0);
    expect(report.violations.some((v) => v.includes('acknowledged batch'))).toBe(true);
  });

  it('finds a synced record lost when the disk ignores flushes', async () => {
    const disk = useSimulatedDisk(12, 'strict');
    let manager = await openManager();
    await manager.createTopic('fresh', 1);
    disk.ignoreSyncs = true;
    const log = manager.getPartition('fresh', 0)!;
    const info = await log.append(simpleBatch(3, 1_000));
    await log.sync(info.lastOffset);
    await cutAndReboot(disk, manager);
    manager = await openManager();
    expect(manager.getPartition('fresh', 0)!.logEndOffset).toBe(0);
    await manager.close();
  });
});
