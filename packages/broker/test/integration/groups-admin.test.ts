import { Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBroker, type TestBroker } from '../helpers/broker-fixture.js';
import {
  committedOffsets,
  committedUpToHighWatermark,
  describeGroup,
  highWatermarks,
  isStableAndCovering,
  produceNumbered,
  startRecordingConsumer,
  waitUntil,
  type RecordingConsumer,
} from '../helpers/groups.js';

const TOPIC = 'admin-groups';
const GROUP = 'admin-group';

describe('kafkajs admin manages groups and their offsets (issue 3)', () => {
  let broker: TestBroker;
  let kafka: Kafka;
  let admin: Admin;
  const running: RecordingConsumer[] = [];

  /** Runs a group consumer until it has read `count` records (and committed them), then leaves. */
  async function consumeOnce(count: number, fromBeginning: boolean, produceWhileRunning?: () => Promise<unknown>): Promise<RecordingConsumer> {
    const c = await startRecordingConsumer(kafka, { groupId: GROUP, topic: TOPIC, fromBeginning });
    running.push(c);
    await waitUntil('consumer Stable', async () => isStableAndCovering(await describeGroup(admin, GROUP), TOPIC, 1, 2), 15_000, 50);
    await produceWhileRunning?.();
    await waitUntil(`${count} records`, () => c.records.length >= count, 15_000);
    await waitUntil('commits reach the high watermarks', () => committedUpToHighWatermark(admin, GROUP, TOPIC), 10_000, 50);
    await c.stop();
    return c;
  }

  beforeAll(async () => {
    broker = await startTestBroker({ 'group.initial.rebalance.delay.ms': 100, 'group.min.session.timeout.ms': 1000 });
    kafka = new Kafka({ clientId: 'groups-admin', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 2 }] });
    await produceNumbered(kafka, TOPIC, 'base', 100, 100);
  });
  afterAll(async () => {
    for (const c of running) await c.stop().catch(() => {});
    await admin?.disconnect();
    await broker?.stop();
  });

  it('listGroups and describeGroups show members, assignments and state; fetchOffsets shows the commits', async () => {
    const c = await startRecordingConsumer(kafka, { groupId: GROUP, topic: TOPIC, fromBeginning: true });
    running.push(c);
    await waitUntil('100 records', () => c.records.length >= 100, 15_000);
    await waitUntil('commits reach the high watermarks', () => committedUpToHighWatermark(admin, GROUP, TOPIC), 10_000, 50);

    const listed = await admin.listGroups();
    expect(listed.groups).toContainEqual({ groupId: GROUP, protocolType: 'consumer' });
    const described = await describeGroup(admin, GROUP);
    expect(described.state).toBe('Stable');
    expect(described.protocolType).toBe('consumer');
    expect(described.protocol).toBe('RoundRobinAssigner');
    expect(described.members).toHaveLength(1);
    expect(described.members[0]!.memberId).toBe(c.memberId());
    expect(described.members[0]!.clientId).toBe('groups-admin');
    expect(described.members[0]!.assignment).toEqual({ [TOPIC]: [0, 1] });
    expect(await committedOffsets(admin, GROUP, TOPIC)).toEqual(await highWatermarks(admin, TOPIC));

    // Offsets can't be reset under a running member.
    await expect(admin.resetOffsets({ groupId: GROUP, topic: TOPIC, earliest: true })).rejects.toThrow(/no running instances/);
    // Nor can the group be deleted.
    await expect(admin.deleteGroups([GROUP])).rejects.toMatchObject({ groups: [{ groupId: GROUP, errorCode: 68 }] });

    await c.stop();
    const empty = await describeGroup(admin, GROUP);
    expect(empty.state).toBe('Empty');
    expect(empty.members).toEqual([]);
    expect((await admin.listGroups()).groups.map((g) => g.groupId)).toContain(GROUP);
  });

  it('resetOffsets earliest makes the next consumer read everything again; latest makes it read only new messages', async () => {
    const high = await highWatermarks(admin, TOPIC);
    await admin.resetOffsets({ groupId: GROUP, topic: TOPIC, earliest: true });
    // kafkajs commits the EARLIEST sentinel (-2), which the broker stores as any int64; a kafkajs
    // consumer resolves it with its fromBeginning setting. (Had the reset not happened, this
    // consumer would resume at the committed high watermarks and read nothing.)
    expect(await committedOffsets(admin, GROUP, TOPIC)).toEqual(new Map([[0, -2], [1, -2]]));
    const again = await consumeOnce(100, true);
    expect(new Set(again.records.map((r) => r.value)).size).toBe(100);
    expect(again.records).toHaveLength(100);
    expect(await committedOffsets(admin, GROUP, TOPIC)).toEqual(high);

    await produceNumbered(kafka, TOPIC, 'unseen', 30, 30);
    await admin.resetOffsets({ groupId: GROUP, topic: TOPIC, earliest: false });
    // LATEST (-1): a consumer that does not start from the beginning resumes at the end.
    expect(await committedOffsets(admin, GROUP, TOPIC)).toEqual(new Map([[0, -1], [1, -1]]));
    // The 30 produced before the reset are skipped; only the 10 produced while it runs are read.
    const fresh = await consumeOnce(10, false, () => produceNumbered(kafka, TOPIC, 'fresh', 10, 10));
    expect(fresh.records.map((r) => r.value).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `fresh-${i}`).sort());
  });

  it('setOffsets moves one partition back; the next consumer reads from there', async () => {
    const high = await highWatermarks(admin, TOPIC);
    await admin.setOffsets({ groupId: GROUP, topic: TOPIC, partitions: [{ partition: 0, offset: '40' }] });
    const committed = await committedOffsets(admin, GROUP, TOPIC);
    expect(committed.get(0)).toBe(40);
    expect(committed.get(1)).toBe(high.get(1));
    const replay = await consumeOnce(high.get(0)! - 40, false);
    expect(replay.records.every((r) => r.partition === 0)).toBe(true);
    expect(replay.records.map((r) => r.offset)).toEqual(Array.from({ length: high.get(0)! - 40 }, (_, i) => 40 + i));
  });

  it('deleteGroups removes an Empty group and its offsets; unknown groups are GROUP_ID_NOT_FOUND', async () => {
    expect((await describeGroup(admin, GROUP)).state).toBe('Empty');
    expect(await admin.deleteGroups([GROUP])).toEqual([{ groupId: GROUP, errorCode: 0 }]);
    expect((await admin.listGroups()).groups.map((g) => g.groupId)).not.toContain(GROUP);
    expect((await describeGroup(admin, GROUP)).state).toBe('Dead');
    expect(await committedOffsets(admin, GROUP, TOPIC)).toEqual(
      new Map([
        [0, -1],
        [1, -1],
      ]),
    );
    await expect(admin.deleteGroups(['never-existed'])).rejects.toMatchObject({ groups: [{ groupId: 'never-existed', errorCode: 69 }] });
    // With no offsets left, a new consumer with fromBeginning reads the whole topic.
    const high = await highWatermarks(admin, TOPIC);
    const total = high.get(0)! + high.get(1)!;
    const c = await startRecordingConsumer(kafka, { groupId: GROUP, topic: TOPIC, fromBeginning: true });
    running.push(c);
    await waitUntil(`${total} records`, () => c.records.length >= total, 15_000);
    expect(c.records).toHaveLength(total);
  });
});
