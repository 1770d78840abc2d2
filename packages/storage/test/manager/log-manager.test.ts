import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_LOG_CONFIG } from '../../src/log-config.js';
import { diskStats, injectDiskFault } from '../../src/io/disk.js';
import { CLEAN_SHUTDOWN_FILE, LogManager, TOPIC_METADATA_FILE } from '../../src/manager/log-manager.js';
import { validateTopicName } from '../../src/manager/topic-name.js';
import { encodeProducerSnapshot, writeProducerSnapshot } from '../../src/producer/producer-snapshot-file.js';
import { simpleBatch } from '../helpers/record-batch-fixture.js';
import { batchesOf } from '../helpers/open-log.js';
import { makeTempDir, removeTempDir, testLogger } from '../helpers/temp-dir.js';

let dir: string;
let manager: LogManager | undefined;
const open = () => LogManager.open({ dataDir: dir, defaults: DEFAULT_LOG_CONFIG, retentionCheckIntervalMs: 0, logger: testLogger });
beforeEach(async () => (dir = await makeTempDir()));
afterEach(async () => {
  await manager?.close();
  manager = undefined;
  await removeTempDir(dir);
});

describe('topic names', () => {
  it("follow Kafka's rules", () => {
    for (const ok of ['a', 'orders.v1', 'A_b-9', 'x'.repeat(249)]) expect(validateTopicName(ok)).toBeNull();
    for (const bad of ['', '.', '..', 'a b', 'ü', 'a/b', 'x'.repeat(250)]) expect(validateTopicName(bad)).toEqual(expect.any(String));
  });
});

