import {
  encodeRequestFrame,
  ErrorCode,
  Heartbeat,
  JoinGroup,
  LeaveGroup,
  OffsetCommit,
  OffsetFetch,
  SyncGroup,
  type JoinGroupRequest,
} from '@sluice/protocol';
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBroker, type TestBroker } from '../helpers/broker-fixture.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { committedUpToHighWatermark, startRecordingConsumer, waitUntil, type RecordingConsumer } from '../helpers/groups.js';
import { RawClient } from '../helpers/raw-client.js';

const BYSTANDER_TOPIC = 'bystander-topic';
const MAX_PENDING = 300;
const MAX_SIZE = 50;
const MAX_GROUPS = 1000;
const METADATA_MAX_BYTES = 64 * 1024;

function joinRequest(groupId: string, memberId = '', overrides: Partial<JoinGroupRequest> = {}): JoinGroupRequest {
  return {
    groupId,
    sessionTimeoutMs: 1000,
    rebalanceTimeoutMs: 1000,
    memberId,
    groupInstanceId: null,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: Buffer.from('raw-metadata') }],
    ...overrides,
  };
}

function countCodes(codes: number[]): Record<number, number> {
  const out: Record<number, number> = {};
  for (const c of codes) out[c] = (out[c] ?? 0) + 1;
  return out;
}

