import { ErrorCode } from '@sluice/protocol';
import { diskStats } from '@sluice/storage';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { groupCoordinatorConfig, InvalidGroupConfigError, type OffsetCommitRequest } from '../../src/group/index.js';
import { formStableGroup, joinRequest, joinWithMemberIdRequired, makeCoordinatorKit, type CoordinatorKit } from './group-test-kit.js';

let kit: CoordinatorKit;

beforeEach(async () => {
  kit = await makeCoordinatorKit();
});

afterEach(async () => {
  await kit.dispose();
});

/** A commit from outside group management (generation -1, memberId ""), as kafkajs admin and simple consumers send. */
function simpleCommit(groupId: string, partitions: Array<[topic: string, partition: number, offset: number, metadata?: string | null]>): OffsetCommitRequest {
  const byTopic = new Map<string, OffsetCommitRequest['topics'][number]['partitions'][number][]>();
  for (const [topic, partitionIndex, committedOffset, metadata] of partitions) {
    if (!byTopic.has(topic)) byTopic.set(topic, []);
    byTopic.get(topic)!.push({ partitionIndex, committedOffset, committedLeaderEpoch: -1, committedMetadata: metadata ?? null });
  }
  return {
    groupId,
    generationIdOrMemberEpoch: -1,
    memberId: '',
    groupInstanceId: null,
    topics: [...byTopic].map(([name, ps]) => ({ name, partitions: ps })),
  };
}

/** Lets the coordinator's unawaited group-metadata writes reach disk (they are appended at once and synced in turn). */
async function flushWrites(k: CoordinatorKit): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
  await k.logs.getPartition('__consumer_offsets', k.store.partitionFor('g'))!.sync();
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

function errorCodes(r: { topics: { partitions: { errorCode: number }[] }[] }): number[] {
  return r.topics.flatMap((t) => t.partitions.map((p) => p.errorCode));
}

