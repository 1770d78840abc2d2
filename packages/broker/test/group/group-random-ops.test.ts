import { ErrorCode } from '@sluice/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import type { JoinGroupResponse, SyncGroupResponse } from '../../src/group/index.js';
import { makeCoordinatorKit, type CoordinatorKit } from './group-test-kit.js';
import { seededRandom } from '../../../../test-support/seeded-random.js';


const GROUP = 'g';
const STATES = new Set(['Empty', 'PreparingRebalance', 'CompletingRebalance', 'Stable']);

interface Client {
  readonly label: string;
  readonly instanceId: string | null;
  memberId: string;
  generationId: number;
  leader: boolean;
  /** Member ids the leader learned in its JoinGroup answer. */
  members: string[];
  join: Promise<JoinGroupResponse> | null;
  sync: Promise<SyncGroupResponse> | null;
  /** What a well-behaved client does next: rejoin, or sync its generation. */
  needsJoin: boolean;
  needsSync: boolean;
}

let kit: CoordinatorKit | undefined;
afterEach(async () => {
  await kit?.dispose();
  kit = undefined;
});

/**
 * Random sequences of JoinGroup / SyncGroup / Heartbeat / LeaveGroup / OffsetCommit /
 * DeleteGroups / clock steps from five clients (one static), some well-behaved, some stale or
 * confused, checked after every step against what must always hold:
 *  - no call throws or rejects, and the group is in a legal state within its bounds;
 *  - all successful JoinGroup answers of one generation agree on the protocol, and generations
 *    only grow;
 *  - a successful SyncGroup hands a dynamic member exactly what its generation's leader assigned
 *    it (or nothing if the leader left it out);
 *  - a successful OffsetCommit is what OffsetFetch returns until the next commit or delete;
 *  - once the clients go quiet, every parked request is answered and the group empties.
 */