describe('LogManager', () => {
  it('creates topics and refuses bad ones with Kafka error codes', async () => {
    manager = await open();
    const info = await manager.createTopic('orders', 3, { 'retention.ms': '1000' });
    expect(info).toMatchObject({ name: 'orders', partitions: 3, configOverrides: { 'retention.ms': '1000' } });
    expect(info.config.retentionMs).toBe(1000);
    expect(manager.getPartition('orders', 2)).toBeDefined();
    expect(manager.getPartition('orders', 3)).toBeUndefined();
    await expect(manager.createTopic('orders', 1)).rejects.toMatchObject({ errorCode: 36 });
    await expect(manager.createTopic('bad name', 1)).rejects.toMatchObject({ errorCode: 17 });
    await expect(manager.createTopic('..', 1)).rejects.toMatchObject({ errorCode: 17 });
    await expect(manager.createTopic('or_ders', 1)).resolves.toBeDefined();
    await expect(manager.createTopic('or.ders', 1)).rejects.toMatchObject({ errorCode: 17 });
    await expect(manager.createTopic('zero', 0)).rejects.toMatchObject({ errorCode: 37 });
    await expect(manager.createTopic('many', 10_001)).rejects.toMatchObject({ errorCode: 37 });
    await expect(manager.createTopic('cfg', 1, { 'cleanup.policy': 'archive' })).rejects.toMatchObject({ errorCode: 40, key: 'cleanup.policy' });
    await expect(manager.createTopic('cfg', 1, { 'no.such.key': '1' })).rejects.toMatchObject({ errorCode: 40 });
    expect([...manager.topics().keys()].sort()).toEqual(['or_ders', 'orders']);
    await expect(Promise.all([manager.createTopic('race', 1), manager.createTopic('race', 1)])).rejects.toMatchObject({ errorCode: 36 });
  });

  it('keeps topics, configs and records across a clean restart, even topics with no records', async () => {
    manager = await open();
    await manager.createTopic('empty', 2, { 'segment.bytes': '1000' });
    await manager.createTopic('full', 1, { 'segment.bytes': '1000' });
    const log = manager.getPartition('full', 0)!;
    for (let i = 0; i < 30; i++) await log.append(simpleBatch(2, i, 40));
    const end = log.logEndOffset;
    await manager.close();
    expect(await fs.readdir(dir)).toContain(CLEAN_SHUTDOWN_FILE);
    manager = await open();
    expect(await fs.readdir(dir)).not.toContain(CLEAN_SHUTDOWN_FILE);
    expect(manager.topics().get('empty')).toMatchObject({ partitions: 2, configOverrides: { 'segment.bytes': '1000' } });
    expect(manager.topics().get('empty')!.config.segmentBytes).toBe(1000);
    const reopened = manager.getPartition('full', 0)!;
    expect(reopened.logEndOffset).toBe(end);
    expect(reopened.logSegments.slice(0, -1).every((s) => s.knownMaxTimestamp() === null)).toBe(true);
    expect(batchesOf((await reopened.read(0, 1e7)).records)).toHaveLength(30);
  });

  it('recovers synced records after a crash (no clean-shutdown marker)', async () => {
    manager = await open();
    await manager.createTopic('c', 1);
    const log = manager.getPartition('c', 0)!;
    for (let i = 0; i < 10; i++) await log.append(simpleBatch(3, i));
    await log.sync();
    // Crash: a second manager opens the directory while the first never shut down.
    const crashed = manager;
    manager = await open();
    expect(manager.getPartition('c', 0)!.logEndOffset).toBe(30);
    await crashed.close();
  });

  it('leaves nothing behind when creating a topic fails part-way through its partitions', async () => {
    manager = await open();
    // A file where partition 23's directory goes: its mkdir fails after other partitions were made.
    await fs.writeFile(path.join(dir, 'half-23'), 'in the way');
    await expect(manager.createTopic('half', 40)).rejects.toMatchObject({ errorCode: 56 });
    expect((await fs.readdir(dir)).filter((n) => n.startsWith('half-'))).toEqual([]);
    expect(manager.topics().has('half')).toBe(false);
    expect(manager.getPartition('half', 0)).toBeUndefined();
    // The name is free again, and a restart does not find the topic either.
    await manager.createTopic('half', 2);
    await manager.close();
    manager = await open();
    expect(manager.topics().get('half')?.partitions).toBe(2);
  });

  it('leaves nothing behind when the topic registry cannot be written', async () => {
    manager = await open();
    await manager.createTopic('kept', 1);
    // The registry's temp file cannot be created: every partition opened, then the persist fails.
    await fs.mkdir(path.join(dir, `${TOPIC_METADATA_FILE}.tmp`));
    await expect(manager.createTopic('lost', 8)).rejects.toMatchObject({ errorCode: 56 });
    expect((await fs.readdir(dir)).filter((n) => n.startsWith('lost-'))).toEqual([]);
    expect([...manager.topics().keys()]).toEqual(['kept']);
    await fs.rmdir(path.join(dir, `${TOPIC_METADATA_FILE}.tmp`));
    await manager.close();
    manager = await open();
    expect([...manager.topics().keys()]).toEqual(['kept']);
  });

  it('deletes topics and their files, for good', async () => {
    manager = await open();
    await manager.createTopic('gone', 2);
    await manager.getPartition('gone', 0)!.append(simpleBatch(1, 0));
    await manager.deleteTopic('gone');
    expect(manager.getPartition('gone', 0)).toBeUndefined();
    expect((await fs.readdir(dir)).filter((n) => n.startsWith('gone'))).toEqual([]);
    await expect(manager.deleteTopic('gone')).rejects.toMatchObject({ errorCode: 3 });
    await manager.close();
    manager = await open();
    expect(manager.topics().has('gone')).toBe(false);
    await manager.createTopic('gone', 1);
    expect(manager.getPartition('gone', 0)!.logEndOffset).toBe(0);
  });

  it('opens 10 GiB in 101 segments after a clean shutdown without reading them', async () => {
    manager = await open();
    await manager.createTopic('big', 1);
    await manager.close();
    manager = undefined;
    const partitionDir = path.join(dir, 'big-0');
    // Replace the partition with 100 sparse 105 MiB segments and a small active one.
    await fs.rm(partitionDir, { recursive: true });
    await fs.mkdir(partitionDir);
    for (let i = 0; i < 100; i++) {
      const stem = String(i * 1_000_000).padStart(20, '0');
      await fs.writeFile(path.join(partitionDir, `${stem}.log`), '');
      await fs.truncate(path.join(partitionDir, `${stem}.log`), 105 * 1024 * 1024);
      await fs.writeFile(path.join(partitionDir, `${stem}.index`), '');
      await fs.writeFile(path.join(partitionDir, `${stem}.timeindex`), '');
    }
    const activeStem = String(100_000_000).padStart(20, '0');
    const batch = simpleBatch(1, 0);
    batch.writeBigInt64BE(100_000_000n, 0);
    await fs.writeFile(path.join(partitionDir, `${activeStem}.log`), batch);
    await fs.writeFile(path.join(dir, 'recovery-point-offset-checkpoint'), '0\n1\nbig 0 100000001\n');
    // What a clean shutdown leaves besides the segments: the leader epoch checkpoint and a producer
    // state snapshot taken at the last roll (without them the broker rebuilds both from the log).
    await fs.writeFile(path.join(partitionDir, 'leader-epoch-checkpoint'), '0\n0\n');
    await writeProducerSnapshot(partitionDir, 100_000_000, encodeProducerSnapshot([]));
    const bytesBefore = diskStats.readBytes;
    manager = await open();
    const readBytes = diskStats.readBytes - bytesBefore;
    const log = manager.getPartition('big', 0)!;
    expect(log.logSegments).toHaveLength(101);
    expect(log.sizeInBytes).toBeGreaterThan(10 * 1024 ** 3);
    expect(log.logEndOffset).toBe(100_000_001);
    // Counted, not timed: the checkpoints, the snapshot and the active segment's batch, nothing of the 10 GiB.
    expect(readBytes, 'bytes read while opening 101 segments').toBeLessThan(64 * 1024);
  });
});

