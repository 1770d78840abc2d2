import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.js';
import { setDiskIo, type DiskIo } from '../src/io/disk.js';
import { cleanerFor } from './helpers/compacted-log.js';
import { openLog } from './helpers/open-log.js';
import { seededRandom } from './helpers/random.js';
import { buildBatch } from './helpers/record-batch-fixture.js';
import { SIMULATED_DATA_DIR, SimulatedDisk, type CutMode } from './helpers/simulated-disk.js';

/**
 * Power loss around the log cleaner's segment swaps (cleaner/segment-swap.ts), simulated
 * (helpers/simulated-disk.ts): directed cases, each pinning a defect a power-loss run found.
 */

let restore: DiskIo | null = null;
afterEach(() => {
  if (restore) setDiskIo(restore);
  restore = null;
});

function useSimulatedDisk(seed: number, mode: CutMode): SimulatedDisk {
  const disk = new SimulatedDisk({ dirs: [SIMULATED_DATA_DIR], mode, random: seededRandom(seed ^ 0x5eed).next });
  restore = setDiskIo(disk);
  return disk;
}

describe('power loss during log compaction: directed cases', () => {
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
