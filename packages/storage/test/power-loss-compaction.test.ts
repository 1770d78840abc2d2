import { buildRecordBatch } from '@sluice/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.js';
import { CLEANED_FILE_SUFFIX } from '../src/cleaner/segment-swap.js';
import { fsyncDir, setDiskIo, type DiskIo } from '../src/io/disk.js';
import type { LogConfig } from '../src/log-config.js';
import { LogSegment } from '../src/segment/log-segment.js';
import { LOG_FILE_SUFFIX, segmentFileStem } from '../src/segment/segment-files.js';
import { cleanerFor, readAllRecords } from './helpers/compacted-log.js';
import { runCompactionPowerLoss, type CompactionPowerLossOptions } from './helpers/compaction-power-loss-workload.js';
import { openLog } from './helpers/open-log.js';
import { seededRandom } from './helpers/random.js';
import { buildBatch } from './helpers/record-batch-fixture.js';
import { SIMULATED_DATA_DIR, SimulatedDisk, type CutMode } from './helpers/simulated-disk.js';

/**
 * Power loss during log compaction, simulated (helpers/simulated-disk.ts): the randomized runs
 * cut the power before, during and after the cleaner's segment swaps (cleaner/segment-swap.ts) of
 * a compacted topic under acks=-1 use, and after each reboot every key must still read as its
 * latest acknowledged value (or a later one), from records appended at their offsets
 * (helpers/compaction-power-loss-workload.ts); the directed tests each pin a defect a run found.
 */

let restore: DiskIo | null = null;
const originalSyncLog = LogSegment.prototype.syncLog;
afterEach(() => {
  if (restore) setDiskIo(restore);
  restore = null;
  LogSegment.prototype.syncLog = originalSyncLog;
});

function useSimulatedDisk(seed: number, mode: CutMode): SimulatedDisk {
  const disk = new SimulatedDisk({ dirs: [SIMULATED_DATA_DIR], mode, random: seededRandom(seed ^ 0x5eed).next });
  restore = setDiskIo(disk);
  return disk;
}

describe('power loss during log compaction: directed cases', () => {
  it('keeps an acknowledged value that a later, not yet fsynced record of its key superseded when the cut comes between two swaps of one cleaning', async () => {
    const disk = useSimulatedDisk(5, 'strict');
    const clock = new ManualClock(1_000_000);
    const dir = `${SIMULATED_DATA_DIR}/t-0`;
    const config: Partial<LogConfig> = { cleanupPolicy: 'compact', segmentBytes: 1_000, fileDeleteDelayMs: 0, minCleanableDirtyRatio: 0 };
    let log = await openLog(dir, config, { clock });
    await fsyncDir(SIMULATED_DATA_DIR);
    const record = (key: string, value: string): Promise<Buffer> => buildRecordBatch({ records: [{ key: Buffer.from(key), value: Buffer.from(value), timestamp: 1_000 }] });
    // Segment 0: k=v1 and a filler, acknowledged (synced). Segment 2 (too big to share a cleaned
    // group with segment 0): k=v2 and a filler; one more record rolls it. None of these fsynced,
    // as acks=1 appends, or acks=-1 ones still waiting for their group commit, are.
    await log.sync((await log.append(await record('k', 'v1'))).lastOffset);
    await log.sync((await log.append(await record('f', 'x'.repeat(800)))).lastOffset);
    await log.append(await record('k', 'v2'));
    await log.append(await record('f', 'y'.repeat(800)));
    await log.append(await record('g', 'z'));
    expect(log.logSegments.map((s) => s.baseOffset)).toEqual([0, 2, 4]);
    // The cleaning swaps segment 0 (k=v1 dropped: k=v2 supersedes it) and the power goes as it
    // starts writing segment 2's cleaned copy.
    disk.onOperation = (operation, target) => {
      if (operation === 'open' && target.endsWith(segmentFileStem(2) + LOG_FILE_SUFFIX + CLEANED_FILE_SUFFIX)) disk.cutPower();
    };
    const cleaner = await cleanerFor(() => log, SIMULATED_DATA_DIR, clock);
    await expect(cleaner.cleanLog(log)).rejects.toThrow();
    disk.onOperation = null;
    await log.close().catch(() => undefined);
    await disk.quiesce();
    disk.reboot();
    log = await openLog(dir, config, { clock });
    const values = (await readAllRecords(log)).filter((r) => r.key === 'k').map((r) => r.value);
    expect(values.at(-1)).toMatch(/^v[12]$/);
    await log.close();
  });

  it("logs a failed deferred unlink of the segments a swap replaced, rather than leaving its rejection unhandled", async () => {
    const disk = useSimulatedDisk(6, 'strict');
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const clock = new ManualClock(1_000_000);
      const log = await openLog(`${SIMULATED_DATA_DIR}/t-0`, { cleanupPolicy: 'compact', segmentBytes: 600, fileDeleteDelayMs: 0, minCleanableDirtyRatio: 0 }, { clock });
      for (let i = 0; i < 12; i++) await log.append(buildBatch([{ timestampMs: 1_000, key: Buffer.from(`k${i % 2}`), value: Buffer.alloc(100, i) }]));
      expect(log.logSegments.length).toBeGreaterThan(2);
      // The unlinks of the replaced segments run after file.delete.delay.ms, on a disk that fails
      // every operation from the moment the first of them starts.
      disk.onOperation = (operation, target) => {
        if (operation === 'unlink' && target.endsWith('.deleted')) disk.cutPower();
      };
      const cleaner = await cleanerFor(() => log, SIMULATED_DATA_DIR, clock);
      await cleaner.cleanLog(log).catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(disk.isCut).toBe(true);
      await log.close().catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(unhandled).toEqual([]);
    } finally {
      disk.onOperation = null;
      process.off('unhandledRejection', onUnhandled);
    }
  });
});

