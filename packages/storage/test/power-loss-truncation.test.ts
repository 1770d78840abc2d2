import { batchPartitionLeaderEpoch, validateRecordBatchAt } from '@sluice/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { setDiskIo, type DiskIo } from '../src/io/disk.js';
import { DEFAULT_LOG_CONFIG } from '../src/log-config.js';
import type { PartitionLog } from '../src/log/partition-log.js';
import { LogManager } from '../src/manager/log-manager.js';
import { leaderBatch } from './helpers/leader-batch-fixture.js';
import { batchesOf } from './helpers/open-log.js';
import { seededRandom } from './helpers/random.js';
import { SIMULATED_DATA_DIR, SimulatedDisk } from './helpers/simulated-disk.js';
import { testLogger } from './helpers/temp-dir.js';

/**
 * A power cut at every disk operation of a follower's truncation (and of the appends and sync
 * that follow it): the log must recover to a valid log whose leader epoch cache matches its
 * batches, and once truncateTo resolved, none of the removed batches may come back.
 */

let restore: DiskIo | null = null;
afterEach(() => {
  if (restore) setDiskIo(restore);
  restore = null;
});

const openManager = (): Promise<LogManager> => LogManager.open({ dataDir: SIMULATED_DATA_DIR, defaults: DEFAULT_LOG_CONFIG, retentionCheckIntervalMs: 0, logger: testLogger });

/** Batches of 2 records at offsets 0, 2, 4, ...: epoch 1 up to offset 19, 2 up to 39, 3 after. */
const OLD_EPOCH = (i: number): number => 1 + Math.floor(i / 10);
const OLD_BATCHES = 30;
const TRUNCATE_TO = 25; // inside the batch at 24..25: the log end becomes 24
const NEW_EPOCH = 9;

/** Builds the follower's log, synced and checkpointed; returns its manager and log. */
async function prepare(): Promise<{ manager: LogManager; log: PartitionLog }> {
  const manager = await openManager();
  // retention.ms -1: the fixture's timestamps are from 1970.
  await manager.createTopic('f', 1, { 'segment.bytes': '400', 'index.interval.bytes': '100', 'retention.ms': '-1' });
  const log = manager.getPartition('f', 0)!;
  for (let i = 0; i < OLD_BATCHES; i++) await log.appendAsFollower(leaderBatch(i * 2, 2, OLD_EPOCH(i)));
  await log.sync();
  await manager.runRetentionOnce();
  return { manager, log };
}

/** The truncation and what a follower does next: fetch from the new leader, sync. */
async function truncateAndRefetch(log: PartitionLog, onTruncated: () => void): Promise<void> {
  await log.truncateTo(TRUNCATE_TO);
  onTruncated();
  for (let offset = 24; offset < 34; offset += 2) await log.appendAsFollower(leaderBatch(offset, 2, NEW_EPOCH));
  await log.sync();
}

describe('power loss during truncateTo', () => {
  it('recovers a valid log with a matching epoch cache at every cut point, and never resurrects what a resolved truncation removed', async () => {
    // Count the operations of an uninterrupted run to know where to cut.
    let disk = new SimulatedDisk({ dirs: [SIMULATED_DATA_DIR], mode: 'strict' });
    restore = setDiskIo(disk);
    let { manager, log } = await prepare();
    const start = disk.stats.operations;
    await truncateAndRefetch(log, () => undefined);
    const operations = disk.stats.operations - start;
    await manager.close();
    expect(operations).toBeGreaterThan(10);

    // Every cut point in strict mode, and in random mode (a random part of the unsynced writes and
    // directory changes survives) under three seeds.
    const runs = [{ mode: 'strict' as const, seed: 0 }, ...[1, 2, 3].map((seed) => ({ mode: 'random' as const, seed }))];
    for (const { mode, seed } of runs) {
      for (let cutAt = 1; cutAt <= operations + 1; cutAt++) {
      disk = new SimulatedDisk({ dirs: [SIMULATED_DATA_DIR], mode, random: seededRandom(seed * 1000 + cutAt).next });
      setDiskIo(disk);
      ({ manager, log } = await prepare());
      let truncated = false;
      disk.armCut(cutAt);
      await truncateAndRefetch(log, () => (truncated = !disk.isCut)).catch(() => undefined);
      disk.cutPower();
      await manager.close().catch(() => undefined);
      await disk.quiesce();
      disk.reboot();

      manager = await openManager();
      const recovered = manager.getPartition('f', 0)!;
      const context = `cut at operation ${cutAt} of ${operations} (${disk.mode})`;
      const batches = recovered.logEndOffset > recovered.logStartOffset ? batchesOf((await recovered.read(recovered.logStartOffset, 1 << 24, { upTo: 'log-end' })).records) : [];
      let next = 0;
      const expectedEpochs: Array<{ epoch: number; startOffset: number }> = [];
      for (const batch of batches) {
        expect(validateRecordBatchAt(batch.bytes).ok, context).toBe(true);
        expect(batch.baseOffset, context).toBeGreaterThanOrEqual(next);
        next = batch.lastOffset + 1;
        const epoch = batchPartitionLeaderEpoch(batch.bytes);
        if (batch.baseOffset < 24) expect(epoch, context).toBe(OLD_EPOCH(batch.baseOffset / 2));
        else if (truncated) expect(epoch, `${context}: a removed batch came back`).toBe(NEW_EPOCH);
        if (epoch > (expectedEpochs.at(-1)?.epoch ?? -1)) expectedEpochs.push({ epoch, startOffset: batch.baseOffset });
      }
      expect(recovered.logEndOffset, context).toBe(next || recovered.logStartOffset);
      expect(recovered.leaderEpochEntries(), context).toEqual(expectedEpochs);
      // The log takes the follower's appends again.
      await recovered.truncateTo(24);
      await recovered.appendAsFollower(leaderBatch(recovered.logEndOffset, 1, NEW_EPOCH));
      await manager.close();
      }
    }
  }, 120_000);
});