describe('the coordinator under random request sequences', () => {
  it.each(Array.from({ length: 12 }, (_, i) => i + 1))('keeps its invariants (seed %i)', async (seed) => {
    const rnd = seededRandom(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    kit = await makeCoordinatorKit({ groupMinSessionTimeoutMs: 1000, groupInitialRebalanceDelayMs: 1000, groupMaxSize: 4 });
    const k = kit;
    const clients: Client[] = Array.from({ length: 5 }, (_, i) => ({
      label: `c${i}`,
      instanceId: i === 4 ? 'instance-4' : null,
      memberId: '',
      generationId: -1,
      leader: false,
      members: [],
      join: null,
      sync: null,
      needsJoin: true,
      needsSync: false,
    }));
    const protocolByGeneration = new Map<number, string>();
    const assignedByGeneration = new Map<number, Map<string, string>>();
    const committed = new Map<number, number>();
    let highestGeneration = 0;
    const forgetGenerations = () => {
      protocolByGeneration.clear();
      assignedByGeneration.clear();
      highestGeneration = 0;
    };
    const failures: string[] = [];
    const settled: Promise<unknown>[] = [];
    const track = <T>(p: Promise<T>, what: string): Promise<T> => {
      const guarded = p.catch((err: unknown) => {
        failures.push(`${what} rejected: ${String(err)}`);
        throw err;
      });
      settled.push(guarded.catch(() => {}));
      return guarded;
    };

    const onJoin = (c: Client, r: JoinGroupResponse) => {
      if (r.errorCode === ErrorCode.NONE) {
        const protocol = protocolByGeneration.get(r.generationId);
        if (protocol !== undefined && protocol !== r.protocolName) failures.push(`generation ${r.generationId}: protocols ${protocol} and ${r.protocolName}`);
        protocolByGeneration.set(r.generationId, r.protocolName!);
                highestGeneration = Math.max(highestGeneration, r.generationId);
        c.memberId = r.memberId;
        c.generationId = r.generationId;
        c.leader = r.leader === r.memberId;
        c.members = r.members.map((m) => m.memberId);
        c.needsJoin = false;
        c.needsSync = true;
        if (c.leader && !c.members.includes(c.memberId)) failures.push(`leader ${c.memberId} missing from its own member list`);
      } else {
        c.needsJoin = true;
        if (r.errorCode === ErrorCode.MEMBER_ID_REQUIRED) c.memberId = r.memberId;
        if (r.errorCode === ErrorCode.UNKNOWN_MEMBER_ID || r.errorCode === ErrorCode.FENCED_INSTANCE_ID) {
          c.memberId = '';
          c.generationId = -1;
        }
      }
    };

    const protocolsOf = (c: Client) =>
      (rnd() < 0.8 ? ['range', 'roundrobin'] : ['roundrobin']).map((name) => ({ name, metadata: Buffer.from(`${c.label}/${name}`) }));

    for (let step = 0; step < 600; step++) {
      const c = pick(clients);
      // Mostly what a client following the protocol would do next; sometimes anything at all.
      const wellBehaved = c.needsJoin ? 'join' : c.needsSync ? 'sync' : pick(['heartbeat', 'heartbeat', 'commit']);
      const op =
        rnd() < 0.3
          ? pick(['join', 'sync', 'heartbeat', 'leave', 'commit', 'advance', 'delete'])
          : rnd() < 0.25
            ? 'advance'
            : wellBehaved;
      switch (op) {
        case 'join': {
          if (c.join !== null) break;
          const version = c.instanceId !== null ? 5 : pick([0, 1, 3, 4, 5]);
          const memberId = rnd() < 0.03 ? '' : c.memberId;
          const p = track(
            k.coordinator.joinGroup(
              {
                groupId: GROUP,
                sessionTimeoutMs: 2000 + Math.floor(rnd() * 8000),
                rebalanceTimeoutMs: 3000 + Math.floor(rnd() * 10_000),
                memberId,
                groupInstanceId: c.instanceId,
                protocolType: 'consumer',
                protocols: protocolsOf(c),
              },
              version,
              { clientId: c.label, clientHost: '/127.0.0.1' },
            ),
            `join ${c.label}`,
          );
          c.join = p;
          void p.then(
            (r) => {
              c.join = null;
              onJoin(c, r);
            },
            () => (c.join = null),
          );
          break;
        }
        case 'sync': {
          if (c.sync !== null || c.memberId === '') break;
          const generationId = rnd() < 0.15 ? c.generationId + pick([-1, 1]) : c.generationId;
          const assignments = c.leader
            ? c.members.filter(() => rnd() < 0.9).map((memberId) => ({ memberId, assignment: Buffer.from(`${generationId}:${memberId}`) }))
            : [];
          const p = track(
            k.coordinator.syncGroup({ groupId: GROUP, generationId, memberId: c.memberId, groupInstanceId: c.instanceId, assignments }),
            `sync ${c.label}`,
          );
          c.sync = p;
          const memberId = c.memberId;
          const leaderAssigned = c.leader ? new Map(assignments.map((a) => [a.memberId, a.assignment.toString()])) : undefined;
          void p.then(
            (r) => {
              c.sync = null;
              if (r.errorCode !== ErrorCode.NONE) {
                c.needsJoin = true;
                return;
              }
              if (generationId === c.generationId) c.needsSync = false;
              if (leaderAssigned !== undefined && !assignedByGeneration.has(generationId)) assignedByGeneration.set(generationId, leaderAssigned);
              const expected = assignedByGeneration.get(generationId);
              if (c.instanceId === null && expected !== undefined && r.assignment.toString() !== (expected.get(memberId) ?? '')) {
                failures.push(`sync gen ${generationId} ${memberId}: got "${r.assignment}" expected "${expected.get(memberId) ?? ''}"`);
              }
            },
            () => (c.sync = null),
          );
          break;
        }
        case 'heartbeat': {
          if (c.memberId === '') break;
          const generationId = rnd() < 0.15 ? c.generationId + 1 : c.generationId;
          const r = await track(
            k.coordinator.heartbeat({ groupId: GROUP, generationId, memberId: c.memberId, groupInstanceId: c.instanceId }),
            'heartbeat',
          );
          if (r.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) c.memberId = '';
          if (r.errorCode !== ErrorCode.NONE) c.needsJoin = true;
          break;
        }
        case 'leave': {
          if (rnd() < 0.5) break; // leaves are rarer than the other requests
          const version = pick([0, 3]);
          const req =
            version >= 3
              ? { groupId: GROUP, members: [{ memberId: c.instanceId !== null && rnd() < 0.5 ? '' : c.memberId, groupInstanceId: c.instanceId }] }
              : { groupId: GROUP, memberId: c.memberId };
          await track(k.coordinator.leaveGroup(req, version), 'leave');
          c.memberId = '';
          c.generationId = -1;
          c.needsJoin = rnd() < 0.5;
          break;
        }
        case 'commit': {
          const asMember = rnd() < 0.8;
          const partition = Math.floor(rnd() * 4);
          const offset = step;
          const r = await track(
            k.coordinator.commitOffsets({
              groupId: GROUP,
              generationIdOrMemberEpoch: asMember ? c.generationId : -1,
              memberId: asMember ? c.memberId : '',
              groupInstanceId: asMember ? c.instanceId : null,
              topics: [{ name: 't', partitions: [{ partitionIndex: partition, committedOffset: offset, committedMetadata: null }] }],
            }),
            'commit',
          );
          if (r.topics[0]!.partitions[0]!.errorCode === ErrorCode.NONE) committed.set(partition, offset);
          break;
        }
        case 'advance':
          k.scheduler.advance(rnd() < 0.9 ? Math.floor(rnd() * 1500) : Math.floor(rnd() * 12_000));
          break;
        case 'delete': {
          const r = await track(k.coordinator.deleteGroups([GROUP]), 'delete');
          if (r.results[0]!.errorCode === ErrorCode.NONE) committed.clear();
          if (r.results[0]!.errorCode === ErrorCode.NONE) forgetGenerations();
          break;
        }
      }
      // Let resolved promises run their bookkeeping before checking.
      for (let i = 0; i < 5; i++) await Promise.resolve();

      const described = (await k.coordinator.describeGroups([GROUP])).groups[0]!;
      // A group that is gone (deleted, or collected once it held nothing) starts again at generation 0.
      if (described.groupState === 'Dead') forgetGenerations();
      if (described.groupState !== 'Dead' && !STATES.has(described.groupState)) failures.push(`state ${described.groupState}`);
      // group.max.size bounds the members a rebalance can complete with (Kafka counts parked joins
      // during PreparingRebalance, so members that have not rejoined yet may sit on top; a static
      // member that did not rejoin keeps its place).
      const maxMembers = described.groupState === 'PreparingRebalance' ? 2 * 4 + 1 : 4 + 1;
      if (described.members.length > maxMembers) failures.push(`step ${step}: ${described.members.length} members in ${described.groupState}: ${described.members.map((m) => m.memberId).join(',')}`);
      if (described.groupState === 'Empty' && described.members.length > 0) failures.push('Empty group with members');
      const fetched = await k.coordinator.fetchOffsets(GROUP, [{ name: 't', partitionIndexes: [0, 1, 2, 3] }]);
      for (const p of fetched.topics[0]!.partitions) {
        const want = committed.get(p.partitionIndex) ?? -1;
        if (p.committedOffset !== want) failures.push(`step ${step}: partition ${p.partitionIndex} offset ${p.committedOffset}, model ${want}`);
      }
      if (failures.length > 0) break;
    }

    // The clients go quiet: every parked request gets an answer and every member expires. A
    // leader's SyncGroup waits for its group metadata write, which settles in real time (fdatasync),
    // so the clock keeps moving until the group is empty: 400 steps, then at most 2 s more.
    const quietDeadline = performance.now() + 2000;
    const quiet = (): boolean => ['Empty', 'Dead'].includes(k.coordinator.groupState(GROUP));
    for (let i = 0; i < 400 || (!quiet() && performance.now() < quietDeadline); i++) {
      k.scheduler.advance(1000);
      await new Promise((resolve) => setImmediate(resolve));
    }
    const outstanding = await Promise.race([Promise.all(settled).then(() => 'all answered'), new Promise((r) => setTimeout(() => r('some never answered'), 2000))]);
    expect(failures).toEqual([]);
    expect(outstanding).toBe('all answered');
    expect(['Empty', 'Dead']).toContain(k.coordinator.groupState(GROUP));
    expect((await k.coordinator.describeGroups([GROUP])).groups[0]!.members).toEqual([]);
  });
});
