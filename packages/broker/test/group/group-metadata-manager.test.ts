import { rm } from 'node:fs/promises';
import {
  buildRecordBatchSync,
  decodeGroupCoordinatorRecord,
  decodeRecordBatchSync,
  encodeOffsetCommitKey,
  encodeOffsetCommitValue,
  offsetsPartitionFor,
  recordBatches,
  type GroupCoordinatorRecord,
} from '@sluice/protocol';
import { DEFAULT_LOG_CONFIG, LogManager, type PartitionLog } from '@sluice/storage';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { seededRandom } from '../../../../test-support/seeded-random.js';
import { ensureOffsetsTopic, GroupMetadataManager, OFFSETS_TOPIC_CONFIGS, OFFSETS_TOPIC_NAME, type OffsetCommitEntry } from '../../src/group/index.js';
import { makeTempDir } from './group-test-kit.js';

const PARTITIONS = 3;
let dir: string;
let logs: LogManager;

beforeEach(async () => {
  dir = await makeTempDir();
  logs = await openLogs();
});

afterEach(async () => {
  await logs.close();
  await rm(dir, { recursive: true, force: true });
});

function openLogs(): Promise<LogManager> {
  return LogManager.open({ dataDir: dir, defaults: DEFAULT_LOG_CONFIG, retentionCheckIntervalMs: 0 });
}

async function open(opts: { loadBufferBytes?: number; offsetsRetentionMs?: number } = {}): Promise<GroupMetadataManager> {
  return GroupMetadataManager.open(await ensureOffsetsTopic(logs, PARTITIONS), opts);
}

/** Closes manager and logs and opens both again on the same data directory (a broker restart). */
async function restart(manager: GroupMetadataManager, opts: { loadBufferBytes?: number; offsetsRetentionMs?: number } = {}): Promise<GroupMetadataManager> {
  await manager.close();
  await logs.close();
  logs = await openLogs();
  return open(opts);
}

function entry(topic: string, partition: number, committedOffset: number, commitTimestampMs = 1_000, metadata = ''): OffsetCommitEntry {
  return { topic, partition, committedOffset, committedLeaderEpoch: -1, metadata, commitTimestampMs };
}

/** The live set as sorted "group/topic/partition=offset|metadata" lines, for comparison with a model. */
function snapshot(manager: GroupMetadataManager): string[] {
  const out: string[] = [];
  for (const groupId of manager.groups()) {
    for (const [topic, partitions] of manager.partitionsOf(groupId) ?? []) {
      for (const [partition, c] of partitions) out.push(`${groupId}/${topic}/${partition}=${c.committedOffset}|${c.metadata}`);
    }
  }
  return out.sort();
}

/** Every record of one `__consumer_offsets` partition, decoded, in log order. */
async function recordsOf(log: PartitionLog): Promise<GroupCoordinatorRecord[]> {
  const { records } = await log.read(log.logStartOffset, 64 * 1024 * 1024);
  const out: GroupCoordinatorRecord[] = [];
  for (const chunk of records) {
    for (const batch of recordBatches(chunk)) for (const r of decodeRecordBatchSync(batch.bytes)) out.push(decodeGroupCoordinatorRecord(r.key!, r.value));
  }
  return out;
}

function partitionLog(groupId: string): PartitionLog {
  return logs.getPartition(OFFSETS_TOPIC_NAME, offsetsPartitionFor(groupId, PARTITIONS))!;
}

