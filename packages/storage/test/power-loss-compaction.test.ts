import { buildRecordBatch } from '@sluice/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.js';
import { CLEANED_FILE_SUFFIX } from '../src/cleaner/segment-swap.js';
import { fsyncDir, setDiskIo, type DiskIo } from '../src/io/disk.js';
import type { LogConfig } from '../src/log-config.js';
import { LOG_FILE_SUFFIX, segmentFileStem } from '../src/segment/segment-files.js';
import { cleanerFor, readAllRecords } from './helpers/compacted-log.js';
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