const RUN: Omit<CompactionPowerLossOptions, 'seed' | 'mode'> = { cuts: 30, keys: 8, maxAppendsPerLife: 300, timeBudgetMs: 20_000 };

describe('power loss during log compaction under acks=-1', () => {
  it.each([1, 2, 3])('keeps every key at its latest acknowledged value across cuts before, during and after segment swaps (seed %i)', async (seed) => {
    const disk = useSimulatedDisk(seed, 'random');
    const report = await runCompactionPowerLoss(disk, { ...RUN, seed, mode: 'random' });
    expect(report.violations).toEqual([]);
    // The run exercised what it claims to: cleanings that swapped and removed records, tombstones
    // deleted, cuts inside cleanings, idempotent retries.
    expect(report.cuts).toBeGreaterThanOrEqual(10);
    expect(report.acknowledgedTombstones).toBeGreaterThan(10);
    expect(report.swaps).toBeGreaterThan(5);
    expect(report.recordsRemoved).toBeGreaterThan(report.acknowledgedRecords / 4);
    expect(report.deletedKeysSeen).toBeGreaterThan(0);
    expect(Object.keys(report.cutsDuringCleaning).length).toBeGreaterThanOrEqual(3);
    expect(report.idempotentRetries).toBeGreaterThan(0);
  });

  it('keeps every key at its latest acknowledged value when a cut keeps nothing unsynced', async () => {
    const disk = useSimulatedDisk(7, 'strict');
    const report = await runCompactionPowerLoss(disk, { ...RUN, seed: 7, mode: 'strict' });
    expect(report.violations).toEqual([]);
    expect(report.swaps).toBeGreaterThan(5);
  });
});

describe('the compaction power-loss method sees a broken swap', () => {
  it("finds acknowledged values lost when the cleaned segment's .log is not fdatasynced before the swap", async () => {
    const disk = useSimulatedDisk(11, 'strict');
    // The deliberately broken swap: the cleaner's fdatasync of `<base>.log.cleaned` does nothing.
    LogSegment.prototype.syncLog = function (this: LogSegment): Promise<void> {
      return this.filePath.endsWith(CLEANED_FILE_SUFFIX) ? Promise.resolve() : originalSyncLog.call(this);
    };
    const report = await runCompactionPowerLoss(disk, { ...RUN, cuts: 12, seed: 11, mode: 'strict' });
    expect(report.violations.some((v) => v.includes('lost') || v.includes('older than the acknowledged'))).toBe(true);
  });
});
