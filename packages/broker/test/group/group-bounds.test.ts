import { ErrorCode } from '@sluice/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { formStableGroup, joinRequest, joinWithMemberIdRequired, makeCoordinatorKit, type CoordinatorKit } from './group-test-kit.js';

let kit: CoordinatorKit | undefined;

afterEach(async () => {
  await kit?.dispose();
  kit = undefined;
});

describe('bounds', () => {
  it('keeps a storm of 10,000 empty-id JoinGroups within the pending bound, and other groups work meanwhile', async () => {
    kit = await makeCoordinatorKit({ groupMaxPendingMembers: 100 });
    const { memberIds, generationId } = await formStableGroup(kit, 'victim', ['a']);
    const codes = new Map<number, number>();
    for (let i = 0; i < 10_000; i++) {
      const r = await kit.coordinator.joinGroup(joinRequest('storm', '', `bot${i}`), 5, { clientId: `bot${i}`, clientHost: 'h' });
      codes.set(r.errorCode, (codes.get(r.errorCode) ?? 0) + 1);
    }
    expect(codes.get(ErrorCode.MEMBER_ID_REQUIRED)).toBe(100);
    expect(codes.get(ErrorCode.COORDINATOR_NOT_AVAILABLE)).toBe(9_900);
    // The pending ids expire with the session timeout; then the group is collectable and the storm left nothing.
    expect((await kit.coordinator.heartbeat({ groupId: 'victim', generationId, memberId: memberIds[0]! })).errorCode).toBe(ErrorCode.NONE);
    kit.scheduler.advance(10_000);
    await kit.coordinator.expireOffsets();
    expect(kit.coordinator.groupState('storm')).toBe('Dead');
    expect(kit.scheduler.pendingCount()).toBeLessThan(10);
    // A real consumer can join the stormed group afterwards.
    const j = await joinWithMemberIdRequired(kit, 'storm', 'real');
    kit.scheduler.advance(3_000);
    expect((await j.join).errorCode).toBe(ErrorCode.NONE);
  });

  it('keeps a storm across distinct groups within group.max.groups, evicting only groups with nothing to keep', async () => {
    kit = await makeCoordinatorKit({ groupMaxGroups: 50 });
    await formStableGroup(kit, 'keeper', ['a']);
    await kit.coordinator.commitOffsets({
      groupId: 'offsets-only',
      generationIdOrMemberEpoch: -1,
      memberId: '',
      topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 3, committedMetadata: null }] }],
    });
    const codes = new Map<number, number>();
    for (let i = 0; i < 10_000; i++) {
      // Joins without protocols create a group, are refused, and leave nothing in it.
      const r = await kit.coordinator.joinGroup(joinRequest(`junk-${i}`, '', 'bot', { protocolNames: [] }), 5);
      codes.set(r.errorCode, (codes.get(r.errorCode) ?? 0) + 1);
    }
    expect(codes.get(ErrorCode.INCONSISTENT_GROUP_PROTOCOL)).toBe(10_000);
    expect(kit.coordinator.groupCount()).toBeLessThanOrEqual(50);
    expect(kit.coordinator.groupState('keeper')).toBe('Stable');
    expect(kit.store.fetch('offsets-only', 't', 0)?.committedOffset).toBe(3);
    expect(kit.coordinator.groupState('offsets-only')).toBe('Empty');

    // Groups holding pending ids cannot be evicted: beyond the bound new groups are refused.
    for (let i = 0; i < 60; i++) await kit.coordinator.joinGroup(joinRequest(`pending-${i}`, '', 'bot'), 5);
    expect(kit.coordinator.groupCount()).toBe(50);
    const refused = await kit.coordinator.joinGroup(joinRequest('one-more', '', 'bot'), 5);
    expect(refused.errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
  });

  it('rejects oversized member metadata without touching the group', async () => {
    kit = await makeCoordinatorKit({ groupMemberMetadataMaxBytes: 1024 });
    const { memberIds, generationId } = await formStableGroup(kit, 'g', ['a']);
    const big = await kit.coordinator.joinGroup(
      { ...joinRequest('g', '', 'big'), protocols: [{ name: 'range', metadata: Buffer.alloc(1020) }] },
      5,
    );
    expect(big.errorCode).toBe(ErrorCode.MESSAGE_TOO_LARGE);
    expect(kit.coordinator.groupState('g')).toBe('Stable');
    const fromMember = await kit.coordinator.joinGroup({ ...joinRequest('g', memberIds[0]!, 'a'), protocols: [{ name: 'range', metadata: Buffer.alloc(2000) }] }, 5);
    expect(fromMember.errorCode).toBe(ErrorCode.MESSAGE_TOO_LARGE);
    expect((await kit.coordinator.heartbeat({ groupId: 'g', generationId, memberId: memberIds[0]! })).errorCode).toBe(ErrorCode.NONE);
  });

  it('fails the SyncGroups of a generation whose leader sends an oversized assignment, and rebalances', async () => {
    kit = await makeCoordinatorKit({ groupMemberAssignmentMaxBytes: 100 });
    const a = await joinWithMemberIdRequired(kit, 'g', 'a');
    const b = await joinWithMemberIdRequired(kit, 'g', 'b');
    kit.scheduler.advance(10_000);
    await Promise.all([a.join, b.join]);
    const syncB = kit.coordinator.syncGroup({ groupId: 'g', generationId: 1, memberId: b.memberId, assignments: [] });
    const syncA = await kit.coordinator.syncGroup({
      groupId: 'g',
      generationId: 1,
      memberId: a.memberId,
      assignments: [
        { memberId: a.memberId, assignment: Buffer.alloc(10) },
        { memberId: b.memberId, assignment: Buffer.alloc(101) },
      ],
    });
    expect(syncA.errorCode).toBe(ErrorCode.MESSAGE_TOO_LARGE);
    expect((await syncB).errorCode).toBe(ErrorCode.MESSAGE_TOO_LARGE);
    expect(kit.coordinator.groupState('g')).toBe('PreparingRebalance');
  });

  it('refuses members beyond group.max.size with GROUP_MAX_SIZE_REACHED', async () => {
    kit = await makeCoordinatorKit({ groupMaxSize: 2 });
    await formStableGroup(kit, 'g', ['a', 'b']);
    const third = await kit.coordinator.joinGroup(joinRequest('g', '', 'c'), 5);
    expect(third.errorCode).toBe(ErrorCode.GROUP_MAX_SIZE_REACHED);
    expect(kit.coordinator.groupState('g')).toBe('Stable');
  });
});
