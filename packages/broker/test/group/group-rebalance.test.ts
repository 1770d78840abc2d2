import { ErrorCode } from '@sluice/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  assignmentOf,
  formStableGroup,
  isSettled,
  joinRequest,
  joinWithMemberIdRequired,
  makeCoordinatorKit,
  metadataOf,
  type CoordinatorKit,
} from './group-test-kit.js';

let kit: CoordinatorKit;

/** Heartbeats (generation 1) for `memberIds` every `periodMs` until `totalMs` passed, as live clients do. */
async function heartbeatEvery(periodMs: number, totalMs: number, memberIds: string[], instanceIds: (string | null)[] = []): Promise<void> {
  for (let elapsed = 0; elapsed < totalMs; elapsed += periodMs) {
    kit.scheduler.advance(periodMs);
    for (const [i, memberId] of memberIds.entries()) {
      await kit.coordinator.heartbeat({ groupId: 'g', generationId: 1, memberId, groupInstanceId: instanceIds[i] ?? null });
    }
  }
}

beforeEach(async () => {
  kit = await makeCoordinatorKit();
});

afterEach(async () => {
  await kit.dispose();
});

describe('joining and syncing', () => {
  it('gives the leader every member metadata and the followers none, and hands out the leader assignment', async () => {
    const a = await joinWithMemberIdRequired(kit, 'g', 'a');
    const b = await joinWithMemberIdRequired(kit, 'g', 'b');
    const c = await joinWithMemberIdRequired(kit, 'g', 'c');
    expect(await isSettled(a.join)).toBe(false);
    kit.scheduler.advance(10_000);
    const [ja, jb, jc] = await Promise.all([a.join, b.join, c.join]);

    expect(ja.generationId).toBe(1);
    expect(new Set([ja.generationId, jb.generationId, jc.generationId]).size).toBe(1);
    expect(ja.leader).toBe(a.memberId);
    expect(jb.leader).toBe(a.memberId);
    expect(ja.protocolName).toBe('range');
    expect(ja.members.map((m) => [m.memberId, m.metadata.toString()])).toEqual([
      [a.memberId, metadataOf('a/range').toString()],
      [b.memberId, metadataOf('b/range').toString()],
      [c.memberId, metadataOf('c/range').toString()],
    ]);
    expect(jb.members).toEqual([]);
    expect(jc.members).toEqual([]);

    // Followers' SyncGroup waits for the leader's.
    const syncB = kit.coordinator.syncGroup({ groupId: 'g', generationId: 1, memberId: b.memberId, assignments: [] });
    const syncC = kit.coordinator.syncGroup({ groupId: 'g', generationId: 1, memberId: c.memberId, assignments: [] });
    expect(await isSettled(syncB)).toBe(false);
    expect(kit.coordinator.groupState('g')).toBe('CompletingRebalance');
    const leaderAssignments = [a, b, c].map((m) => ({ memberId: m.memberId, assignment: assignmentOf(m.memberId) }));
    const syncA = await kit.coordinator.syncGroup({ groupId: 'g', generationId: 1, memberId: a.memberId, assignments: leaderAssignments });
    const [sb, sc] = await Promise.all([syncB, syncC]);

    expect(syncA.assignment.equals(assignmentOf(a.memberId))).toBe(true);
    expect(sb.assignment.equals(assignmentOf(b.memberId))).toBe(true);
    expect(sc.assignment.equals(assignmentOf(c.memberId))).toBe(true);
    expect(sb.protocolType).toBe('consumer');
    expect(sb.protocolName).toBe('range');
    expect(kit.coordinator.groupState('g')).toBe('Stable');
  });

  it('increments the generation on every rebalance', async () => {
    const { memberIds, generationId } = await formStableGroup(kit, 'g', ['a', 'b']);
    expect(generationId).toBe(1);
    // The leader rejoining forces a rebalance; the follower learns it from its heartbeat.
    const leaderRejoin = kit.coordinator.joinGroup(joinRequest('g', memberIds[0]!, 'a'), 5);
    expect((await kit.coordinator.heartbeat({ groupId: 'g', generationId: 1, memberId: memberIds[1]! })).errorCode).toBe(
      ErrorCode.REBALANCE_IN_PROGRESS,
    );
    const followerRejoin = kit.coordinator.joinGroup(joinRequest('g', memberIds[1]!, 'b'), 5);
    const [l, f] = await Promise.all([leaderRejoin, followerRejoin]);
    expect(l.generationId).toBe(2);
    expect(f.generationId).toBe(2);
    expect(l.members).toHaveLength(2);
  });

  it('gives members the leader leaves out of its assignment an empty assignment', async () => {
    const a = await joinWithMemberIdRequired(kit, 'g', 'a');
    const b = await joinWithMemberIdRequired(kit, 'g', 'b');
    kit.scheduler.advance(10_000);
    await Promise.all([a.join, b.join]);
    const syncB = kit.coordinator.syncGroup({ groupId: 'g', generationId: 1, memberId: b.memberId, assignments: [] });
    await kit.coordinator.syncGroup({
      groupId: 'g',
      generationId: 1,
      memberId: a.memberId,
      assignments: [{ memberId: a.memberId, assignment: Buffer.from('x') }],
    });
    expect((await syncB).assignment.length).toBe(0);
  });

  it('answers a retried JoinGroup in CompletingRebalance with the current generation', async () => {
    const a = await joinWithMemberIdRequired(kit, 'g', 'a');
    kit.scheduler.advance(3_000);
    const first = await a.join;
    const again = await kit.coordinator.joinGroup(joinRequest('g', a.memberId, 'a'), 5);
    expect(again.errorCode).toBe(ErrorCode.NONE);
    expect(again.generationId).toBe(first.generationId);
    expect(again.members).toHaveLength(1);
  });

  it('gives v0-3 joins with an empty member id an id directly', async () => {
    const join = kit.coordinator.joinGroup(joinRequest('g', '', 'old'), 3, { clientId: 'old', clientHost: 'h' });
    kit.scheduler.advance(3_000);
    const r = await join;
    expect(r.errorCode).toBe(ErrorCode.NONE);
    expect(r.memberId.startsWith('old-')).toBe(true);
    expect(r.leader).toBe(r.memberId);
  });

  it('uses the session timeout as rebalance timeout for v0 and answers protocolName "" on errors below v7', async () => {
    const r = await kit.coordinator.joinGroup(joinRequest('g', 'nobody', 'x'), 0);
    expect(r.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(r.protocolName).toBe('');
    const r7 = await kit.coordinator.joinGroup(joinRequest('g', 'nobody', 'x'), 7);
    expect(r7.protocolName).toBeNull();
  });
});

describe('MEMBER_ID_REQUIRED', () => {
  it('keeps a pending member id valid for the session timeout and drops it after', async () => {
    const first = await kit.coordinator.joinGroup(joinRequest('g', '', 'a'), 4);
    expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    kit.scheduler.advance(9_999);
    const join = kit.coordinator.joinGroup(joinRequest('g', first.memberId, 'a'), 4);
    kit.scheduler.advance(3_000);
    expect((await join).errorCode).toBe(ErrorCode.NONE);

    const late = await kit.coordinator.joinGroup(joinRequest('g', '', 'b'), 4);
    kit.scheduler.advance(10_000);
    const expired = await kit.coordinator.joinGroup(joinRequest('g', late.memberId, 'b'), 4);
    expect(expired.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('holds a rebalance for a pending member until it rejoins or expires', async () => {
    const { memberIds } = await formStableGroup(kit, 'g', ['a']);
    const pending = await kit.coordinator.joinGroup(joinRequest('g', '', 'b'), 5);
    expect(pending.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    const rejoinA = kit.coordinator.joinGroup(joinRequest('g', memberIds[0]!, 'a'), 5);
    expect(await isSettled(rejoinA)).toBe(false);
    kit.scheduler.advance(10_000); // b's pending id expires: the rebalance completes without it
    const r = await rejoinA;
    expect(r.errorCode).toBe(ErrorCode.NONE);
    expect(r.members.map((m) => m.memberId)).toEqual([memberIds[0]]);
  });
});

describe('protocol selection', () => {
  it('picks the protocol with the most votes among those every member lists', async () => {
    const a = await joinWithMemberIdRequired(kit, 'g', 'a', { protocolNames: ['roundrobin', 'range'] });
    const b = await joinWithMemberIdRequired(kit, 'g', 'b', { protocolNames: ['range', 'roundrobin'] });
    const c = await joinWithMemberIdRequired(kit, 'g', 'c', { protocolNames: ['range', 'sticky', 'roundrobin'] });
    kit.scheduler.advance(10_000);
    const [ja] = await Promise.all([a.join, b.join, c.join]);
    expect(ja.protocolName).toBe('range');
    expect(ja.members.find((m) => m.memberId === c.memberId)!.metadata.equals(metadataOf('c/range'))).toBe(true);
  });

  it('rejects a member with no protocol in common, or another protocol type, with INCONSISTENT_GROUP_PROTOCOL', async () => {
    const a = await joinWithMemberIdRequired(kit, 'g', 'a', { protocolNames: ['range'] });
    const noCommon = await kit.coordinator.joinGroup(joinRequest('g', '', 'b', { protocolNames: ['roundrobin'] }), 5);
    expect(noCommon.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const otherType = await kit.coordinator.joinGroup(joinRequest('g', '', 'c', { protocolType: 'connect' }), 5);
    expect(otherType.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const empty = await kit.coordinator.joinGroup(joinRequest('h', '', 'd', { protocolNames: [] }), 5);
    expect(empty.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    kit.scheduler.advance(3_000);
    expect((await a.join).errorCode).toBe(ErrorCode.NONE);
  });

  it('checks SyncGroup v5 protocolType and protocolName', async () => {
    const { memberIds, generationId } = await formStableGroup(kit, 'g', ['a']);
    const wrong = await kit.coordinator.syncGroup({ groupId: 'g', generationId, memberId: memberIds[0]!, protocolName: 'roundrobin', assignments: [] });
    expect(wrong.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  });
});

describe('leaving, expiry and heartbeats', () => {
  it('moves the group to a rebalance promptly when a member leaves', async () => {
    const { memberIds } = await formStableGroup(kit, 'g', ['a', 'b']);
    const left = await kit.coordinator.leaveGroup({ groupId: 'g', memberId: memberIds[1]! }, 1);
    expect(left.errorCode).toBe(ErrorCode.NONE);
    expect(kit.coordinator.groupState('g')).toBe('PreparingRebalance');
    expect((await kit.coordinator.heartbeat({ groupId: 'g', generationId: 1, memberId: memberIds[0]! })).errorCode).toBe(
      ErrorCode.REBALANCE_IN_PROGRESS,
    );
    const r = await kit.coordinator.joinGroup(joinRequest('g', memberIds[0]!, 'a'), 5);
    expect(r.generationId).toBe(2);
    expect(r.members.map((m) => m.memberId)).toEqual([memberIds[0]]);
  });

  it('takes a list of members in LeaveGroup v3 and answers each', async () => {
    const { memberIds } = await formStableGroup(kit, 'g', ['a', 'b']);
    const left = await kit.coordinator.leaveGroup(
      { groupId: 'g', members: [{ memberId: memberIds[0]!, groupInstanceId: null }, { memberId: memberIds[1]!, groupInstanceId: null }, { memberId: 'ghost', groupInstanceId: null }] },
      3,
    );
    expect(left.errorCode).toBe(ErrorCode.NONE);
    expect(left.members.map((m) => m.errorCode)).toEqual([ErrorCode.NONE, ErrorCode.NONE, ErrorCode.UNKNOWN_MEMBER_ID]);
    expect(kit.coordinator.groupState('g')).toBe('Empty');
    expect((await kit.coordinator.describeGroups(['g'])).groups[0]!.groupState).toBe('Empty');
  });

  it('removes a member that stops heartbeating after its session timeout and rebalances', async () => {
    const { memberIds } = await formStableGroup(kit, 'g', ['a', 'b']);
    for (let t = 0; t < 3; t++) {
      kit.scheduler.advance(3_000);
      expect((await kit.coordinator.heartbeat({ groupId: 'g', generationId: 1, memberId: memberIds[0]! })).errorCode).toBe(ErrorCode.NONE);
    }
    expect(kit.coordinator.groupState('g')).toBe('Stable');
    kit.scheduler.advance(1_000); // b never heartbeat: its 10 s session timeout has passed
    expect(kit.coordinator.groupState('g')).not.toBe('Stable');
    expect((await kit.coordinator.heartbeat({ groupId: 'g', generationId: 1, memberId: memberIds[0]! })).errorCode).toBe(
      ErrorCode.REBALANCE_IN_PROGRESS,
    );
    expect((await kit.coordinator.heartbeat({ groupId: 'g', generationId: 1, memberId: memberIds[1]! })).errorCode).toBe(
      ErrorCode.UNKNOWN_MEMBER_ID,
    );
    const r = await kit.coordinator.joinGroup(joinRequest('g', memberIds[0]!, 'a'), 5);
    expect(r.members.map((m) => m.memberId)).toEqual([memberIds[0]]);
  });

  it('answers heartbeats per state and with ILLEGAL_GENERATION for a stale generation', async () => {
    expect((await kit.coordinator.heartbeat({ groupId: 'nope', generationId: 0, memberId: 'x' })).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    const a = await joinWithMemberIdRequired(kit, 'g', 'a');
    const b = await joinWithMemberIdRequired(kit, 'g', 'b');
    kit.scheduler.advance(10_000);
    await Promise.all([a.join, b.join]);
    // CompletingRebalance: fine.
    expect((await kit.coordinator.heartbeat({ groupId: 'g', generationId: 1, memberId: b.memberId })).errorCode).toBe(ErrorCode.NONE);
    expect((await kit.coordinator.heartbeat({ groupId: 'g', generationId: 0, memberId: b.memberId })).errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);
    const syncB = kit.coordinator.syncGroup({ groupId: 'g', generationId: 1, memberId: b.memberId, assignments: [] });
    await kit.coordinator.syncGroup({ groupId: 'g', generationId: 1, memberId: a.memberId, assignments: [] });
    await syncB;
    // Stable: fine; unknown member: UNKNOWN_MEMBER_ID.
    expect((await kit.coordinator.heartbeat({ groupId: 'g', generationId: 1, memberId: a.memberId })).errorCode).toBe(ErrorCode.NONE);
    expect((await kit.coordinator.heartbeat({ groupId: 'g', generationId: 1, memberId: 'x' })).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    // PreparingRebalance: REBALANCE_IN_PROGRESS; a SyncGroup too.
    const rejoinA = kit.coordinator.joinGroup(joinRequest('g', a.memberId, 'a'), 5);
    expect((await kit.coordinator.heartbeat({ groupId: 'g', generationId: 1, memberId: b.memberId })).errorCode).toBe(
      ErrorCode.REBALANCE_IN_PROGRESS,
    );
    expect((await kit.coordinator.syncGroup({ groupId: 'g', generationId: 1, memberId: b.memberId, assignments: [] })).errorCode).toBe(
      ErrorCode.REBALANCE_IN_PROGRESS,
    );
    // b keeps heartbeating but never rejoins: the rebalance timeout (30 s) removes it.
    await heartbeatEvery(3_000, 30_000, [b.memberId]);
    const r = await rejoinA;
    expect(r.generationId).toBe(2);
    expect(r.members).toHaveLength(1);
    expect((await kit.coordinator.heartbeat({ groupId: 'g', generationId: 1, memberId: a.memberId })).errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect((await kit.coordinator.syncGroup({ groupId: 'g', generationId: 1, memberId: a.memberId, assignments: [] })).errorCode).toBe(
      ErrorCode.ILLEGAL_GENERATION,
    );
  });

  it('removes members that never send SyncGroup within the rebalance timeout', async () => {
    const a = await joinWithMemberIdRequired(kit, 'g', 'a');
    const b = await joinWithMemberIdRequired(kit, 'g', 'b');
    kit.scheduler.advance(10_000);
    await Promise.all([a.join, b.join]);
    const syncB = kit.coordinator.syncGroup({ groupId: 'g', generationId: 1, memberId: b.memberId, assignments: [] });
    // The leader keeps heartbeating but never syncs.
    for (let t = 0; t < 11; t++) {
      kit.scheduler.advance(3_000);
      await kit.coordinator.heartbeat({ groupId: 'g', generationId: 1, memberId: a.memberId });
    }
    expect((await syncB).errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    expect(kit.coordinator.groupState('g')).toBe('PreparingRebalance');
  });
});

describe('initial rebalance delay', () => {
  it('delays the first rebalance and extends it while members keep arriving, within the rebalance timeout', async () => {
    const a = await joinWithMemberIdRequired(kit, 'g', 'a', { rebalanceTimeoutMs: 8_000 });
    kit.scheduler.advance(2_000);
    const b = await joinWithMemberIdRequired(kit, 'g', 'b', { rebalanceTimeoutMs: 8_000 });
    kit.scheduler.advance(1_000); // 3 s: b arrived during the delay, so it extends
    expect(await isSettled(a.join)).toBe(false);
    kit.scheduler.advance(2_000);
    const c = await joinWithMemberIdRequired(kit, 'g', 'c', { rebalanceTimeoutMs: 8_000 });
    kit.scheduler.advance(1_000); // 6 s: extended again, by what is left of the 8 s budget
    expect(await isSettled(a.join)).toBe(false);
    kit.scheduler.advance(1_999);
    expect(await isSettled(a.join)).toBe(false);
    kit.scheduler.advance(1); // 8 s
    const [ja] = await Promise.all([a.join, b.join, c.join]);
    expect(ja.members).toHaveLength(3);
  });

  it('takes group.initial.rebalance.delay.ms from the config', async () => {
    const quick = await makeCoordinatorKit({ groupInitialRebalanceDelayMs: 0 });
    try {
      const a = await joinWithMemberIdRequired(quick, 'g', 'a');
      quick.scheduler.advance(0);
      expect((await a.join).generationId).toBe(1);
    } finally {
      await quick.dispose();
    }
  });
});

describe('static membership', () => {
  const staticJoin = (memberId: string, label: string, instance: string, names = ['range'], version = 5) =>
    kit.coordinator.joinGroup(joinRequest('g', memberId, label, { groupInstanceId: instance, protocolNames: names }), version, {
      clientId: label,
      clientHost: 'h',
    });

  async function stableStaticPair(): Promise<{ a: string; b: string }> {
    const ja = staticJoin('', 'a', 'instance-a');
    const jb = staticJoin('', 'b', 'instance-b');
    kit.scheduler.advance(10_000);
    const [ra, rb] = await Promise.all([ja, jb]);
    const syncB = kit.coordinator.syncGroup({ groupId: 'g', generationId: 1, memberId: rb.memberId, groupInstanceId: 'instance-b', assignments: [] });
    await kit.coordinator.syncGroup({
      groupId: 'g',
      generationId: 1,
      memberId: ra.memberId,
      groupInstanceId: 'instance-a',
      assignments: [ra.memberId, rb.memberId].map((id) => ({ memberId: id, assignment: assignmentOf(id) })),
    });
    await syncB;
    return { a: ra.memberId, b: rb.memberId };
  }

  it('replaces a restarted static member without a rebalance when its protocols are unchanged', async () => {
    const { a, b } = await stableStaticPair();
    const restarted = await staticJoin('', 'b', 'instance-b');
    expect(restarted.errorCode).toBe(ErrorCode.NONE);
    expect(restarted.memberId).not.toBe(b);
    expect(restarted.generationId).toBe(1);
    expect(restarted.leader).toBe(a);
    expect(kit.coordinator.groupState('g')).toBe('Stable');
    const sync = await kit.coordinator.syncGroup({
      groupId: 'g',
      generationId: 1,
      memberId: restarted.memberId,
      groupInstanceId: 'instance-b',
      assignments: [],
    });
    expect(sync.assignment.equals(assignmentOf(b))).toBe(true);
    // The old id is fenced.
    expect(
      (await kit.coordinator.heartbeat({ groupId: 'g', generationId: 1, memberId: b, groupInstanceId: 'instance-b' })).errorCode,
    ).toBe(ErrorCode.FENCED_INSTANCE_ID);
    expect(
      (
        await kit.coordinator.commitOffsets({
          groupId: 'g',
          generationIdOrMemberEpoch: 1,
          memberId: b,
          groupInstanceId: 'instance-b',
          topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 5, committedMetadata: null }] }],
        })
      ).topics[0]!.partitions[0]!.errorCode,
    ).toBe(ErrorCode.FENCED_INSTANCE_ID);
  });

  it('tells a restarted static leader at JoinGroup v9+ that it leads and must skip the assignment (KIP-814); below v9 it acts as a follower', async () => {
    const { a, b } = await stableStaticPair();
    const v8 = await staticJoin('', 'a', 'instance-a', ['range'], 8);
    expect(v8).toMatchObject({ errorCode: ErrorCode.NONE, generationId: 1, leader: a, skipAssignment: false, members: [] });
    expect(v8.memberId).not.toBe(a);

    const v9 = await staticJoin('', 'a', 'instance-a', ['range'], 9);
    expect(v9).toMatchObject({ errorCode: ErrorCode.NONE, generationId: 1, skipAssignment: true });
    expect(v9.leader).toBe(v9.memberId);
    expect(v9.members.map((m) => m.memberId).sort()).toEqual([v9.memberId, b].sort());
    expect(kit.coordinator.groupState('g')).toBe('Stable');
    // It syncs without assignments and gets its previous one back.
    const sync = await kit.coordinator.syncGroup({ groupId: 'g', generationId: 1, memberId: v9.memberId, groupInstanceId: 'instance-a', assignments: [] });
    expect(sync.assignment.equals(assignmentOf(a))).toBe(true);

    // A follower rejoining at v9 is still a follower: the leader's id, no members, nothing to skip.
    const follower = await staticJoin('', 'b', 'instance-b', ['range'], 9);
    expect(follower).toMatchObject({ errorCode: ErrorCode.NONE, leader: v9.memberId, skipAssignment: false, members: [] });
  });

  it('rebalances when a static member comes back with other protocols', async () => {
    await stableStaticPair();
    const restarted = staticJoin('', 'b', 'instance-b', ['range', 'roundrobin']);
    expect(kit.coordinator.groupState('g')).toBe('PreparingRebalance');
    expect(await isSettled(restarted)).toBe(false);
  });

  it('keeps a static member that has not rejoined through a rebalance (it may be restarting)', async () => {
    const { a, b } = await stableStaticPair();
    const rejoinA = staticJoin(a, 'a', 'instance-a');
    await heartbeatEvery(3_000, 30_000, [b], ['instance-b']);
    const r = await rejoinA;
    expect(r.errorCode).toBe(ErrorCode.NONE);
    expect(r.members.map((m) => m.groupInstanceId).sort()).toEqual(['instance-a', 'instance-b']);
  });

  it('removes a static member by groupInstanceId alone with LeaveGroup v3', async () => {
    await stableStaticPair();
    const left = await kit.coordinator.leaveGroup({ groupId: 'g', members: [{ memberId: '', groupInstanceId: 'instance-b' }] }, 3);
    expect(left.members[0]!.errorCode).toBe(ErrorCode.NONE);
    expect(kit.coordinator.groupState('g')).toBe('PreparingRebalance');
  });
});
