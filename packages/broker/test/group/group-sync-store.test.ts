import { rm } from 'node:fs/promises';
import { ErrorCode } from '@sluice/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { assignmentOf, isSettled, joinWithMemberIdRequired, makeCoordinatorKit, makeTempDir, type CoordinatorKit } from './group-test-kit.js';

// The leader's SyncGroup is answered once the group metadata with the assignment is durable
// (Kafka doSyncGroup → storeGroup → setAndPropagateAssignment); a failed write fails the SyncGroups.

let kit: CoordinatorKit | undefined;
let dir: string | undefined;

afterEach(async () => {
  vi.restoreAllMocks();
  await kit?.dispose();
  kit = undefined;
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

/** Two members joined generation 1 of group 'g'; the leader first. */
async function joinTwo(k: CoordinatorKit): Promise<{ leader: string; follower: string }> {
  const a = await joinWithMemberIdRequired(k, 'g', 'a');
  const b = await joinWithMemberIdRequired(k, 'g', 'b');
  k.scheduler.advance(k.coordinator.config.groupInitialRebalanceDelayMs * 2 + 1);
  const [ja] = await Promise.all([a.join, b.join]);
  expect(ja!.leader).toBe(a.memberId);
  return { leader: a.memberId, follower: b.memberId };
}

function sync(k: CoordinatorKit, memberId: string, assignments: { memberId: string; assignment: Buffer }[] = []) {
  return k.coordinator.syncGroup({ groupId: 'g', generationId: 1, memberId, assignments });
}

describe('SyncGroup and the group metadata write', () => {
  it('answers the leader and the followers only after the assignment is stored, then goes Stable', async () => {
    kit = await makeCoordinatorKit();
    const { leader, follower } = await joinTwo(kit);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const realStore = kit.store.storeGroup.bind(kit.store);
    const store = vi.spyOn(kit.store, 'storeGroup').mockImplementation(async (groupId, value) => {
      await gate;
      return realStore(groupId, value);
    });
    const syncFollower = sync(kit, follower);
    const assignments = [leader, follower].map((memberId) => ({ memberId, assignment: assignmentOf(memberId) }));
    const syncLeader = sync(kit, leader, assignments);
    // A retried leader SyncGroup during the write neither writes again nor gets an answer early.
    const syncLeaderRetry = sync(kit, leader, assignments);
    expect(await syncLeader).toMatchObject({ errorCode: ErrorCode.REBALANCE_IN_PROGRESS });
    expect(await isSettled(syncLeaderRetry)).toBe(false);
    expect(await isSettled(syncFollower)).toBe(false);
    expect(kit.coordinator.groupState('g')).toBe('CompletingRebalance');
    expect(store).toHaveBeenCalledTimes(1);

    release();
    const [sl, sf] = await Promise.all([syncLeaderRetry, syncFollower]);
    expect(sl.errorCode).toBe(ErrorCode.NONE);
    expect(sf.errorCode).toBe(ErrorCode.NONE);
    expect(sl.assignment.equals(assignmentOf(leader))).toBe(true);
    expect(sf.assignment.equals(assignmentOf(follower))).toBe(true);
    expect(kit.coordinator.groupState('g')).toBe('Stable');
    // The manager applies a record to its view only after fdatasync: the answer came after it.
    const stored = kit.store.groupMetadata('g');
    expect(stored?.generation).toBe(1);
    expect(stored?.members.map((m) => m.assignment.toString()).sort()).toEqual([assignmentOf(leader), assignmentOf(follower)].map(String).sort());
  });

  it('fails every parked SyncGroup with NOT_COORDINATOR when the write fails, and rebalances', async () => {
    kit = await makeCoordinatorKit();
    const { leader, follower } = await joinTwo(kit);
    vi.spyOn(kit.store, 'storeGroup').mockRejectedValue(new Error('injected: __consumer_offsets append failed'));
    const syncFollower = sync(kit, follower);
    const syncLeader = sync(kit, leader, [{ memberId: leader, assignment: assignmentOf(leader) }]);
    const [sl, sf] = await Promise.all([syncLeader, syncFollower]);
    expect(sl.errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    expect(sf.errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    expect(sl.assignment.length).toBe(0);
    expect(kit.coordinator.groupState('g')).toBe('PreparingRebalance');
    expect(kit.store.groupMetadata('g')).toBeUndefined();
  });

  it('answers COORDINATOR_NOT_AVAILABLE when the manager closed under the write', async () => {
    kit = await makeCoordinatorKit();
    const { leader, follower } = await joinTwo(kit);
    await kit.store.close();
    const syncFollower = sync(kit, follower);
    const sl = await sync(kit, leader, [{ memberId: leader, assignment: assignmentOf(leader) }]);
    expect(sl.errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    expect((await syncFollower).errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
  });

  it('finds the assignment in __consumer_offsets after a restart right after SyncGroup returned', async () => {
    dir = await makeTempDir();
    const first = await makeCoordinatorKit({}, {}, dir);
    const { leader, follower } = await joinTwo(first);
    const syncFollower = sync(first, follower);
    const sl = await sync(first, leader, [leader, follower].map((memberId) => ({ memberId, assignment: assignmentOf(memberId) })));
    expect(sl.errorCode).toBe(ErrorCode.NONE);
    expect((await syncFollower).errorCode).toBe(ErrorCode.NONE);
    // Reopen from the files only: a second manager over the same directory, the first one never closed.
    kit = await makeCoordinatorKit({}, {}, dir);
    const stored = kit.store.groupMetadata('g');
    expect(stored?.generation).toBe(1);
    expect(stored?.members.find((m) => m.memberId === follower)?.assignment.equals(assignmentOf(follower))).toBe(true);
    await first.close();
  });
});