describe('committing and fetching offsets', () => {
  it('round-trips offsets, including negative sentinels and metadata', async () => {
    const r = await kit.coordinator.commitOffsets(
      simpleCommit('g', [
        ['t', 0, 42, 'hello'],
        ['t', 1, -1],
        ['t', 2, -2, null],
        ['u', 0, 2 ** 53 - 1],
      ]),
    );
    expect(errorCodes(r)).toEqual([0, 0, 0, 0]);
    const f = await kit.coordinator.fetchOffsets('g', [
      { name: 't', partitionIndexes: [0, 1, 2, 3] },
      { name: 'u', partitionIndexes: [0] },
    ]);
    expect(f.errorCode).toBe(ErrorCode.NONE);
    expect(f.topics[0]!.partitions.map((p) => [p.committedOffset, p.metadata, p.errorCode])).toEqual([
      [42, 'hello', 0],
      [-1, '', 0],
      [-2, '', 0],
      [-1, '', 0], // nothing committed
    ]);
    expect(f.topics[1]!.partitions[0]!.committedOffset).toBe(2 ** 53 - 1);
  });

  it('answers null topics with every partition the group has, and nothing for an unknown group', async () => {
    await kit.coordinator.commitOffsets(simpleCommit('g', [['t', 3, 7], ['u', 1, 9]]));
    const all = await kit.coordinator.fetchOffsets('g', null);
    const flat = all.topics.flatMap((t) => t.partitions.map((p) => `${t.name}-${p.partitionIndex}@${p.committedOffset}`)).sort();
    expect(flat).toEqual(['t-3@7', 'u-1@9']);
    expect((await kit.coordinator.fetchOffsets('other', null)).topics).toEqual([]);
    const unknown = await kit.coordinator.fetchOffsets('other', [{ name: 't', partitionIndexes: [0] }]);
    expect(unknown.topics[0]!.partitions[0]).toMatchObject({ committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: 0 });
  });

  it('answers UNKNOWN_TOPIC_OR_PARTITION and OFFSET_METADATA_TOO_LARGE per partition and stores the rest', async () => {
    const r = await kit.coordinator.commitOffsets(
      simpleCommit('g', [
        ['t', 0, 1],
        ['t', 9, 1],
        ['nope', 0, 1],
        ['u', 0, 1, 'x'.repeat(4097)],
        ['u', 1, 1, 'x'.repeat(4096)],
      ]),
    );
    expect(errorCodes(r)).toEqual([0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.OFFSET_METADATA_TOO_LARGE, 0]);
    expect(kit.store.fetch('g', 't', 9)).toBeUndefined();
    expect(kit.store.fetch('g', 'u', 0)).toBeUndefined();
    expect(kit.store.fetch('g', 'u', 1)?.metadata.length).toBe(4096);
  });

  it('answers INVALID_COMMIT_OFFSET_SIZE (28) when the commit batch exceeds the topic max.message.bytes, and stores nothing', async () => {
    const big = await makeCoordinatorKit({ offsetMetadataMaxBytes: 32_767 });
    big.topics.set('wide', 40);
    try {
      // 40 x 30,000 bytes of metadata: one batch of 1.2 MB, over the default max.message.bytes (1 MiB).
      const wide = (n: number): Array<[string, number, number, string]> => Array.from({ length: n }, (_, p) => ['wide', p, 1, 'x'.repeat(30_000)]);
      const r = await big.coordinator.commitOffsets(simpleCommit('g', wide(40)));
      expect(errorCodes(r)).toEqual(Array(40).fill(ErrorCode.INVALID_COMMIT_OFFSET_SIZE));
      expect(big.store.hasOffsets('g')).toBe(false);
      expect(errorCodes(await big.coordinator.commitOffsets(simpleCommit('g', wide(20))))).toEqual(Array(20).fill(0));
    } finally {
      await big.dispose();
    }
  });

  it('refuses offset.metadata.max.bytes above 32767, the largest STRING an OffsetCommitValue holds', () => {
    expect(() => groupCoordinatorConfig({ offsetMetadataMaxBytes: 32_768 })).toThrow(InvalidGroupConfigError);
    expect(groupCoordinatorConfig({ offsetMetadataMaxBytes: 32_767 }).offsetMetadataMaxBytes).toBe(32_767);
  });

  it('accepts generation -1 commits only while the group has no members', async () => {
    expect(errorCodes(await kit.coordinator.commitOffsets(simpleCommit('g', [['t', 0, 5]])))).toEqual([0]);
    expect(kit.coordinator.groupState('g')).toBe('Empty');
    expect((await kit.coordinator.describeGroups(['g'])).groups[0]!.groupState).toBe('Empty');
    await formStableGroup(kit, 'g', ['a']);
    expect(errorCodes(await kit.coordinator.commitOffsets(simpleCommit('g', [['t', 0, 6]])))).toEqual([ErrorCode.UNKNOWN_MEMBER_ID]);
    expect(kit.store.fetch('g', 't', 0)?.committedOffset).toBe(5);
  });

  it('stores OffsetCommit v0 commits (no generation, no member id) even while the group has members, as Kafka did', async () => {
    await formStableGroup(kit, 'g', ['a']);
    // The v0 decoder leaves the v1+ fields at their defaults.
    const v0 = { groupId: 'g', generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, topics: simpleCommit('g', [['t', 0, 7]]).topics };
    expect(errorCodes(await kit.coordinator.commitOffsets(v0, 0))).toEqual([0]);
    expect(kit.store.fetch('g', 't', 0)?.committedOffset).toBe(7);
    // The same request at v1 or later is checked against the members.
    expect(errorCodes(await kit.coordinator.commitOffsets(v0, 1))).toEqual([ErrorCode.UNKNOWN_MEMBER_ID]);
    expect(errorCodes(await kit.coordinator.commitOffsets(v0, 2))).toEqual([ErrorCode.UNKNOWN_MEMBER_ID]);
    expect(kit.store.fetch('g', 't', 0)?.committedOffset).toBe(7);
    expect(kit.coordinator.groupState('g')).toBe('Stable');
    // Per partition checks still apply at v0.
    expect(errorCodes(await kit.coordinator.commitOffsets({ ...v0, topics: simpleCommit('g', [['t', 9, 1]]).topics }, 0))).toEqual([
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    ]);
    // A v0 commit may create the group.
    expect(errorCodes(await kit.coordinator.commitOffsets({ ...v0, groupId: 'fresh' }, 0))).toEqual([0]);
    expect(kit.store.fetch('fresh', 't', 0)?.committedOffset).toBe(7);
  });

  it('stores OffsetCommit v1 per-partition commit timestamps; -1 (and any later version) means now', async () => {
    const { memberIds, generationId } = await formStableGroup(kit, 'g', ['a']);
    const nowMs = kit.scheduler.nowMs();
    const dayAgoMs = nowMs - 86_400_000;
    const v1 = {
      groupId: 'g',
      generationIdOrMemberEpoch: generationId,
      memberId: memberIds[0]!,
      groupInstanceId: null,
      topics: [
        {
          name: 't',
          partitions: [
            { partitionIndex: 0, committedOffset: 3, commitTimestamp: dayAgoMs, committedMetadata: null },
            { partitionIndex: 1, committedOffset: 4, commitTimestamp: -1, committedMetadata: null },
          ],
        },
      ],
    };
    expect(errorCodes(await kit.coordinator.commitOffsets(v1, 1))).toEqual([0, 0]);
    expect(kit.store.fetch('g', 't', 0)).toMatchObject({ committedOffset: 3, commitTimestampMs: dayAgoMs });
    expect(kit.store.fetch('g', 't', 1)).toMatchObject({ committedOffset: 4, commitTimestampMs: nowMs });
    // v2+ has no commit timestamp: a stray value is ignored.
    expect(errorCodes(await kit.coordinator.commitOffsets(v1, 2))).toEqual([0, 0]);
    expect(kit.store.fetch('g', 't', 0)?.commitTimestampMs).toBe(nowMs);
    // v1 checks membership like v2+.
    expect(errorCodes(await kit.coordinator.commitOffsets({ ...v1, memberId: 'stranger' }, 1))).toEqual([ErrorCode.UNKNOWN_MEMBER_ID, ErrorCode.UNKNOWN_MEMBER_ID]);
  });

  it('rejects a commit with a generation for an unknown group with ILLEGAL_GENERATION', async () => {
    const r = await kit.coordinator.commitOffsets({ ...simpleCommit('g', [['t', 0, 5]]), generationIdOrMemberEpoch: 3, memberId: 'm' });
    expect(errorCodes(r)).toEqual([ErrorCode.ILLEGAL_GENERATION]);
  });

  it('checks member and generation for groups with members', async () => {
    const { memberIds, generationId } = await formStableGroup(kit, 'g', ['a', 'b']);
    const commit = (memberId: string, generation: number) =>
      kit.coordinator.commitOffsets({ ...simpleCommit('g', [['t', 0, 11]]), memberId, generationIdOrMemberEpoch: generation });
    expect(errorCodes(await commit(memberIds[1]!, generationId))).toEqual([0]);
    expect(errorCodes(await commit('stranger', generationId))).toEqual([ErrorCode.UNKNOWN_MEMBER_ID]);
    expect(errorCodes(await commit(memberIds[1]!, generationId - 1))).toEqual([ErrorCode.ILLEGAL_GENERATION]);
    // PreparingRebalance: still accepted (Kafka relies on the heartbeat to signal the rebalance).
    const rejoin = kit.coordinator.joinGroup(joinRequest('g', memberIds[0]!, 'a'), 5);
    expect(kit.coordinator.groupState('g')).toBe('PreparingRebalance');
    expect(errorCodes(await commit(memberIds[1]!, generationId))).toEqual([0]);
    // CompletingRebalance: REBALANCE_IN_PROGRESS.
    const rejoinB = kit.coordinator.joinGroup(joinRequest('g', memberIds[1]!, 'b'), 5);
    const [ra] = await Promise.all([rejoin, rejoinB]);
    expect(kit.coordinator.groupState('g')).toBe('CompletingRebalance');
    expect(errorCodes(await commit(memberIds[1]!, ra.generationId))).toEqual([ErrorCode.REBALANCE_IN_PROGRESS]);
  });

  it('keeps a member alive through its offset commits', async () => {
    const { memberIds, generationId } = await formStableGroup(kit, 'g', ['a']);
    for (let i = 0; i < 5; i++) {
      kit.scheduler.advance(6_000);
      const r = await kit.coordinator.commitOffsets({ ...simpleCommit('g', [['t', 0, i]]), memberId: memberIds[0]!, generationIdOrMemberEpoch: generationId });
      expect(errorCodes(r)).toEqual([0]);
    }
    expect(kit.coordinator.groupState('g')).toBe('Stable');
  });

  it('shares one fdatasync among concurrent commits of one __consumer_offsets partition', async () => {
    const one = await makeCoordinatorKit({}, { offsetsTopicPartitions: 1 });
    try {
      const before = diskStats.fdatasyncs;
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => one.coordinator.commitOffsets(simpleCommit(`g${i}`, [['t', 0, i]]))));
      for (const r of results) expect(errorCodes(r)).toEqual([0]);
      expect(diskStats.fdatasyncs - before).toBeGreaterThanOrEqual(1);
      expect(diskStats.fdatasyncs - before).toBeLessThanOrEqual(2);
      for (let i = 0; i < 50; i++) expect(one.store.fetch(`g${i}`, 't', 0)?.committedOffset).toBe(i);
    } finally {
      await one.dispose();
    }
  });
});

