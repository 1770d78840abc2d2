import {
  ApiVersions,
  CreateTopics,
  DeleteGroups,
  DescribeGroups,
  ErrorCode,
  FindCoordinator,
  Heartbeat,
  JoinGroup,
  LeaveGroup,
  ListGroups,
  OffsetCommit,
  OffsetFetch,
  SyncGroup,
} from '@sluice/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBroker, type TestBroker } from '../helpers/broker-fixture.js';
import { RawClient } from '../helpers/raw-client.js';

const TOPIC = 'versions-topic';

describe('every advertised version of the group APIs runs a whole group lifecycle (issue 3)', () => {
  let broker: TestBroker;
  let raw: RawClient;

  beforeAll(async () => {
    broker = await startTestBroker({ 'group.initial.rebalance.delay.ms': 0, 'group.min.session.timeout.ms': 1000 });
    raw = await RawClient.connect(broker.port);
    await raw.send(CreateTopics, 4, {
      topics: [{ name: TOPIC, numPartitions: 2, replicationFactor: -1, assignments: [], configs: [] }],
      timeoutMs: 5000,
      validateOnly: false,
    });
  });
  afterAll(async () => {
    raw?.close();
    await broker?.stop();
  });

  it('advertises exactly the group API ranges of the protocol README in ApiVersions', async () => {
    const { errorCode, apiKeys } = await raw.send(ApiVersions, 2, {});
    expect(errorCode).toBe(ErrorCode.NONE);
    const ranges = new Map(apiKeys.map((k) => [k.apiKey, [k.minVersion, k.maxVersion]]));
    // OffsetCommit, OffsetFetch, FindCoordinator, JoinGroup, Heartbeat, LeaveGroup, SyncGroup,
    // DescribeGroups, ListGroups, DeleteGroups.
    expect([8, 9, 10, 11, 12, 13, 14, 15, 16, 42].map((key) => [key, ranges.get(key)])).toEqual([
      [8, [0, 8]],
      [9, [0, 8]],
      [10, [0, 5]],
      [11, [0, 9]],
      [12, [0, 4]],
      [13, [0, 5]],
      [14, [0, 5]],
      [15, [0, 5]],
      [16, [0, 5]],
      [42, [0, 2]],
    ]);
  });

  // JoinGroup 0-9 drive the others: each API at its own version, cycling through its range
  // (the flexible ones from JoinGroup v6: request header v2, response header v1, compact fields).
  it.each([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])('JoinGroup v%i with its companions', async (joinVersion) => {
    const groupId = `versions-${joinVersion}`;
    const syncVersion = Math.min(joinVersion, 5);
    const heartbeatVersion = Math.min(joinVersion, 4);
    const leaveVersion = Math.min(joinVersion, 5);
    const commitVersion = Math.min(2 + joinVersion, 8); // 2..8
    const fetchVersion = Math.min(1 + joinVersion, 8); // 1..8
    const describeVersion = Math.min(joinVersion, 5);
    const listVersion = joinVersion % 6;
    const deleteVersion = joinVersion % 3;
    const findVersion = joinVersion % 6;

    const coordinator = await raw.send(FindCoordinator, findVersion, { key: groupId, keyType: 0, coordinatorKeys: [groupId] });
    // v4+ (KIP-699) answer per key; below, at the top level.
    expect(findVersion >= 4 ? coordinator.coordinators![0] : coordinator).toMatchObject({ errorCode: ErrorCode.NONE, port: broker.port });

    const join = (memberId: string) =>
      raw.send(JoinGroup, joinVersion, {
        groupId,
        sessionTimeoutMs: 6000,
        rebalanceTimeoutMs: 6000,
        memberId,
        groupInstanceId: null,
        protocolType: 'consumer',
        protocols: [
          { name: 'sticky', metadata: Buffer.from('s') },
          { name: 'range', metadata: Buffer.from('r') },
        ],
        reason: joinVersion >= 8 ? 'testing v8' : null,
      });
    let joined = await join('');
    if (joinVersion >= 4) {
      expect(joined.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
      joined = await join(joined.memberId);
    }
    expect(joined).toMatchObject({ errorCode: ErrorCode.NONE, generationId: 1, protocolName: 'sticky' });
    const memberId = joined.memberId;
    expect(joined.leader).toBe(memberId);
    expect(joined.skipAssignment).toBe(false); // v9: only a rejoining static leader skips it
    expect(joined.members.map((m) => m.metadata.toString())).toEqual(['s']);
    // v7+ names the protocol type (KIP-559); below it the field does not exist.
    expect(joined.protocolType).toBe(joinVersion >= 7 ? 'consumer' : null);

    const assignment = Buffer.from(`assignment for v${joinVersion}`);
    if (syncVersion >= 5) {
      // KIP-559: a SyncGroup naming another protocol than the group's is refused.
      const wrong = await raw.send(SyncGroup, syncVersion, { groupId, generationId: 1, memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments: [] });
      expect(wrong.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    }
    const synced = await raw.send(SyncGroup, syncVersion, {
      groupId, generationId: 1, memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'sticky', assignments: [{ memberId, assignment }],
    });
    expect(synced.errorCode).toBe(ErrorCode.NONE);
    expect([synced.protocolType, synced.protocolName]).toEqual(syncVersion >= 5 ? ['consumer', 'sticky'] : [null, null]);
    expect(synced.assignment.toString()).toBe(assignment.toString());
    expect((await raw.send(Heartbeat, heartbeatVersion, { groupId, generationId: 1, memberId, groupInstanceId: null })).errorCode).toBe(ErrorCode.NONE);

    const committed = await raw.send(OffsetCommit, commitVersion, {
      groupId,
      generationIdOrMemberEpoch: 1,
      memberId,
      groupInstanceId: null,
      retentionTimeMs: -1,
      topics: [{ name: TOPIC, partitions: [{ partitionIndex: 1, committedOffset: 40 + joinVersion, committedLeaderEpoch: -1, committedMetadata: null }] }],
    });
    expect(committed.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);
    // v8+ (KIP-709) asks for a list of groups and answers each; below, one group at the top level.
    const fetchOffsets = async (topics: { name: string; partitionIndexes: number[] }[] | null) => {
      const response = await raw.send(OffsetFetch, fetchVersion, { groupId, topics, groups: [{ groupId, topics }] });
      if (fetchVersion < 8) return response;
      expect(response.groups!.map((g) => [g.groupId, g.errorCode])).toEqual([[groupId, ErrorCode.NONE]]);
      return response.groups![0]!;
    };
    const fetched = await fetchOffsets([{ name: TOPIC, partitionIndexes: [0, 1] }]);
    expect(fetched.topics[0]!.partitions.map((p) => [p.partitionIndex, p.committedOffset, p.errorCode])).toEqual([
      [0, -1, 0],
      [1, 40 + joinVersion, 0],
    ]);
    if (fetchVersion >= 2) {
      const all = await fetchOffsets(null);
      expect(all.topics.map((t) => [t.name, t.partitions.map((p) => p.committedOffset)])).toEqual([[TOPIC, [40 + joinVersion]]]);
    }

    const described = await raw.send(DescribeGroups, describeVersion, { groups: [groupId], includeAuthorizedOperations: false });
    expect(described.groups[0]).toMatchObject({ errorCode: 0, groupState: 'Stable', protocolType: 'consumer', protocolData: 'sticky' });
    expect(described.groups[0]!.members.map((m) => [m.memberId, m.memberAssignment.toString(), m.memberMetadata.toString()])).toEqual([
      [memberId, assignment.toString(), 's'],
    ]);
    const listed = await raw.send(ListGroups, listVersion, {});
    expect(listed.groups).toContainEqual(expect.objectContaining({ groupId, protocolType: 'consumer' }));
    if (listVersion >= 4) {
      // KIP-518: each group's state, and a states filter; v5 (KIP-848) adds the type and its filter.
      const stable = await raw.send(ListGroups, listVersion, { statesFilter: ['stable'] });
      expect(stable.groups.find((g) => g.groupId === groupId)).toMatchObject({ groupState: 'Stable', groupType: listVersion >= 5 ? 'classic' : '' });
      expect((await raw.send(ListGroups, listVersion, { statesFilter: ['Empty'] })).groups.map((g) => g.groupId)).not.toContain(groupId);
      if (listVersion >= 5) {
        expect((await raw.send(ListGroups, listVersion, { typesFilter: ['consumer'] })).groups).toEqual([]);
        expect((await raw.send(ListGroups, listVersion, { typesFilter: ['Classic'] })).groups.map((g) => g.groupId)).toContain(groupId);
      }
    }

    // Deleting a group with a member is refused; after LeaveGroup it is Empty and can be deleted.
    expect((await raw.send(DeleteGroups, deleteVersion, { groupsNames: [groupId] })).results).toEqual([{ groupId, errorCode: ErrorCode.NON_EMPTY_GROUP }]);
    const left = await raw.send(
      LeaveGroup,
      leaveVersion,
      leaveVersion >= 3 ? { groupId, members: [{ memberId, groupInstanceId: null, reason: leaveVersion >= 5 ? 'done' : null }] } : { groupId, memberId },
    );
    expect(left.errorCode).toBe(ErrorCode.NONE);
    if (leaveVersion >= 3) expect(left.members!.map((m) => m.errorCode)).toEqual([ErrorCode.NONE]);
    const empty = await raw.send(DescribeGroups, describeVersion, { groups: [groupId], includeAuthorizedOperations: false });
    expect(empty.groups[0]).toMatchObject({ groupState: 'Empty', members: [] });
    expect((await raw.send(DeleteGroups, deleteVersion, { groupsNames: [groupId] })).results).toEqual([{ groupId, errorCode: ErrorCode.NONE }]);
    const gone = await fetchOffsets([{ name: TOPIC, partitionIndexes: [1] }]);
    expect(gone.topics[0]!.partitions[0]!.committedOffset).toBe(-1);
    expect((await raw.send(DescribeGroups, describeVersion, { groups: [groupId] })).groups[0]!.groupState).toBe('Dead');
  });
});