describe('LogManager admin changes (issue 25): all or nothing when the registry write fails', () => {
  const failRegistryWrites = () => injectDiskFault((_op, filePath) => (path.basename(filePath).startsWith(TOPIC_METADATA_FILE) ? { errno: 'EIO' } : null));
  afterEach(() => injectDiskFault(null));

  it('alterTopicConfigs applies to every partition and persists; a failed write changes nothing', async () => {
    manager = await open();
    await manager.createTopic('cfg', 2, { 'retention.ms': '1000' });
    await manager.alterTopicConfigs('cfg', { 'segment.ms': '5000' });
    expect(manager.topics().get('cfg')!.configOverrides).toEqual({ 'segment.ms': '5000' });
    for (const p of [0, 1]) expect(manager.getPartition('cfg', p)!.logConfig).toMatchObject({ segmentMs: 5000, retentionMs: DEFAULT_LOG_CONFIG.retentionMs });
    await expect(manager.alterTopicConfigs('cfg', { 'retention.ms': 'x' })).rejects.toMatchObject({ errorCode: 40 });
    await expect(manager.alterTopicConfigs('nope', {})).rejects.toMatchObject({ errorCode: 3 });
    failRegistryWrites();
    await expect(manager.alterTopicConfigs('cfg', { 'segment.ms': '7000' })).rejects.toMatchObject({ errorCode: 56 });
    injectDiskFault(null);
    expect(manager.topics().get('cfg')!.configOverrides).toEqual({ 'segment.ms': '5000' });
    expect(manager.getPartition('cfg', 0)!.logConfig.segmentMs).toBe(5000);
    await manager.close();
    manager = await open();
    expect(manager.topics().get('cfg')!.configOverrides).toEqual({ 'segment.ms': '5000' });
    expect(manager.getPartition('cfg', 1)!.logConfig.segmentMs).toBe(5000);
  });

  it('createPartitions opens the new partitions with the topic config; a failed write removes them', async () => {
    manager = await open();
    await manager.createTopic('grow', 1, { 'retention.ms': '1000' });
    await expect(manager.createPartitions('grow', 1)).rejects.toMatchObject({ errorCode: 37 });
    await manager.createPartitions('grow', 2);
    expect(manager.getPartition('grow', 1)!.logConfig.retentionMs).toBe(1000);
    failRegistryWrites();
    await expect(manager.createPartitions('grow', 4)).rejects.toMatchObject({ errorCode: 56 });
    injectDiskFault(null);
    expect(manager.topics().get('grow')!.partitions).toBe(2);
    expect(manager.getPartition('grow', 2)).toBeUndefined();
    expect((await fs.readdir(dir)).filter((n) => n.startsWith('grow-')).sort()).toEqual(['grow-0', 'grow-1']);
    await manager.close();
    manager = await open();
    expect(manager.topics().get('grow')!.partitions).toBe(2);
  });
});