describe('committed offsets in __consumer_offsets', () => {
  it("writes each commit as one batch of Kafka OffsetCommit records in the group's partition", async () => {
    const manager = await open();
    await manager.commit('orders', [entry('t', 0, 10, 1_000, 'meta'), entry('t', 1, -1, 1_001)]);
    const log = partitionLog('orders');
    expect(log.logEndOffset).toBe(2);
    expect(await recordsOf(log)).toEqual([
      { type: 'offsetCommit', keyVersion: 1, key: { group: 'orders', topic: 't', partition: 0 }, valueVersion: 3, value: { offset: 10, leaderEpoch: -1, metadata: 'meta', commitTimestamp: 1_000, expireTimestamp: -1 } },
      { type: 'offsetCommit', keyVersion: 1, key: { group: 'orders', topic: 't', partition: 1 }, valueVersion: 3, value: { offset: -1, leaderEpoch: -1, metadata: '', commitTimestamp: 1_001, expireTimestamp: -1 } },
    ]);
    // Other partitions hold nothing.
    let total = 0;
    for (let p = 0; p < PARTITIONS; p++) total += logs.getPartition(OFFSETS_TOPIC_NAME, p)!.logEndOffset;
    expect(total).toBe(2);
    await manager.close();
  });

  it('answers a commit only once its batch is fdatasynced (the recovery point covers it)', async () => {
    const manager = await open();
    await manager.commit('g', [entry('t', 0, 1)]);
    expect(partitionLog('g').recoveryPoint).toBe(partitionLog('g').logEndOffset);
    await manager.close();
  });

  it('keeps commits and deletions across a restart: the latest record per key wins, tombstones delete', async () => {
    let manager = await open();
    await manager.commit('g', [entry('t', 0, 10, 1_000, 'meta'), entry('t', 1, -1)]);
    await manager.commit('g', [entry('t', 0, 11)]);
    await manager.commit('h', [entry('u', 0, 5)]);
    await manager.commit('gone', [entry('u', 0, 6)]);
    expect(await manager.deleteGroup('gone')).toBe(true);
    expect(await manager.deleteGroup('never-seen')).toBe(false);
    const before = snapshot(manager);
    expect(before).toEqual(['g/t/0=11|', 'g/t/1=-1|', 'h/u/0=5|']);
    manager = await restart(manager);
    expect(snapshot(manager)).toEqual(before);
    expect(manager.fetch('g', 't', 0)?.commitTimestampMs).toBe(1_000);
    expect((await recordsOf(partitionLog('gone'))).filter((r) => r.type === 'offsetCommit' && r.key.group === 'gone').map((r) => r.type === 'offsetCommit' && r.value)).toContain(null);
    await manager.close();
    await expect(manager.commit('g', [entry('t', 0, 1)])).rejects.toThrow(/closed/);
  });

  it('tombstones a commit still in flight when its group is deleted', async () => {
    const manager = await open();
    const inFlight = manager.commit('g', [entry('t', 3, 1)]);
    const deleted = manager.deleteGroup('g');
    await inFlight;
    expect(await deleted).toBe(true);
    expect(manager.hasOffsets('g')).toBe(false);
    const again = await restart(manager);
    expect(again.hasOffsets('g')).toBe(false);
    await again.close();
  });

  it('loads a partition larger than its read buffer, batch by batch', async () => {
    let manager = await open();
    for (let round = 0; round < 40; round++) {
      await Promise.all(Array.from({ length: 10 }, (_, g) => manager.commit(`group-${g}`, [entry('topic', round % 7, round * 10 + g, round, 'x'.repeat(100))])));
    }
    const before = snapshot(manager);
    expect(before).toHaveLength(70);
    manager = await restart(manager, { loadBufferBytes: 1024 });
    expect(snapshot(manager)).toEqual(before);
    await manager.close();
  });

  it('skips record types it does not keep (a KIP-848 key version) and reads values written by others', async () => {
    const manager = await open();
    await manager.commit('g', [entry('t', 0, 1)]);
    const unknownKey = Buffer.from([0, 5, 0, 1, 0x67]); // key version 5, then "g" as a STRING
    await partitionLog('g').append(buildRecordBatchSync({ records: [{ key: unknownKey, value: Buffer.from([0, 0]) }] }));
    await partitionLog('g').append(
      buildRecordBatchSync({
        records: [{ key: encodeOffsetCommitKey({ group: 'g', topic: 't', partition: 1 }), value: encodeOffsetCommitValue({ offset: 2, leaderEpoch: 4, metadata: '', commitTimestamp: 5 }) }],
      }),
    );
    const again = await restart(manager);
    expect(snapshot(again)).toEqual(['g/t/0=1|', 'g/t/1=2|']);
    expect(again.fetch('g', 't', 1)?.committedLeaderEpoch).toBe(4);
    await again.close();
  });

  it('matches an in-memory model over a random sequence of commits, deletions and restarts', async () => {
    const random = seededRandom(0x5eed);
    const model = new Map<string, string>();
    let manager = await open();
    for (let step = 0; step < 300; step++) {
      const groupId = `g${Math.floor(random() * 5)}`;
      const r = random();
      if (r < 0.8) {
        const entries = Array.from({ length: 1 + Math.floor(random() * 4) }, () =>
          entry(`t${Math.floor(random() * 3)}`, Math.floor(random() * 4), Math.floor(random() * 1e6) - 2, step, random() < 0.3 ? `m${step}` : ''),
        );
        await manager.commit(groupId, entries);
        for (const e of entries) model.set(`${groupId}/${e.topic}/${e.partition}`, `${e.committedOffset}|${e.metadata}`);
      } else if (r < 0.9) {
        await manager.deleteGroup(groupId);
        for (const key of [...model.keys()]) if (key.startsWith(`${groupId}/`)) model.delete(key);
      } else {
        manager = await restart(manager);
      }
      expect(snapshot(manager)).toEqual([...model].map(([k, v]) => `${k}=${v}`).sort());
    }
    await manager.close();
  });
});

