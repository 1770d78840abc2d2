import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_LOG_CONFIG } from '../../src/log-config.js';
import { checkpointKey, readOffsetCheckpoint } from '../../src/manager/checkpoint-file.js';
import { LogManager, RECOVERY_POINT_CHECKPOINT_FILE, REPLICATION_OFFSET_CHECKPOINT_FILE } from '../../src/manager/log-manager.js';
import { leaderBatch } from '../helpers/leader-batch-fixture.js';
import { makeTempDir, removeTempDir, testLogger } from '../helpers/temp-dir.js';

let dir: string;
let manager: LogManager | undefined;
const open = (): Promise<LogManager> => LogManager.open({ dataDir: dir, defaults: DEFAULT_LOG_CONFIG, retentionCheckIntervalMs: 0, logger: testLogger });
beforeEach(async () => (dir = await makeTempDir()));
afterEach(async () => {
  await manager?.close();
  manager = undefined;
  await removeTempDir(dir);
});

describe('LogManager checkpoints for replication', () => {
  it('writes the high watermark to replication-offset-checkpoint and hands it back at open', async () => {
    manager = await open();
    await manager.createTopic('r', 2);
    const log = manager.getPartition('r', 1)!;
    log.useReplicatedHighWatermark();
    await log.appendAsFollower(Buffer.concat([leaderBatch(0, 5, 1), leaderBatch(5, 5, 1)]));
    log.updateHighWatermark(7);
    await manager.runRetentionOnce();
    const written = await readOffsetCheckpoint(path.join(dir, REPLICATION_OFFSET_CHECKPOINT_FILE));
    expect(written.get(checkpointKey('r', 1))).toBe(7);
    // The single-replica partition reports its log end.
    expect(written.get(checkpointKey('r', 0))).toBe(0);
    await manager.close();
    manager = await open();
    const reopened = manager.getPartition('r', 1)!;
    expect(reopened.highWatermark).toBe(10);
    reopened.useReplicatedHighWatermark();
    expect(reopened.highWatermark).toBe(7);
  });

  it('writes the lowered recovery point when a partition is truncated', async () => {
    manager = await open();
    await manager.createTopic('r', 1);
    const log = manager.getPartition('r', 0)!;
    await log.appendAsFollower(Buffer.concat([leaderBatch(0, 5, 1), leaderBatch(5, 5, 2)]));
    await log.sync();
    await manager.runRetentionOnce();
    const file = path.join(dir, RECOVERY_POINT_CHECKPOINT_FILE);
    expect((await readOffsetCheckpoint(file)).get(checkpointKey('r', 0))).toBe(10);
    await log.truncateTo(5);
    expect((await readOffsetCheckpoint(file)).get(checkpointKey('r', 0))).toBe(5);
  });
});
