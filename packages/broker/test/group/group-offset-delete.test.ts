import { ErrorCode, Writer } from '@sluice/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OffsetCommitRequest } from '../../src/group/index.js';
import { subscriptionTopics } from '../../src/group/offset-deletion.js';
import { formStableGroup, joinWithMemberIdRequired, makeCoordinatorKit, type CoordinatorKit } from './group-test-kit.js';

let kit: CoordinatorKit;

beforeEach(async () => {
  kit = await makeCoordinatorKit();
});

afterEach(async () => {
  await kit.dispose();
});

/** A ConsumerProtocolSubscription v1 (version, topics, userData null, ownedPartitions []), as Java and our client write it. */
function subscription(topics: string[]): Buffer {
  const w = new Writer(64);
  w.writeInt16(1);
  w.writeArray(topics, (x, t) => x.writeString(t));
  w.writeNullableBytes(null);
  w.writeArray([], () => undefined);
  return w.toBuffer();
}

function simpleCommit(groupId: string, partitions: Array<[topic: string, partition: number, offset: number]>): OffsetCommitRequest {
  const byTopic = new Map<string, OffsetCommitRequest['topics'][number]['partitions']>();
  for (const [topic, partitionIndex, committedOffset] of partitions) {
    if (!byTopic.has(topic)) byTopic.set(topic, []);
    byTopic.get(topic)!.push({ partitionIndex, committedOffset, committedLeaderEpoch: -1, committedMetadata: null });
  }
  return { groupId, generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, topics: [...byTopic].map(([name, ps]) => ({ name, partitions: ps })) };
}

const deleteRequest = (groupId: string, topics: Record<string, number[]>) => ({
  groupId,
  topics: Object.entries(topics).map(([name, ps]) => ({ name, partitions: ps.map((partitionIndex) => ({ partitionIndex })) })),
});

async function committed(groupId: string): Promise<string[]> {
  const f = await kit.coordinator.fetchOffsets(groupId, null);
  return f.topics.flatMap((t) => t.partitions.map((p) => `${t.name}:${p.partitionIndex}=${p.committedOffset}`)).sort();
}

describe('OffsetDelete in the coordinator', () => {
  it('deletes offsets of an Empty group per partition; unknown partitions get 3, uncommitted ones 0; a group left without offsets is removed', async () => {
    await kit.coordinator.commitOffsets(simpleCommit('g', [['t', 0, 10], ['t', 1, 11], ['u', 1, 12]]));
    const r = await kit.coordinator.deleteOffsets(deleteRequest('g', { t: [0, 2, 9], u: [1] }));
    expect(r).toEqual({
      errorCode: 0,
      throttleTimeMs: 0,
      topics: [
        { name: 't', partitions: [{ partitionIndex: 0, errorCode: 0 }, { partitionIndex: 2, errorCode: 0 }, { partitionIndex: 9, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION }] },
        { name: 'u', partitions: [{ partitionIndex: 1, errorCode: 0 }] },
      ],
    });
    expect(await committed('g')).toEqual(['t:1=11']);
    expect(kit.coordinator.groupState('g')).toBe('Empty');
    await kit.coordinator.deleteOffsets(deleteRequest('g', { t: [1] }));
    expect(await committed('g')).toEqual([]);
    expect(kit.coordinator.groupState('g')).toBe('Dead');
    expect((await kit.coordinator.listGroups()).groups.map((g) => g.groupId)).not.toContain('g');
  });

  it('answers GROUP_ID_NOT_FOUND (no topics) for an unknown group', async () => {
    expect(await kit.coordinator.deleteOffsets(deleteRequest('ghost', { t: [0] }))).toEqual({ errorCode: ErrorCode.GROUP_ID_NOT_FOUND, throttleTimeMs: 0, topics: [] });
  });

  it('keeps the offsets of topics a Stable consumer group subscribes to (86) and deletes the others', async () => {
    await kit.coordinator.commitOffsets(simpleCommit('g', [['t', 0, 1], ['u', 0, 2]]));
    const pending = await joinWithMemberIdRequired(kit, 'g', 'a', { protocols: [{ name: 'range', metadata: subscription(['t']) }] });
    // PreparingRebalance before any protocol is selected: the member's listed subscription already counts.
    expect(kit.coordinator.groupState('g')).toBe('PreparingRebalance');
    const early = await kit.coordinator.deleteOffsets(deleteRequest('g', { t: [0] }));
    expect(early.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC);
    kit.scheduler.advance(kit.coordinator.config.groupInitialRebalanceDelayMs + 1);
    const join = await pending.join;
    await kit.coordinator.syncGroup({ groupId: 'g', generationId: join.generationId, memberId: pending.memberId, assignments: [{ memberId: pending.memberId, assignment: Buffer.alloc(0) }] });
    expect(kit.coordinator.groupState('g')).toBe('Stable');
    const r = await kit.coordinator.deleteOffsets(deleteRequest('g', { t: [0], u: [0] }));
    expect(r.topics.map((t) => [t.name, t.partitions[0]!.errorCode])).toEqual([
      ['t', ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC],
      ['u', ErrorCode.NONE],
    ]);
    expect(await committed('g')).toEqual(['t:0=1']);
  });

  it('protects every topic when a member subscription does not decode, and answers NON_EMPTY_GROUP for an active non-consumer group', async () => {
    await formStableGroup(kit, 'g', ['a']); // the kit's metadata is not a consumer-protocol subscription
    await kit.coordinator.commitOffsets(simpleCommit('other', [['u', 0, 1]]));
    const r = await kit.coordinator.deleteOffsets(deleteRequest('g', { u: [0] }));
    expect(r.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC);
    expect(subscriptionTopics(Buffer.from('subscription:a/range'))).toBeNull();
    expect(subscriptionTopics(subscription(['x', 'y']))).toEqual(['x', 'y']);

    const connect = await joinWithMemberIdRequired(kit, 'workers', 'w', { protocolType: 'connect', protocols: [{ name: 'default', metadata: Buffer.from('x') }] });
    expect((await kit.coordinator.deleteOffsets(deleteRequest('workers', { u: [0] }))).errorCode).toBe(ErrorCode.NON_EMPTY_GROUP);
    kit.scheduler.advance(kit.coordinator.config.groupInitialRebalanceDelayMs + 1);
    await connect.join;
  });

  it('removes an offset whose commit is still in flight (the tombstone follows it in the log), durably across a restart', async () => {
    await kit.coordinator.commitOffsets(simpleCommit('g', [['u', 0, 5]]));
    const inflight = kit.coordinator.commitOffsets(simpleCommit('g', [['t', 3, 7]]));
    const deleted = kit.coordinator.deleteOffsets(deleteRequest('g', { t: [3] }));
    await inflight;
    expect((await deleted).topics[0]!.partitions[0]!.errorCode).toBe(0);
    expect(await committed('g')).toEqual(['u:0=5']);
    const dir = kit.dir;
    await kit.close();
    const again = await makeCoordinatorKit({}, {}, dir);
    try {
      const f = await again.coordinator.fetchOffsets('g', null);
      expect(f.topics.flatMap((t) => t.partitions.map((p) => `${t.name}:${p.partitionIndex}=${p.committedOffset}`))).toEqual(['u:0=5']);
    } finally {
      await again.close(); // kit.dispose() in afterEach removes the directory
    }
  });
});