describe('describing, listing and deleting groups', () => {
  it('describes an unknown group as Dead with error 0, and a Stable group with metadata and assignments', async () => {
    const unknown = (await kit.coordinator.describeGroups(['ghost'])).groups[0]!;
    expect(unknown).toMatchObject({ errorCode: 0, groupId: 'ghost', groupState: 'Dead', protocolType: '', members: [] });
    const { memberIds } = await formStableGroup(kit, 'g', ['a', 'b']);
    const g = (await kit.coordinator.describeGroups(['g'])).groups[0]!;
    expect(g.groupState).toBe('Stable');
    expect(g.protocolType).toBe('consumer');
    expect(g.protocolData).toBe('range');
    expect(g.members.map((m) => m.memberId)).toEqual(memberIds);
    expect(g.members[1]!.memberAssignment.toString()).toBe(`assignment-for:${memberIds[1]}`);
    expect(g.members[0]!.clientId).toBe('a');
  });

  it('lists groups with their state, filtered by state case-insensitively', async () => {
    await formStableGroup(kit, 'g', ['a']);
    await kit.coordinator.commitOffsets(simpleCommit('simple', [['t', 0, 1]]));
    const all = await kit.coordinator.listGroups();
    expect(all.groups.map((g) => [g.groupId, g.protocolType, g.groupState]).sort()).toEqual([
      ['g', 'consumer', 'Stable'],
      ['simple', '', 'Empty'],
    ]);
    expect((await kit.coordinator.listGroups({ statesFilter: ['stable'] })).groups.map((g) => g.groupId)).toEqual(['g']);
    expect((await kit.coordinator.listGroups({ typesFilter: ['consumer'] })).groups).toEqual([]);
  });

  it('deletes Empty groups with their offsets and refuses non-empty and unknown ones', async () => {
    await formStableGroup(kit, 'busy', ['a']);
    await kit.coordinator.commitOffsets(simpleCommit('idle', [['t', 0, 1]]));
    const r = await kit.coordinator.deleteGroups(['idle', 'busy', 'ghost', 'idle']);
    expect(r.results).toEqual([
      { groupId: 'idle', errorCode: 0 },
      { groupId: 'busy', errorCode: ErrorCode.NON_EMPTY_GROUP },
      { groupId: 'ghost', errorCode: ErrorCode.GROUP_ID_NOT_FOUND },
    ]);
    expect(kit.store.hasOffsets('idle')).toBe(false);
    expect((await kit.coordinator.describeGroups(['idle'])).groups[0]!.groupState).toBe('Dead');
  });

  it('rejects an empty group id for membership APIs with INVALID_GROUP_ID', async () => {
    expect((await kit.coordinator.joinGroup(joinRequest('', '', 'a'), 5)).errorCode).toBe(ErrorCode.INVALID_GROUP_ID);
    expect((await kit.coordinator.heartbeat({ groupId: '', generationId: 0, memberId: 'x' })).errorCode).toBe(ErrorCode.INVALID_GROUP_ID);
    expect((await kit.coordinator.syncGroup({ groupId: '', generationId: 0, memberId: 'x', assignments: [] })).errorCode).toBe(ErrorCode.INVALID_GROUP_ID);
    expect((await kit.coordinator.leaveGroup({ groupId: '', memberId: 'x' }, 1)).errorCode).toBe(ErrorCode.INVALID_GROUP_ID);
  });

  it('rejects session timeouts outside the configured range with INVALID_SESSION_TIMEOUT', async () => {
    expect((await kit.coordinator.joinGroup(joinRequest('g', '', 'a', { sessionTimeoutMs: 5_999 }), 5)).errorCode).toBe(ErrorCode.INVALID_SESSION_TIMEOUT);
    expect((await kit.coordinator.joinGroup(joinRequest('g', '', 'a', { sessionTimeoutMs: 1_800_001 }), 5)).errorCode).toBe(
      ErrorCode.INVALID_SESSION_TIMEOUT,
    );
    expect((await kit.coordinator.joinGroup(joinRequest('g', '', 'a', { sessionTimeoutMs: 6_000 }), 5)).errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
  });
});

describe('restart', () => {
  it('keeps committed offsets across a coordinator and store restart, and groups come back Empty', async () => {
    const { memberIds, generationId } = await formStableGroup(kit, 'g', ['a']);
    await kit.coordinator.commitOffsets({ ...simpleCommit('g', [['t', 1, 77, 'm']]), memberId: memberIds[0]!, generationIdOrMemberEpoch: generationId });
    const dir = kit.dir;
    await kit.close();
    const again = await makeCoordinatorKit({}, {}, dir);
    try {
      expect(again.coordinator.groupState('g')).toBe('Empty');
      const f = await again.coordinator.fetchOffsets('g', [{ name: 't', partitionIndexes: [1] }]);
      expect(f.topics[0]!.partitions[0]).toMatchObject({ committedOffset: 77, metadata: 'm' });
      // Old member ids are gone: the consumer rejoins.
      expect((await again.coordinator.heartbeat({ groupId: 'g', generationId, memberId: memberIds[0]! })).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
      const j = await joinWithMemberIdRequired(again, 'g', 'a');
      again.scheduler.advance(3_000);
      expect((await j.join).errorCode).toBe(ErrorCode.NONE);
    } finally {
      await again.dispose();
    }
  });

  it('stores group metadata when a rebalance completes and when the group empties, and restores type and generation', async () => {
    const { memberIds, generationId } = await formStableGroup(kit, 'g', ['a', 'b']);
    await flushWrites(kit);
    const stable = kit.store.groupMetadata('g')!;
    expect(stable).toMatchObject({ protocolType: 'consumer', generation: generationId, protocol: 'range', leader: memberIds[0] });
    expect(stable.members.map((m) => [m.memberId, m.clientId, m.sessionTimeout, m.subscription.toString(), m.assignment.toString()])).toEqual(
      memberIds.map((id, i) => [id, ['a', 'b'][i], 10_000, `subscription:${['a', 'b'][i]}/range`, `assignment-for:${id}`]),
    );
    for (const memberId of memberIds) await kit.coordinator.leaveGroup({ groupId: 'g', memberId }, 1);
    kit.scheduler.advance(1);
    await flushWrites(kit);
    expect(kit.coordinator.groupState('g')).toBe('Empty');
    expect(kit.store.groupMetadata('g')).toMatchObject({ protocolType: 'consumer', generation: generationId + 1, protocol: null, leader: null, members: [] });
    const dir = kit.dir;
    await kit.close();
    const again = await makeCoordinatorKit({}, {}, dir);
    try {
      const listed = (await again.coordinator.listGroups()).groups.find((g) => g.groupId === 'g');
      expect(listed).toMatchObject({ protocolType: 'consumer', groupState: 'Empty' });
      // No offsets: the next cleanup removes the group and tombstones its metadata.
      await again.coordinator.expireOffsets();
      await flushWrites(again);
      expect(again.coordinator.groupState('g')).toBe('Dead');
      expect(again.store.groupMetadata('g')).toBeUndefined();
    } finally {
      await again.dispose();
    }
  });

  it('answers parked requests with NOT_COORDINATOR on close', async () => {
    const a = await joinWithMemberIdRequired(kit, 'g', 'a');
    await kit.coordinator.close();
    expect((await a.join).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
  });
});

describe('offset expiry through the coordinator', () => {
  it('expires offsets of groups that stay Empty past offsets.retention.minutes, and keeps those of active groups', async () => {
    const small = await makeCoordinatorKit({ offsetsRetentionMinutes: 10, offsetsRetentionCheckIntervalMs: 60_000 }, { offsetsRetentionMs: 10 * 60_000 });
    try {
      await small.coordinator.commitOffsets(simpleCommit('idle', [['t', 0, 1]]));
      const { memberIds, generationId } = await formStableGroup(small, 'busy', ['a']);
      await small.coordinator.commitOffsets({ ...simpleCommit('busy', [['t', 0, 2]]), memberId: memberIds[0]!, generationIdOrMemberEpoch: generationId });
      for (let minute = 0; minute < 11; minute++) {
        for (let beat = 0; beat < 20; beat++) {
          small.scheduler.advance(3_000);
          expect((await small.coordinator.heartbeat({ groupId: 'busy', generationId, memberId: memberIds[0]! })).errorCode).toBe(0);
        }
        await small.coordinator.expireOffsets(); // what the periodic check does, awaited here
      }
      expect(small.store.hasOffsets('idle')).toBe(false);
      expect(small.coordinator.groupState('idle')).toBe('Dead');
      expect(small.store.fetch('busy', 't', 0)?.committedOffset).toBe(2);
    } finally {
      await small.dispose();
    }
  });
});
