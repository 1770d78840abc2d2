import { afterEach, describe, expect, it } from 'vitest';
import { setDiskIo, type DiskIo } from '../src/io/disk.js';
import { DEFAULT_LOG_CONFIG } from '../src/log-config.js';
import { LogManager } from '../src/manager/log-manager.js';
import { batchesOf } from './helpers/open-log.js';
import { seededRandom } from './helpers/random.js';
import { simpleBatch } from './helpers/record-batch-fixture.js';
import { SIMULATED_DATA_DIR, SimulatedDisk, type CutMode } from './helpers/simulated-disk.js';
import { testLogger } from './helpers/temp-dir.js';

/**
 * Power loss, simulated: kill -9 keeps the page cache, so only a disk model that drops what was
 * not fsynced (helpers/simulated-disk.ts) tests that an acknowledged record survives a power cut.
 * Each test pins a way an acknowledged record or its index could be lost at a cut.
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
  disk.reboot();
}

describe('power loss under acks=-1', () => {
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
});