describe('group metadata in __consumer_offsets', () => {
  const value = {
    protocolType: 'consumer',
    generation: 3,
    protocol: 'range',
    leader: 'm-1',
    currentStateTimestamp: 5_000,
    members: [
      { memberId: 'm-1', groupInstanceId: null, clientId: 'c', clientHost: '/127.0.0.1', rebalanceTimeout: 30_000, sessionTimeout: 10_000, subscription: Buffer.from('sub'), assignment: Buffer.from('asg') },
    ],
  };

  it('stores GroupMetadata records, reloads the latest, and tombstones it', async () => {
    let manager = await open();
    await manager.storeGroup('g', { ...value, generation: 2 });
    await manager.storeGroup('g', value);
    manager = await restart(manager);
    expect(manager.groupMetadata('g')).toEqual(value);
    expect(await manager.removeGroupMetadata('g')).toBe(true);
    expect(await manager.removeGroupMetadata('g')).toBe(false);
    const records = await recordsOf(partitionLog('g'));
    expect(records.map((r) => (r.type === 'groupMetadata' ? [r.keyVersion, r.valueVersion, r.value?.generation ?? null] : r.type))).toEqual([
      [2, 3, 2],
      [2, 3, 3],
      [2, -1, null],
    ]);
    manager = await restart(manager);
    expect(manager.groupMetadata('g')).toBeUndefined();
    await manager.close();
  });

  it('deleteGroup tombstones the metadata with the offsets', async () => {
    const manager = await open();
    await manager.storeGroup('g', value);
    await manager.commit('g', [entry('t', 0, 1)]);
    await manager.deleteGroup('g');
    const again = await restart(manager);
    expect(again.groupMetadata('g')).toBeUndefined();
    expect(again.hasOffsets('g')).toBe(false);
    await again.close();
  });
});