describe('bad group requests get Kafka’s errors and never disturb other groups (issue 3)', () => {
  let broker: TestBroker;
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  let bystander: RecordingConsumer;
  let raw: RawClient;
  let producing = true;
  let producerLoop: Promise<void> = Promise.resolve();
  let produced = 0;

  beforeAll(async () => {
    broker = await startTestBroker({
      'group.initial.rebalance.delay.ms': 200,
      'group.min.session.timeout.ms': 1000,
      'group.max.pending.members': MAX_PENDING,
      'group.max.size': MAX_SIZE,
      'group.max.groups': MAX_GROUPS,
      'group.member.metadata.max.bytes': METADATA_MAX_BYTES,
    });
    kafka = new Kafka({ clientId: 'groups-bad-input', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: BYSTANDER_TOPIC, numPartitions: 2 }] });
    // A well-behaved group that must keep consuming and committing through everything below.
    bystander = await startRecordingConsumer(kafka, { groupId: 'bystander', topic: BYSTANDER_TOPIC });
    producer = kafka.producer();
    await producer.connect();
    producerLoop = (async () => {
      for (let batch = 0; producing && batch < 5000; batch++) {
        await producer.send({ topic: BYSTANDER_TOPIC, acks: -1, messages: Array.from({ length: 10 }, (_, i) => ({ value: `b-${batch}-${i}` })) });
        produced += 10;
        await sleep(50);
      }
    })();
    raw = await RawClient.connect(broker.port);
  });
  afterAll(async () => {
    producing = false;
    await producerLoop.catch(() => {});
    await producer?.disconnect();
    await bystander?.stop().catch(() => {});
    raw?.close();
    await admin?.disconnect();
    await broker?.stop();
  });

  it('unknown groups: Heartbeat and SyncGroup are UNKNOWN_MEMBER_ID, OffsetFetch is -1, an empty group id is INVALID_GROUP_ID', async () => {
    const hb = await raw.send(Heartbeat, 3, { groupId: 'no-such-group', generationId: 1, memberId: 'ghost', groupInstanceId: null });
    expect(hb.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    const sync = await raw.send(SyncGroup, 3, { groupId: 'no-such-group', generationId: 1, memberId: 'ghost', groupInstanceId: null, assignments: [] });
    expect(sync.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    const join = await raw.send(JoinGroup, 5, joinRequest('no-such-group', 'ghost'));
    expect(join.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    const leave = await raw.send(LeaveGroup, 3, { groupId: 'no-such-group', members: [{ memberId: 'ghost', groupInstanceId: null }] });
    expect(leave.members![0]!.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    const fetch = await raw.send(OffsetFetch, 5, { groupId: 'no-such-group', topics: [{ name: BYSTANDER_TOPIC, partitionIndexes: [0] }] });
    expect(fetch.topics[0]!.partitions[0]).toMatchObject({ committedOffset: -1, errorCode: ErrorCode.NONE });
    expect((await raw.send(Heartbeat, 3, { groupId: '', generationId: 1, memberId: 'x', groupInstanceId: null })).errorCode).toBe(
      ErrorCode.INVALID_GROUP_ID,
    );
    // A stale member's commit to an unknown group must not create it.
    const commit = await raw.send(OffsetCommit, 7, {
      groupId: 'no-such-group',
      generationIdOrMemberEpoch: 3,
      memberId: 'ghost',
      groupInstanceId: null,
      topics: [{ name: BYSTANDER_TOPIC, partitions: [{ partitionIndex: 0, committedOffset: 1, committedLeaderEpoch: -1, committedMetadata: null }] }],
    });
    expect(commit.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(broker.broker.groups.groupState('no-such-group')).toBe('Dead');
  });

  it('a raw member: wrong generation is ILLEGAL_GENERATION, unknown member UNKNOWN_MEMBER_ID, unknown partitions UNKNOWN_TOPIC_OR_PARTITION each', async () => {
    const first = await raw.send(JoinGroup, 5, joinRequest('raw-group'));
    expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    const memberId = first.memberId;
    expect(memberId).toMatch(/^raw-test-/);
    const joined = await raw.send(JoinGroup, 5, joinRequest('raw-group', memberId));
    expect(joined).toMatchObject({ errorCode: ErrorCode.NONE, generationId: 1, leader: memberId, protocolName: 'range', memberId });
    expect(joined.members.map((m) => [m.memberId, m.metadata.toString()])).toEqual([[memberId, 'raw-metadata']]);
    const generationId = joined.generationId;

    const assignment = Buffer.from('all-of-it');
    const synced = await raw.send(SyncGroup, 3, { groupId: 'raw-group', generationId, memberId, groupInstanceId: null, assignments: [{ memberId, assignment }] });
    expect(synced.errorCode).toBe(ErrorCode.NONE);
    expect(synced.assignment.equals(assignment)).toBe(true);

    const hb = (gen: number, id = memberId) => raw.send(Heartbeat, 3, { groupId: 'raw-group', generationId: gen, memberId: id, groupInstanceId: null });
    expect((await hb(generationId)).errorCode).toBe(ErrorCode.NONE);
    expect((await hb(generationId - 1)).errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect((await hb(generationId + 1)).errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect((await hb(generationId, 'not-a-member')).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    const badSync = await raw.send(SyncGroup, 3, { groupId: 'raw-group', generationId: 7, memberId, groupInstanceId: null, assignments: [] });
    expect(badSync.errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);
    const strangerSync = await raw.send(SyncGroup, 3, { groupId: 'raw-group', generationId, memberId: 'stranger', groupInstanceId: null, assignments: [] });
    expect(strangerSync.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    // A member of another protocol type cannot join.
    const alien = await raw.send(JoinGroup, 5, joinRequest('raw-group', '', { protocolType: 'connect' }));
    expect(alien.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);

    const partition = (partitionIndex: number) => ({ partitionIndex, committedOffset: 5, committedLeaderEpoch: -1, committedMetadata: 'm' });
    const commit = (gen: number, id: string, topics = [{ name: BYSTANDER_TOPIC, partitions: [partition(0)] }]) =>
      raw.send(OffsetCommit, 7, { groupId: 'raw-group', generationIdOrMemberEpoch: gen, memberId: id, groupInstanceId: null, topics });
    const mixed = await commit(generationId, memberId, [
      { name: 'no-such-topic', partitions: [partition(0)] },
      { name: BYSTANDER_TOPIC, partitions: [partition(0), partition(99), partition(-1)] },
    ]);
    expect(mixed.topics.map((t) => [t.name, t.partitions.map((p) => [p.partitionIndex, p.errorCode])])).toEqual([
      ['no-such-topic', [[0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]],
      [
        BYSTANDER_TOPIC,
        [
          [0, ErrorCode.NONE],
          [99, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
          [-1, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
        ],
      ],
    ]);
    expect((await commit(generationId + 3, memberId)).topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect((await commit(generationId, 'stranger')).topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    // Outside group management while the group has a member: refused.
    expect((await commit(-1, '')).topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    const fetched = await raw.send(OffsetFetch, 5, { groupId: 'raw-group', topics: null });
    expect(fetched.topics.map((t) => [t.name, t.partitions.map((p) => [p.partitionIndex, p.committedOffset, p.metadata])])).toEqual([
      [BYSTANDER_TOPIC, [[0, 5, 'm']]],
    ]);

    // After LeaveGroup the id is unknown.
    const left = await raw.send(LeaveGroup, 3, { groupId: 'raw-group', members: [{ memberId, groupInstanceId: null }] });
    expect(left.members![0]!.errorCode).toBe(ErrorCode.NONE);
    expect((await hb(generationId)).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(broker.broker.groups.groupState('raw-group')).toBe('Empty');
  });

  it('oversized member metadata is MESSAGE_TOO_LARGE and leaves no trace', async () => {
    const big = Buffer.alloc(METADATA_MAX_BYTES + 1, 7);
    for (const version of [0, 3, 5]) {
      const r = await raw.send(JoinGroup, version, joinRequest('big-metadata', '', { protocols: [{ name: 'range', metadata: big }] }));
      expect(r.errorCode, `JoinGroup v${version}`).toBe(ErrorCode.MESSAGE_TOO_LARGE);
    }
    // Many protocols whose total is too large count as well.
    const many = Array.from({ length: 20 }, (_, i) => ({ name: `p${i}`, metadata: Buffer.alloc(4000) }));
    expect((await raw.send(JoinGroup, 5, joinRequest('big-metadata', '', { protocols: many }))).errorCode).toBe(ErrorCode.MESSAGE_TOO_LARGE);
    expect(broker.broker.groups.groupState('big-metadata')).toBe('Dead');
  });

  it('session timeouts out of range, empty protocol lists and truncated frames are refused without creating groups', async () => {
    expect((await raw.send(JoinGroup, 5, joinRequest('odd', '', { sessionTimeoutMs: 999 }))).errorCode).toBe(ErrorCode.INVALID_SESSION_TIMEOUT);
    expect((await raw.send(JoinGroup, 5, joinRequest('odd', '', { sessionTimeoutMs: 1_800_001 }))).errorCode).toBe(ErrorCode.INVALID_SESSION_TIMEOUT);
    expect((await raw.send(JoinGroup, 3, joinRequest('odd', '', { protocols: [] }))).errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    expect((await raw.send(JoinGroup, 3, joinRequest('odd', '', { protocolType: '' }))).errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    // At most an Empty shell is left behind (collected when room is needed), never a member.
    expect(['Dead', 'Empty']).toContain(broker.broker.groups.groupState('odd'));

    // A JoinGroup cut short inside its protocol list: the broker drops that connection only.
    const victim = await RawClient.connect(broker.port);
    const whole = Buffer.concat(encodeRequestFrame(JoinGroup, 5, 9, 'cut', joinRequest('cut-group')));
    const cut = whole.subarray(0, whole.length - 6);
    cut.writeInt32BE(cut.length - 4, 0);
    victim.write(cut);
    await Promise.race([victim.closed, sleep(5000).then(() => Promise.reject(new Error('connection with a truncated JoinGroup stayed open')))]);
    expect(broker.broker.groups.groupState('cut-group')).toBe('Dead');
    expect((await raw.send(Heartbeat, 3, { groupId: 'no-such-group', generationId: 1, memberId: 'ghost', groupInstanceId: null })).errorCode).toBe(
      ErrorCode.UNKNOWN_MEMBER_ID,
    );
  });

  it('a pipelined storm of 5,000 JoinGroup v5 with empty member ids is answered at once and holds at most group.max.pending.members ids', async () => {
    const storm = await RawClient.connect(broker.port);
    try {
      const startMs = Date.now();
      const answers = await Promise.all(Array.from({ length: 5000 }, () => storm.send(JoinGroup, 5, joinRequest('storm'))));
      const stormMs = Date.now() - startMs;
      const codes = countCodes(answers.map((a) => a.errorCode));
      expect(codes).toEqual({ [ErrorCode.MEMBER_ID_REQUIRED]: MAX_PENDING, [ErrorCode.COORDINATOR_NOT_AVAILABLE]: 5000 - MAX_PENDING });
      expect(new Set(answers.filter((a) => a.errorCode === ErrorCode.MEMBER_ID_REQUIRED).map((a) => a.memberId)).size).toBe(MAX_PENDING);
      expect(stormMs).toBeLessThan(10_000);
      // Nobody became a member; the pending ids expire after their 1 s session timeout.
      expect(broker.broker.groups.groupState('storm')).toBe('Empty');
      await waitUntil(
        'pending ids of the storm expired',
        async () => (await storm.send(JoinGroup, 5, joinRequest('storm'))).errorCode === ErrorCode.MEMBER_ID_REQUIRED,
        5000,
        200,
      );
    } finally {
      storm.close();
    }
  });

  it('a storm of JoinGroup v3 members is capped at group.max.size; every request is answered', async () => {
    const storm = await RawClient.connect(broker.port);
    try {
      // v3 has no MEMBER_ID_REQUIRED: each empty-id join becomes a member parked until the rebalance completes.
      const answers = await Promise.all(Array.from({ length: 4 * MAX_SIZE }, () => storm.send(JoinGroup, 3, joinRequest('crowd'))));
      const codes = countCodes(answers.map((a) => a.errorCode));
      expect(codes).toEqual({ [ErrorCode.NONE]: MAX_SIZE, [ErrorCode.GROUP_MAX_SIZE_REACHED]: 3 * MAX_SIZE });
      const members = answers.filter((a) => a.errorCode === ErrorCode.NONE);
      const leader = members.find((a) => a.memberId === a.leader)!;
      expect(leader.members).toHaveLength(MAX_SIZE);
      expect(new Set(members.map((a) => a.generationId))).toEqual(new Set([1]));
      // Nobody sends SyncGroup: the members are dropped after the rebalance timeout and the group empties.
      await waitUntil('crowd empties', () => broker.broker.groups.groupState('crowd') === 'Empty', 8000, 100);
    } finally {
      storm.close();
    }
  });

  it('a storm across 1,500 new groups stops at group.max.groups with COORDINATOR_NOT_AVAILABLE, then recovers', async () => {
    const storm = await RawClient.connect(broker.port);
    try {
      const answers = await Promise.all(Array.from({ length: 1500 }, (_, i) => storm.send(JoinGroup, 5, joinRequest(`many-${i}`))));
      const codes = countCodes(answers.map((a) => a.errorCode));
      expect(codes[ErrorCode.MEMBER_ID_REQUIRED]! + codes[ErrorCode.COORDINATOR_NOT_AVAILABLE]!).toBe(1500);
      expect(codes[ErrorCode.COORDINATOR_NOT_AVAILABLE]).toBeGreaterThan(0);
      expect(broker.broker.groups.groupCount()).toBeLessThanOrEqual(MAX_GROUPS);
      // Once the pending ids expire their groups hold nothing and make room for new ones.
      await waitUntil(
        'a new group can be created again',
        async () => (await storm.send(JoinGroup, 5, joinRequest('after-the-storm'))).errorCode === ErrorCode.MEMBER_ID_REQUIRED,
        5000,
        200,
      );
      expect(broker.broker.groups.groupCount()).toBeLessThanOrEqual(MAX_GROUPS);
    } finally {
      storm.close();
    }
  });

  it('through all of it the bystander group kept consuming and committing', async () => {
    const before = bystander.records.length;
    await waitUntil('bystander keeps consuming', () => bystander.records.length > before + 50, 10_000);
    producing = false;
    await producerLoop;
    await waitUntil('bystander read everything', () => new Set(bystander.records.map((r) => r.value)).size >= produced, 10_000);
    await waitUntil('bystander commits reach the high watermarks', () => committedUpToHighWatermark(admin, 'bystander', BYSTANDER_TOPIC), 10_000, 100);
    expect(new Set(bystander.records.map((r) => r.value)).size).toBe(produced);
    expect((await admin.describeGroups(['bystander'])).groups[0]!.state).toBe('Stable');
  });
});