describe('offset expiry', () => {
  const retentionMs = 60_000;

  it('writes tombstones for offsets of Empty groups by their last commit and the time the group became Empty', async () => {
    let manager = await open({ offsetsRetentionMs: retentionMs });
    await manager.commit('empty', [entry('t', 0, 1, 0), entry('t', 1, 1, 50_000)]);
    await manager.commit('recent-empty', [entry('t', 0, 1, 0)]);
    await manager.commit('active', [entry('t', 0, 1, 0)]);
    const emptySince = (groupId: string): number | null => (groupId === 'active' ? null : groupId === 'recent-empty' ? 30_000 : 0);

    expect(await manager.expire(60_000, emptySince)).toEqual({ expiredPartitions: 1, emptiedGroups: [] });
    expect(snapshot(manager)).toEqual(['active/t/0=1|', 'empty/t/1=1|', 'recent-empty/t/0=1|']);
    const second = await manager.expire(110_000, emptySince);
    expect(second.emptiedGroups.sort()).toEqual(['empty', 'recent-empty']);
    expect(snapshot(manager)).toEqual(['active/t/0=1|']);

    manager = await restart(manager, { offsetsRetentionMs: retentionMs });
    expect(snapshot(manager)).toEqual(['active/t/0=1|']);
    await manager.close();
  });

  it('never expires a commit that arrived after the decision was due', async () => {
    const manager = await open({ offsetsRetentionMs: retentionMs });
    await manager.commit('g', [entry('t', 0, 1, 0)]);
    const late = manager.commit('g', [entry('t', 0, 2, 100_000)]);
    const expiry = manager.expire(100_000, () => 0);
    await late;
    expect((await expiry).expiredPartitions).toBe(0);
    expect(manager.fetch('g', 't', 0)?.committedOffset).toBe(2);
    const again = await restart(manager, { offsetsRetentionMs: retentionMs });
    expect(again.fetch('g', 't', 0)?.committedOffset).toBe(2);
    await again.close();
  });
});

describe('a compacted __consumer_offsets', () => {
  it('is created with cleanup.policy=compact', async () => {
    await ensureOffsetsTopic(logs, PARTITIONS);
    expect(logs.topics().get(OFFSETS_TOPIC_NAME)?.config.cleanupPolicy).toBe('compact');
  });

  it("still loads every group's latest offsets and metadata after the log cleaner compacted it", async () => {
    // Small segments so the cleaner has inactive segments to compact.
    await logs.createTopic(OFFSETS_TOPIC_NAME, 1, { ...OFFSETS_TOPIC_CONFIGS, 'segment.bytes': '4096' });
    const manager = await GroupMetadataManager.open(await ensureOffsetsTopic(logs, PARTITIONS));
    const random = seededRandom(0xc0ffee);
    for (let round = 0; round < 60; round++) {
      await Promise.all(
        Array.from({ length: 8 }, (_, g) =>
          manager.commit(`group-${g}`, [entry('orders', Math.floor(random() * 4), round * 100 + g, 1_000 + round, random() < 0.5 ? `m${round}` : '')]),
        ),
      );
      if (round % 20 === 0) await manager.storeGroup(`group-${round % 8}`, { protocolType: 'consumer', generation: round, protocol: null, leader: null, currentStateTimestamp: round, members: [] });
    }
    await manager.commit('deleted', [entry('orders', 0, 1)]);
    await manager.deleteGroup('deleted');
    const before = snapshot(manager);
    const metadataBefore = [...manager.groupsWithMetadata()].sort().map((g) => [g, manager.groupMetadata(g)!.generation]);
    const log = logs.getPartition(OFFSETS_TOPIC_NAME, 0)!;
    const bytesBefore = log.sizeInBytes;
    const recordsBefore = (await recordsOf(log)).length;
    await log.sync();
    const cleaned = await logs.logCleaner.cleanLog(log);
    expect(cleaned.topic).toBe(OFFSETS_TOPIC_NAME);
    expect(log.sizeInBytes).toBeLessThan(bytesBefore / 2);
    expect((await recordsOf(log)).length).toBeLessThan(recordsBefore / 2);
    await manager.close();

    await logs.close();
    logs = await openLogs();
    const again = await GroupMetadataManager.open(await ensureOffsetsTopic(logs, PARTITIONS));
    expect(snapshot(again)).toEqual(before);
    expect([...again.groupsWithMetadata()].sort().map((g) => [g, again.groupMetadata(g)!.generation])).toEqual(metadataBefore);
    expect(again.hasOffsets('deleted')).toBe(false);
    await again.close();
  });
});
